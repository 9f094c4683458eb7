"""The index manifest: what built this knowledge base, so a mismatch is caught, not served.

``<data dir>/manifest.json`` records the schema version, the embedder, the tokenizer and the chunker.
A knowledge base built with one embedder refuses to open with another, with a message that says how
to fix it; tokenizer changes only trigger a rebuild of the keyword index.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from chunfeng.errors import EmbedderMismatch, KnowledgeBaseError

SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"


@dataclass
class Manifest:
    schema: int
    embedder: str
    dim: int
    tokenizer: str
    chunker: str
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    updated_at: str = ""

    @classmethod
    def read(cls, data_dir: Path) -> "Manifest | None":
        path = data_dir / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except (ValueError, TypeError, KeyError) as exc:
            raise KnowledgeBaseError(
                f"知识库清单文件 {path} 已损坏（{exc}）。请用 `chunfeng ingest --rebuild 文件夹 --kb {data_dir}` 重新建立知识库。"
            ) from exc

    def write(self, data_dir: Path) -> None:
        self.updated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        tmp = data_dir / f".{MANIFEST_NAME}.tmp"
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, data_dir / MANIFEST_NAME)

    def check_embedder(self, embedder_name: str, data_dir: Path) -> None:
        if self.schema != SCHEMA_VERSION:
            raise KnowledgeBaseError(
                f"知识库 {data_dir} 的格式版本是 {self.schema}，当前程序需要 {SCHEMA_VERSION}。"
                f"请运行 `chunfeng ingest --rebuild 文件夹 --kb {data_dir}` 重新建立。"
            )
        if self.embedder != embedder_name:
            raise EmbedderMismatch(
                f"知识库 {data_dir} 是用向量模型“{self.embedder}”建立的，但当前设置的是“{embedder_name}”"
                f"（由 CHUNFENG_EMBED_MODEL 决定，未设置时为内置 hash-ngram）。"
                f"请运行 `chunfeng ingest --rebuild 政策文件夹 --kb {data_dir}` 用当前模型重建索引，"
                f"或把 CHUNFENG_EMBED_MODEL 改回原来的模型。"
            )
