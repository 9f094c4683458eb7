"""Hybrid retrieval: keyword and vector candidates fused, then ranked with the passage's structure.

1. A direct lookup ("政府采购法第二十二条") pins the named provision first; naming only a document
   makes its chunks preferred.
2. The question is tokenised (jieba + domain dictionary) and expanded with the glossary.
3. BM25 and the vector index each propose candidates; reciprocal rank fusion merges them.
4. Candidates are re-scored with features a reader would use: how much of the question the passage
   covers (IDF-weighted), whether the words sit in the title or section, and the fused rank.
5. An optional cross-encoder reranks the head of the list.

Filters (document, jurisdiction, date) apply to both candidate sources.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kb.fusion import rrf
from kb.glossary import Glossary
from kb.lookup import ArticleLookup, LookupResult
from kb.models import Chunk
from kb.rerank import Reranker
from kb.store import KnowledgeBase, date_number
from kb.textnorm import normalize


@dataclass(frozen=True)
class Filters:
    doc_ids: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    jurisdictions: frozenset[str] | None = None
    date_from: str | None = None  # YYYY-MM-DD, inclusive
    date_to: str | None = None

    def empty(self) -> bool:
        return not (self.doc_ids or self.sources or self.jurisdictions or self.date_from or self.date_to)

    def chroma_where(self) -> dict[str, Any] | None:
        conds: list[dict[str, Any]] = []
        if self.doc_ids:
            conds.append({"doc_id": {"$in": sorted(self.doc_ids)}})
        if self.sources:
            conds.append({"source": {"$in": sorted(self.sources)}})
        if self.jurisdictions:
            conds.append({"jurisdiction": {"$in": sorted(self.jurisdictions)}})
        if self.date_from:
            conds.append({"date": {"$gte": date_number(self.date_from)}})
        if self.date_to:
            conds.append({"date": {"$lte": date_number(self.date_to) or 99999999}})
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}

    def accepts(self, c: Chunk) -> bool:
        if self.doc_ids and c.doc_id not in self.doc_ids:
            return False
        if self.sources and c.source not in self.sources:
            return False
        if self.jurisdictions and (c.jurisdiction or "") not in self.jurisdictions:
            return False
        d = date_number(c.date)
        if self.date_from and d < date_number(self.date_from):
            return False
        if self.date_to and d > date_number(self.date_to):
            return False
        return True


@dataclass
class Term:
    """One word of the question, with the policy wording the glossary says it stands for.

    A passage "has" the term when it contains the word or any of its alternatives, so a question
    that says 签合同 is satisfied by a passage that says 签订政府采购合同.
    """

    text: str
    alternatives: tuple[str, ...]
    weight: float  # IDF; the rarest alternative the knowledge base knows, else the word's own
    known: bool  # some alternative occurs in the knowledge base

    def found_in(self, normalized_text: str) -> bool:
        return any(a in normalized_text for a in self.alternatives)


@dataclass
class Hit:
    chunk: Chunk
    score: float
    signals: dict[str, float] = field(default_factory=dict)


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    tokens: list[str]
    expansions: list[str]
    lookup: LookupResult | None = None
    terms: list[Term] = field(default_factory=list)  # the question's content words, weighted
    unknown_share: float = 0.0  # share of the question's weight the knowledge base has never seen

    @property
    def weights(self) -> dict[str, float]:
        return {t.text: t.weight for t in self.terms}


class HybridRetriever:
    def __init__(
        self,
        kb: KnowledgeBase,
        glossary: Glossary,
        reranker: Reranker | None = None,
        *,
        candidates: int = 40,
        rrf_k: int = 60,
        vector_weight: float = 0.7,
        expansion_weight: float = 0.6,
    ) -> None:
        self.kb = kb
        self.glossary = glossary
        self.reranker = reranker
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.vector_weight = vector_weight
        self.expansion_weight = expansion_weight
        self._lookup: tuple[int, ArticleLookup] | None = None
        self._lock = threading.Lock()

    def lookup_index(self) -> ArticleLookup:
        generation = self.kb.registry.generation()
        with self._lock:
            if self._lookup is None or self._lookup[0] != generation:
                self._lookup = (generation, ArticleLookup(list(self.kb.registry.iter_chunks())))
            return self._lookup[1]

    # -- the pipeline ---------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> SearchResult:
        filters = filters or Filters()
        tokenizer = self.kb.tokenizer
        keyword = self.kb.keyword_index()
        table = self.kb.table()
        lookup = self.lookup_index().find(query)

        tokens = tokenizer.tokens(query)
        expansions = self.glossary.expanded_terms(query)
        exp_tokens = [t for t in tokenizer.tokens(" ".join(expansions)) if t not in tokens] if expansions else []

        # keyword candidates
        bm25_rank: list[str] = []
        bm25_score: dict[str, float] = {}
        if len(keyword):
            scores = keyword.scores(tokens)
            if exp_tokens:
                scores = scores + self.expansion_weight * keyword.scores(exp_tokens)
            if not filters.empty():
                scores = scores * self._mask(table, filters)
            n = min(self.candidates, len(scores))
            idx = np.argpartition(-scores, n - 1)[:n] if n else np.array([], dtype=int)
            idx = idx[np.argsort(-scores[idx], kind="stable")]
            for i in idx:
                if scores[i] > 0:
                    cid = keyword.ids[int(i)]
                    bm25_rank.append(cid)
                    bm25_score[cid] = float(scores[i])

        # vector candidates (only chunks the registry knows: see kb.store)
        vec_rank: list[str] = []
        vec_score: dict[str, float] = {}
        if self.kb.count():
            qv = self.kb.embedder.embed_query(" ".join([query] + expansions))
            for cid, sim in self.kb.vectors.query(qv, self.candidates, filters.chroma_where()):
                if cid in table.position:
                    vec_rank.append(cid)
                    vec_score[cid] = sim

        fused = rrf([bm25_rank, vec_rank], k=self.rrf_k, weights=[1.0, self.vector_weight])
        pinned = [cid for cid in (lookup.chunk_ids if lookup else []) if cid in table.position]
        ids = list(dict.fromkeys(pinned + sorted(fused, key=lambda c: -fused[c])))[: max(self.candidates, k)]
        chunks = self.kb.chunks(ids)
        chunks = {cid: c for cid, c in chunks.items() if filters.accepts(c)}

        terms = self.terms(query, tokens, keyword) if len(keyword) else []
        max_fused = max(fused.values()) if fused else 1.0
        max_bm25 = max(bm25_score.values()) if bm25_score else 1.0
        hits: list[Hit] = []
        for cid in ids:
            c = chunks.get(cid)
            if c is None:
                continue
            cov, head_cov = self._coverage(c, terms)
            signals = {
                "bm25": bm25_score.get(cid, 0.0) / max_bm25,
                "vector": vec_score.get(cid, 0.0),
                "fused": fused.get(cid, 0.0) / max_fused if max_fused else 0.0,
                "coverage": cov,
                "heading_coverage": head_cov,
                "lookup": 1.0 if cid in pinned else 0.0,
                "doc_named": 1.0 if lookup and not lookup.chunk_ids and c.doc_id == lookup.target.doc_id else 0.0,
            }
            hits.append(Hit(c, self._score(signals), signals))

        if self.reranker is not None and hits:
            head = sorted(hits, key=lambda h: -h.score)[:20]
            ce = self.reranker.score(query, [h.chunk.index_text() for h in head])
            for h, s in zip(head, ce):
                h.signals["rerank"] = float(s)
                h.score = 0.5 * h.score + 0.5 * float(s) + (2.0 if h.signals["lookup"] else 0.0)

        hits.sort(key=lambda h: (-h.score, h.chunk.source, h.chunk.ordinal))
        total = sum(t.weight for t in terms)
        unknown = sum(t.weight for t in terms if not t.known) / total if total else 1.0
        return SearchResult(query, hits[:k], tokens, expansions, lookup, terms, unknown)

    @staticmethod
    def _score(s: dict[str, float]) -> float:
        """A linear blend of the signals; the pinned lookup always wins."""
        score = 0.45 * s["fused"] + 0.35 * s["coverage"] + 0.1 * s["heading_coverage"] + 0.1 * s["bm25"]
        score += 0.15 * s["doc_named"]
        return score + (2.0 if s["lookup"] else 0.0)

    def terms(self, query: str, tokens: list[str], keyword) -> list[Term]:
        """The question's tokens as weighted terms, each with its glossary alternatives."""
        expansions = self.glossary.expand(query)
        out: list[Term] = []
        for tok in dict.fromkeys(self._resegment(t, keyword) for t in tokens):
            alts = [tok]
            for exp in expansions:
                if tok in exp.term or exp.term in tok:
                    alts += [normalize(a) for a in exp.adds]
            alts = list(dict.fromkeys(alts))
            known_alts = [a for a in alts if self._known(a, keyword)]
            if keyword.df.get(tok):
                weight = keyword.idf(tok)
            elif known_alts:
                weight = max(keyword.idf(t) for a in known_alts for t in self.kb.tokenizer.tokens(a) or [a])
            else:
                weight = keyword.idf(tok)
            out.append(Term(tok, tuple(alts), weight, bool(known_alts)))
        return out

    _EDGE = "内上下里中后前时在要能就才都也还了着过的地得把被给"

    def _resegment(self, tok: str, keyword) -> str:
        """A word the segmenter glued to a function character ("几天内签" → 内签) is unknown to
        the index; trimming the function character recovers the content word (签)."""
        if keyword.df.get(tok) or len(tok) < 2:
            return tok
        trimmed = tok.strip(self._EDGE)
        if trimmed and trimmed != tok and (keyword.df.get(trimmed) or self.glossary.expand(trimmed)):
            return trimmed
        return tok

    def _known(self, text: str, keyword) -> bool:
        toks = self.kb.tokenizer.tokens(text)
        return bool(toks) and all(keyword.df.get(t) for t in toks)

    @staticmethod
    def _coverage(c: Chunk, terms: list[Term]) -> tuple[float, float]:
        """Share of the question's weight that the passage, and its headings alone, contain."""
        total = sum(t.weight for t in terms)
        if not total:
            return 0.0, 0.0
        body = normalize(c.index_text())
        head = normalize(" ".join((c.title, c.headings, c.label)))
        got = sum(t.weight for t in terms if t.found_in(body))
        got_head = sum(t.weight for t in terms if t.found_in(head))
        return got / total, got_head / total

    @staticmethod
    def _mask(table: Any, filters: Filters) -> np.ndarray:
        mask = np.ones(len(table.ids), dtype=np.float32)
        if filters.doc_ids:
            mask *= np.isin(table.doc_ids, list(filters.doc_ids)).astype(np.float32)
        if filters.jurisdictions:
            mask *= np.isin(table.jurisdiction, list(filters.jurisdictions)).astype(np.float32)
        if filters.date_from:
            mask *= (table.date >= date_number(filters.date_from)).astype(np.float32)
        if filters.date_to:
            mask *= (table.date <= (date_number(filters.date_to) or 99999999)).astype(np.float32)
        # source filters are applied on the loaded chunks
        return mask
