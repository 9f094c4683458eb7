"""The knowledge base: the registry, the vector index and the keyword index, kept consistent.

Write order for a document (each step safe to interrupt):

1. embed the chunks that are new and upsert them into the vector index — invisible to readers,
   because retrieval only returns chunks the registry knows;
2. replace the document's rows in the registry in one transaction — the switch-over;
3. delete the old chunks' vectors.

The keyword index is rebuilt from the registry whenever the registry's generation has moved, so a
crash between documents leaves a knowledge base that still answers, from whole documents.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chunfeng.errors import EmbedderMismatch, KnowledgeBaseMissing
from kb.embed import Embedder
from kb.keyword import Bm25Index
from kb.manifest import SCHEMA_VERSION, Manifest
from kb.models import Chunk, DocumentRecord
from kb.registry import Registry
from kb.tokenize import BIGRAM_VERSION, Tokenizer
from kb.vectors import ChromaVectorIndex, VectorIndex

REGISTRY_NAME = "registry.sqlite"
CHUNKER_VERSION = "structure-v2"


def date_number(date: str) -> int:
    """'2020-12-18' → 20201218 (0 when unknown), for range filters."""
    digits = "".join(ch for ch in date if ch.isdigit())
    return int(digits[:8].ljust(8, "0")) if len(digits) >= 4 else 0


def vector_metadata(c: Chunk) -> dict:
    return {
        "doc_id": c.doc_id,
        "source": c.source,
        "jurisdiction": c.jurisdiction or "",
        "date": date_number(c.date),
        "kind": c.kind,
        "article": c.article if c.article is not None else -1,
    }


@dataclass
class ChunkTable:
    """Compact per-chunk arrays aligned with the keyword index, for filtering without loading chunks."""

    ids: list[str]
    doc_ids: np.ndarray  # object array of doc ids
    jurisdiction: np.ndarray  # object array
    date: np.ndarray  # int32 YYYYMMDD
    position: dict[str, int]

    @classmethod
    def from_chunks(cls, chunks: list[Chunk]) -> "ChunkTable":
        return cls(
            ids=[c.id for c in chunks],
            doc_ids=np.array([c.doc_id for c in chunks], dtype=object),
            jurisdiction=np.array([c.jurisdiction or "" for c in chunks], dtype=object),
            date=np.array([date_number(c.date) for c in chunks], dtype=np.int32),
            position={c.id: i for i, c in enumerate(chunks)},
        )


class KnowledgeBase:
    def __init__(self, data_dir: Path, embedder: Embedder, registry: Registry, vectors: VectorIndex, tokenizer: Tokenizer) -> None:
        self.data_dir = data_dir
        self.embedder = embedder
        self.registry = registry
        self.vectors = vectors
        self.tokenizer = tokenizer
        self._keyword: tuple[Bm25Index, Bm25Index] | None = None
        self._table: ChunkTable | None = None
        self._lock = threading.RLock()

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        data_dir: Path,
        embedder: Embedder,
        *,
        chroma_url: str | None = None,
        collection: str = "chunfeng",
        create: bool = False,
        tokenizer: Tokenizer | None = None,
        vectors: VectorIndex | None = None,
    ) -> "KnowledgeBase":
        data_dir = Path(data_dir)
        registry_path = data_dir / REGISTRY_NAME
        if not create and not registry_path.is_file():
            raise KnowledgeBaseMissing(
                f"知识库 {data_dir} 还没有建立。请先导入政策文件：`chunfeng ingest 政策文件夹 --kb {data_dir}`。"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        manifest = Manifest.read(data_dir)
        if manifest is not None:
            manifest.check_embedder(embedder.name, data_dir)
        tokenizer = tokenizer or Tokenizer(cache_dir=data_dir)
        if vectors is None:
            chroma = ChromaVectorIndex.open(str(data_dir / "chroma"), chroma_url, collection, embedder.name)
            recorded = chroma.embedder_name
            if recorded and recorded != embedder.name:
                raise EmbedderMismatch(
                    f"向量库集合“{collection}”是用“{recorded}”建立的，但当前设置的是“{embedder.name}”。"
                    f"请运行 `chunfeng ingest --rebuild 政策文件夹 --kb {data_dir}` 重建，或改回原来的 CHUNFENG_EMBED_MODEL。"
                )
            vectors = chroma
        kb = cls(data_dir, embedder, Registry(registry_path), vectors, tokenizer)
        if manifest is None:
            kb._write_manifest()
        return kb

    def _write_manifest(self) -> None:
        Manifest(
            schema=SCHEMA_VERSION,
            embedder=self.embedder.name,
            dim=int(self.embedder.dim),
            tokenizer=self.tokenizer.version,
            chunker=CHUNKER_VERSION,
        ).write(self.data_dir)

    def close(self) -> None:
        self.registry.close()

    # -- writing ------------------------------------------------------------------------------
    def replace_document(self, doc: DocumentRecord, fingerprint: str, chunks: list[Chunk]) -> None:
        existing = self.registry.document(doc.doc_id)
        before = {c.id for c in self.registry.chunks_of(doc.doc_id)} if existing else set()
        fresh = [c for c in chunks if c.id not in before]
        if fresh:
            vectors = self.embedder.embed_documents([c.index_text() for c in fresh])
            self.vectors.upsert([c.id for c in fresh], vectors, [vector_metadata(c) for c in fresh])
        old, new = self.registry.replace_document(doc, fingerprint, chunks)
        stale = old - new
        if stale:
            self.vectors.delete(sorted(stale))
        self._invalidate()

    def delete_document(self, doc_id: str) -> None:
        ids = self.registry.delete_document(doc_id)
        if ids:
            self.vectors.delete(sorted(ids))
        self._invalidate()

    def wipe(self) -> None:
        """Remove every document, vector and keyword index (for --rebuild)."""
        ids = self.registry.chunk_ids()
        self.registry.clear()
        if isinstance(self.vectors, ChromaVectorIndex):
            self.vectors.drop()
            self.vectors = ChromaVectorIndex(self.vectors._client, self.vectors.collection_name, self.embedder.name)
        elif ids:
            self.vectors.delete(sorted(ids))
        shutil.rmtree(self.data_dir / "bm25", ignore_errors=True)
        shutil.rmtree(self.data_dir / "bm25-bigram", ignore_errors=True)
        self._write_manifest()
        self._invalidate()

    def _invalidate(self) -> None:
        with self._lock:
            self._keyword = None
            self._table = None

    def collect_garbage(self) -> int:
        """Delete vectors whose chunk the registry no longer has (left by an interrupted ingest)."""
        orphans = self.vectors.ids() - self.registry.chunk_ids()
        if orphans:
            self.vectors.delete(sorted(orphans))
        return len(orphans)

    def finish(self) -> None:
        """After a batch of writes: bring the keyword index up to date and record the manifest."""
        self.keyword_index()
        self._write_manifest()

    # -- reading ------------------------------------------------------------------------------
    def keyword_index(self) -> Bm25Index:
        """The word-level BM25 index for the registry's current generation."""
        return self._indexes()[0]

    def bigram_index(self) -> Bm25Index:
        """The character-bigram BM25 index, aligned with the word index."""
        return self._indexes()[1]

    def _indexes(self) -> tuple[Bm25Index, Bm25Index]:
        """Both keyword indexes, loaded from disk or rebuilt from the registry when stale."""
        with self._lock:
            generation = self.registry.generation()
            if self._keyword is not None and self._keyword[0].generation == generation:
                return self._keyword
            chunks = list(self.registry.iter_chunks())
            specs = (
                ("bm25", self.tokenizer.version, lambda c: self.tokenizer.tokens(c.index_text())),
                ("bm25-bigram", BIGRAM_VERSION, lambda c: self.tokenizer.bigrams(c.index_text())),
            )
            built = []
            for folder, version, tokens_of in specs:
                root = self.data_dir / folder
                index = Bm25Index.load(root)
                if index is None or index.generation != generation or index.tokenizer != version or len(index) != len(chunks):
                    index = Bm25Index.build([c.id for c in chunks], [tokens_of(c) for c in chunks], generation=generation, tokenizer=version)
                    index.save(root)
                built.append(index)
            words, bigrams = built
            by_id = {c.id: c for c in chunks}
            self._table = ChunkTable.from_chunks([by_id[i] for i in words.ids if i in by_id])
            self._keyword = (words, bigrams)
            return self._keyword

    def table(self) -> ChunkTable:
        with self._lock:
            self.keyword_index()
            assert self._table is not None
            return self._table

    def documents(self) -> list[DocumentRecord]:
        return self.registry.documents()

    def chunks(self, ids: list[str]) -> dict[str, Chunk]:
        return self.registry.get_chunks(ids)

    def count(self) -> int:
        return self.registry.count_chunks()

