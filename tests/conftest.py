"""Shared fixtures: the repository's sample corpus, a real knowledge base over it (SQLite + Chroma
in a temp dir), and ../shared when it exists (tests that need it skip cleanly otherwise)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chunfeng.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "policies"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared is not present on this machine")
    return SHARED


@pytest.fixture(scope="session")
def shared_texts(shared_dir) -> dict[str, str]:
    """The official texts of ../shared (corpus and seed plan) by file name, whitespace removed."""
    from kb.textnorm import compact

    return {
        p.name: compact(p.read_text(encoding="utf-8"))
        for d in (shared_dir / "corpus", shared_dir / "seeds")
        for p in d.iterdir()
        if p.suffix in (".md", ".txt") and p.name != "README.md"
    }


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


def make_settings(data_dir: Path, **kw) -> Settings:
    return Settings(data_dir=data_dir, **kw)


@pytest.fixture(scope="session")
def sample_kb_dir(tmp_path_factory) -> Path:
    """A knowledge base built once per session from samples/policies (copied, so tests may edit)."""
    from chunfeng.factory import chunker_for, open_kb
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("samplekb")
    corpus = root / "policies"
    shutil.copytree(SAMPLES, corpus)
    settings = make_settings(root / "kb")
    kb = open_kb(settings, create=True)
    report = Ingestor(kb, chunker_for(settings)).run([corpus])
    assert report.exit_code == 0, report.to_dict()
    kb.close()
    return root / "kb"


@pytest.fixture(scope="session")
def sample_assistant(sample_kb_dir):
    from chunfeng.factory import build_assistant

    return build_assistant(make_settings(sample_kb_dir))
