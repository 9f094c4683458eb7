"""Build real knowledge bases (SQLite + Chroma in a temp dir) from literal texts."""

from __future__ import annotations

from pathlib import Path

from ingest.chunker import Chunker
from ingest.pipeline import Ingestor
from kb.embed import Embedder, HashNgramEmbedder
from kb.store import KnowledgeBase
from tests.fixtures.texts import CAIKU_NOTICE, FORWARDED_PLAN, law_md

FILES = {
    "forwarded-plan.txt": FORWARDED_PLAN,
    "sample-law.md": law_md(),
    "caiku-notice.txt": CAIKU_NOTICE,
}


def write_corpus(folder: Path, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (files or FILES).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def open_kb(data_dir: Path, embedder: Embedder | None = None, create: bool = True) -> KnowledgeBase:
    return KnowledgeBase.open(data_dir, embedder or HashNgramEmbedder(), create=create)


def ingest(kb: KnowledgeBase, *paths: Path, prune: bool = False, max_chars: int = 600):
    return Ingestor(kb, Chunker(max_chars=max_chars)).run(list(paths), prune=prune)
