"""Ingest files into the knowledge base, incrementally, reporting every file.

A file is re-ingested only when its content, its sidecar metadata or the chunker changed; each file
is committed on its own (see kb.store), so an interrupted run keeps everything committed so far and
the previous version of everything else. A bad file is reported with its reason and the rest go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from chunfeng.errors import ChunfengError, FileLoadError, SkippedFile
from ingest.chunker import Chunker, DocInfo
from ingest.clean import clean_text
from ingest.loaders import load
from ingest.metadata import extract
from ingest.sidecar import SIDECAR_NAMES, read_manifest
from ingest.structure import parse
from kb.models import DocumentRecord
from kb.store import CHUNKER_VERSION, KnowledgeBase

log = logging.getLogger(__name__)

STATUS_NAMES = {"ingested": "已导入", "unchanged": "未变化", "skipped": "已跳过", "failed": "失败", "removed": "已移除"}


@dataclass
class FileOutcome:
    path: str
    source: str
    status: str  # ingested | unchanged | skipped | failed | removed
    reason_code: str = ""
    reason: str = ""
    chunks: int = 0
    title: str = ""
    doc_number: str = ""


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.count("failed") else 0

    def to_dict(self) -> dict:
        return {
            "summary": {s: self.count(s) for s in STATUS_NAMES},
            "documents": self.documents,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
            "exit_code": self.exit_code,
            "files": [asdict(f) for f in self.files],
        }


ProgressFn = Callable[[int, int, str], None]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def doc_id_for(path: Path) -> str:
    return hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:16]


class Ingestor:
    def __init__(self, kb: KnowledgeBase, chunker: Chunker | None = None, on_progress: ProgressFn | None = None) -> None:
        self.kb = kb
        self.chunker = chunker or Chunker()
        self.on_progress = on_progress

    # -- discovery ----------------------------------------------------------------------------
    def discover(self, paths: list[Path]) -> tuple[list[Path], list[FileOutcome]]:
        """Files to ingest, plus outcomes for paths that are reported without being read."""
        files: list[Path] = []
        notes: list[FileOutcome] = []
        for p in paths:
            if not p.exists():
                notes.append(FileOutcome(str(p), p.name, "failed", "not_found", f"路径不存在：{p}。请检查拼写，或确认文件已复制到该位置。"))
                continue
            candidates = [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file())
            for f in candidates:
                rel_parts = f.relative_to(p).parts if p.is_dir() else (f.name,)
                if any(part.startswith(".") for part in rel_parts):
                    continue  # hidden files and folders (.git, .DS_Store) are not documents
                if f.name in SIDECAR_NAMES:
                    notes.append(FileOutcome(str(f), f.name, "skipped", "sidecar", "元数据清单，已用于补充同目录文件的标题、文号等信息"))
                elif f.name.startswith("~$"):
                    notes.append(FileOutcome(str(f), f.name, "skipped", "temp_file", "Office 临时文件，不是政策文件"))
                elif f.stem.upper() == "README":
                    notes.append(FileOutcome(str(f), f.name, "skipped", "readme", "目录说明文件（README），不作为政策文件导入"))
                else:
                    files.append(f)
        unique = list(dict.fromkeys(files))
        return unique, notes

    # -- the run ------------------------------------------------------------------------------
    def run(self, paths: list[Path], prune: bool = False) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        files, notes = self.discover(paths)
        report.files.extend(notes)
        manifests: dict[Path, dict[str, dict[str, str]]] = {}
        try:
            for i, path in enumerate(files, 1):
                if self.on_progress:
                    self.on_progress(i, len(files), path.name)
                folder = path.parent
                if folder not in manifests:
                    try:
                        manifests[folder] = read_manifest(folder)
                    except FileLoadError as exc:
                        report.files.append(FileOutcome(str(folder / "MANIFEST.tsv"), "MANIFEST.tsv", "failed", exc.code, exc.message))
                        manifests[folder] = {}
                report.files.append(self._one(path, manifests[folder].get(path.name, {})))
            if prune:
                report.files.extend(self._prune())
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            # whatever was committed is served consistently, interrupted or not
            self.kb.collect_garbage()
            self.kb.finish()
        report.documents = len(self.kb.documents())
        report.chunks = self.kb.count()
        report.seconds = time.perf_counter() - started
        return report

    def _one(self, path: Path, sidecar: dict[str, str]) -> FileOutcome:
        resolved = str(path.resolve())
        outcome = FileOutcome(resolved, path.name, "failed")
        try:
            digest = _sha256(path)
            fingerprint = hashlib.sha256(
                json.dumps([digest, sidecar, CHUNKER_VERSION, self.chunker.max_chars], ensure_ascii=False, sort_keys=True).encode()
            ).hexdigest()
            known = self.kb.registry.document_by_path(resolved)
            if known is not None and known[1] == fingerprint:
                doc = known[0]
                outcome.status, outcome.chunks, outcome.title, outcome.doc_number = "unchanged", doc.chunk_count, doc.title, doc.doc_number
                return outcome
            if path.stat().st_size == 0:
                raise FileLoadError("文件为空（0 字节），没有可读取的文字。请确认文件已完整复制。", code="empty")
            loaded = load(path)
            lines = clean_text(loaded.text, wrapped=True if loaded.format == "pdf" else None)
            root = parse(lines, default_title=loaded.title_hint or path.stem)
            meta = extract(
                lines, root, fallback_title=path.stem, title_hint=loaded.title_hint, front_matter=loaded.front_matter, sidecar=sidecar
            )
            doc_id = doc_id_for(path)
            chunks = self.chunker.run(
                root,
                DocInfo(doc_id, path.name, meta.title, meta.doc_number, meta.issuer, meta.date, meta.jurisdiction),
            )
            if not chunks:
                raise SkippedFile("文件中没有可导入的文字内容", code="no_text")
            record = DocumentRecord(
                doc_id=doc_id,
                path=resolved,
                source=path.name,
                sha256=digest,
                size=path.stat().st_size,
                title=meta.title,
                doc_number=meta.doc_number,
                issuer=meta.issuer,
                date=meta.date,
                jurisdiction=meta.jurisdiction,
                format=loaded.format,
                ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                extra={"encoding": loaded.encoding, "pages": loaded.pages},
            )
            self.kb.replace_document(record, fingerprint, chunks)
            outcome.status, outcome.chunks, outcome.title, outcome.doc_number = "ingested", len(chunks), meta.title, meta.doc_number
        except SkippedFile as exc:
            outcome.status, outcome.reason_code, outcome.reason = "skipped", exc.code, exc.message
        except ChunfengError as exc:
            outcome.status, outcome.reason_code, outcome.reason = "failed", exc.code, exc.message
        except OSError as exc:
            outcome.reason_code, outcome.reason = "io_error", f"无法读取文件：{exc.strerror or exc}。请检查文件权限。"
        except Exception as exc:  # a bug must not stop the other files
            log.exception("ingest failed for %s", path)
            outcome.reason_code, outcome.reason = "internal_error", f"处理时出现内部错误（{type(exc).__name__}: {exc}）；其余文件不受影响。"
        return outcome

    def _prune(self) -> list[FileOutcome]:
        gone: list[FileOutcome] = []
        for doc in self.kb.documents():
            if not Path(doc.path).exists():
                self.kb.delete_document(doc.doc_id)
                gone.append(FileOutcome(doc.path, doc.source, "removed", "file_gone", "原文件已不存在，已从知识库移除", doc.chunk_count, doc.title, doc.doc_number))
        return gone
