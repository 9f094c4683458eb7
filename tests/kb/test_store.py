"""The knowledge base stays consistent across re-ingest, edits, pruning and interruptions."""

import numpy as np
import pytest

from chunfeng.errors import EmbedderMismatch, KnowledgeBaseMissing
from kb.embed import HashNgramEmbedder
from kb.keyword import Bm25Index
from kb.store import KnowledgeBase
from tests.kb.helpers import ingest, open_kb, write_corpus


def test_reingest_unchanged_then_one_edit(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    kb = open_kb(tmp_path / "kb")
    first = ingest(kb, corpus)
    assert first.count("ingested") == 3 and first.exit_code == 0
    chunks_before = kb.count()
    ids_before = kb.registry.chunk_ids()

    again = ingest(kb, corpus)
    assert again.count("unchanged") == 3 and again.count("ingested") == 0
    assert kb.count() == chunks_before and kb.registry.chunk_ids() == ids_before

    law = corpus / "sample-law.md"
    law.write_text(law.read_text(encoding="utf-8").replace("二十日内", "十五日内"), encoding="utf-8")
    edited = ingest(kb, corpus)
    assert edited.count("ingested") == 1 and edited.count("unchanged") == 2
    assert [f.source for f in edited.files if f.status == "ingested"] == ["sample-law.md"]
    assert kb.count() == chunks_before
    # exactly one chunk changed, in the registry and in the vector index alike
    assert len(ids_before - kb.registry.chunk_ids()) == 1
    assert kb.vectors.ids() == kb.registry.chunk_ids()
    texts = [c.text for c in kb.registry.iter_chunks()]
    assert any("十五日内" in t for t in texts) and not any("二十日内" in t for t in texts)


def test_prune_removes_documents_whose_files_are_gone(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    kb = open_kb(tmp_path / "kb")
    ingest(kb, corpus)
    (corpus / "caiku-notice.txt").unlink()
    kept = ingest(kb, corpus)
    assert len(kb.documents()) == 3 and kept.count("removed") == 0
    pruned = ingest(kb, corpus, prune=True)
    assert [f.source for f in pruned.files if f.status == "removed"] == ["caiku-notice.txt"]
    assert len(kb.documents()) == 2 and kb.vectors.ids() == kb.registry.chunk_ids()
    assert all(c.source != "caiku-notice.txt" for c in kb.registry.iter_chunks())


class ExplodingEmbedder(HashNgramEmbedder):
    """A real embedder that is interrupted (as by Ctrl-C) on its n-th batch."""

    def __init__(self, explode_on: int) -> None:
        super().__init__()
        self.calls = 0
        self.explode_on = explode_on

    def embed_documents(self, texts):
        self.calls += 1
        if self.calls == self.explode_on:
            raise KeyboardInterrupt
        return super().embed_documents(texts)


def test_interrupted_ingest_leaves_previous_knowledge_base_usable(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    kb = open_kb(tmp_path / "kb")
    ingest(kb, corpus)
    for name in ("forwarded-plan.txt", "sample-law.md", "caiku-notice.txt"):
        p = corpus / name
        p.write_text(p.read_text(encoding="utf-8").replace("采购人", "采购单位"), encoding="utf-8")
    kb.close()

    kb2 = KnowledgeBase.open(tmp_path / "kb", ExplodingEmbedder(explode_on=2))
    report = ingest(kb2, corpus)
    assert report.interrupted and report.exit_code == 130
    # each document is wholly new or wholly old; exactly the first one was switched over
    texts: dict[str, list[str]] = {}
    for c in kb2.registry.iter_chunks():
        texts.setdefault(c.source, []).append(c.text)
    switched = []
    for source, chunk_texts in texts.items():
        new = any("采购单位" in t for t in chunk_texts)
        old = any("采购人" in t for t in chunk_texts)
        assert new != old, source
        if new:
            switched.append(source)
    assert len(switched) == 1 and len(texts) == 3
    assert kb2.vectors.ids() == kb2.registry.chunk_ids()
    index = kb2.keyword_index()
    assert index.generation == kb2.registry.generation() and len(index) == kb2.count()
    kb2.close()

    # the next run finishes the job
    kb3 = open_kb(tmp_path / "kb", create=False)
    done = ingest(kb3, corpus)
    assert done.count("ingested") == 2 and done.count("unchanged") == 1


def test_vectors_left_by_a_crash_are_invisible_and_collected(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    kb = open_kb(tmp_path / "kb")
    ingest(kb, corpus)
    # a crash after the vector upsert but before the registry switch leaves an orphan vector
    kb.vectors.upsert(["orphan"], np.ones((1, kb.embedder.dim), dtype=np.float32), [{"doc_id": "x", "source": "x", "jurisdiction": "", "date": 0, "kind": "text", "article": -1}])
    assert "orphan" not in kb.table().position
    assert kb.collect_garbage() == 1 and "orphan" not in kb.vectors.ids()


def test_stale_keyword_index_is_rebuilt_from_the_registry(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    kb = open_kb(tmp_path / "kb")
    ingest(kb, corpus)
    saved = Bm25Index.load(tmp_path / "kb" / "bm25")
    assert saved is not None and saved.generation == kb.registry.generation()
    doc = kb.documents()[0]
    kb.delete_document(doc.doc_id)  # moves the generation, no rebuild yet
    fresh = kb.keyword_index()
    assert fresh.generation == kb.registry.generation() and len(fresh) == kb.count()


def test_missing_kb_and_embedder_mismatch_say_how_to_fix(tmp_path):
    with pytest.raises(KnowledgeBaseMissing) as missing:
        KnowledgeBase.open(tmp_path / "nothing", HashNgramEmbedder())
    assert "chunfeng ingest" in missing.value.message
    corpus = write_corpus(tmp_path / "corpus")
    kb = open_kb(tmp_path / "kb")
    ingest(kb, corpus)
    kb.close()
    with pytest.raises(EmbedderMismatch) as exc:
        KnowledgeBase.open(tmp_path / "kb", HashNgramEmbedder(dim=256))
    msg = exc.value.message
    assert "hash-ngram-v1-d512" in msg and "hash-ngram-v1-d256" in msg
    assert "--rebuild" in msg and "CHUNFENG_EMBED_MODEL" in msg
