"""The naive pipelines a developer would assemble from LangChain in an afternoon, for comparison.

Both read the same files (through the same loaders, so text extraction is not what differs), split
them with ``RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)`` and retrieve the 10
best chunks:

* **BM25** over plain jieba tokens (default dictionary, no domain terms, no glossary);
* **Chroma** (through ``langchain-chroma``) with the configured embedder.

With no language model, their answer is the best chunk's text. To be fair about abstention, each
gets one score threshold, chosen on the calibration set to best separate in-scope from out-of-scope
questions; below it the baseline says it found nothing and hands off.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import bm25s
import jieba
import numpy as np

from eval.gold import GoldItem
from eval.runner import Retrieved, SystemAnswer
from ingest.loaders import load
from kb.embed import Embedder

CHUNK_SIZE, CHUNK_OVERLAP, DEPTH = 500, 50, 10
NOT_FOUND = "未找到相关内容。"


@dataclass
class Passage:
    source: str
    text: str


def split_files(files: Sequence[Path]) -> list[Passage]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    out: list[Passage] = []
    for f in files:
        try:
            text = load(f).text
        except Exception:  # the baseline simply skips what it cannot read
            continue
        out += [Passage(f.name, t) for t in splitter.split_text(text)]
    return out


class _Baseline:
    name = "baseline"
    label = "baseline"

    def __init__(self) -> None:
        self.threshold: float | None = None

    def search(self, question: str) -> list[tuple[Passage, float]]:
        raise NotImplementedError

    def ask(self, question: str) -> SystemAnswer:
        found = self.search(question)
        retrieved = [Retrieved(p.source, p.text, "", s) for p, s in found]
        if not found or (self.threshold is not None and found[0][1] < self.threshold):
            return SystemAnswer(NOT_FOUND, True, "low_score", None, retrieved)
        return SystemAnswer(found[0][0].text, False, None, None, retrieved)

    def calibrate(self, items: Sequence[GoldItem]) -> None:
        """Pick the score threshold that best separates in-scope from out-of-scope questions."""
        scores = []
        for it in items:
            if it.scope in ("in", "out"):
                found = self.search(it.question)
                scores.append((found[0][1] if found else 0.0, it.scope == "in"))
        if not scores:
            return
        best, best_acc = None, -1.0
        n_in = sum(1 for _, inside in scores if inside) or 1
        n_out = sum(1 for _, inside in scores if not inside) or 1
        for t in sorted({s for s, _ in scores}):
            kept_in = sum(1 for s, inside in scores if inside and s >= t) / n_in
            dropped_out = sum(1 for s, inside in scores if not inside and s < t) / n_out
            acc = (kept_in + dropped_out) / 2
            if acc > best_acc:
                best, best_acc = t, acc
        self.threshold = best

    @property
    def note(self) -> str:
        t = "无" if self.threshold is None else f"{self.threshold:.4f}"
        return f"{self.label}：RecursiveCharacterTextSplitter(500, 50)，取前 {DEPTH} 个片段；答复为第一个片段原文；拒答阈值 {t}（在校准集上选定）。"


class NaiveBm25Baseline(_Baseline):
    name = "baseline_bm25"
    label = "LangChain 切分 + BM25（jieba）"

    def __init__(self, passages: list[Passage]) -> None:
        super().__init__()
        self.passages = passages
        self._jieba = jieba.Tokenizer()
        tokens = [self._tokens(p.text) for p in passages]
        self.index = bm25s.BM25()
        self.index.index([t or ["\u0000"] for t in tokens], show_progress=False)
        self.vocab = self.index.vocab_dict

    def _tokens(self, text: str) -> list[str]:
        return [t for t in self._jieba.lcut(text) if t.strip()]

    def search(self, question: str) -> list[tuple[Passage, float]]:
        q = [t for t in self._tokens(question) if t in self.vocab]
        if not q:
            return []
        scores = np.asarray(self.index.get_scores(q))
        order = np.argsort(-scores)[:DEPTH]
        return [(self.passages[i], float(scores[i])) for i in order if scores[i] > 0]


class _LangChainEmbeddings:
    """Adapter: our embedder as a LangChain ``Embeddings``."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


class NaiveChromaBaseline(_Baseline):
    name = "baseline_chroma"
    label = "LangChain 切分 + Chroma 向量"

    def __init__(self, passages: list[Passage], embedder: Embedder, workdir: Path) -> None:
        super().__init__()
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.embeddings import Embeddings

        class _Emb(_LangChainEmbeddings, Embeddings):
            pass

        client = chromadb.PersistentClient(path=str(workdir / "baseline-chroma"), settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name="baseline", embedding_function=_Emb(embedder), client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        for i in range(0, len(passages), 500):
            part = passages[i : i + 500]
            self.store.add_texts([p.text for p in part], metadatas=[{"source": p.source} for p in part],
                                 ids=[f"p{i + j}" for j in range(len(part))])

    def search(self, question: str) -> list[tuple[Passage, float]]:
        found = self.store.similarity_search_with_score(question, k=DEPTH)
        # Chroma returns cosine distances; turn them into similarities so "higher is better"
        return [(Passage(d.metadata.get("source", ""), d.page_content), 1.0 - float(dist)) for d, dist in found]


def build_baselines(files: Sequence[Path], embedder: Embedder, workdir: Path) -> list[_Baseline]:
    passages = split_files(files)
    return [NaiveBm25Baseline(passages), NaiveChromaBaseline(passages, embedder, workdir)]
