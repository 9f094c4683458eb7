"""Hybrid retrieval: four candidate searches, then one ranking that knows the passages' structure.

1. A direct lookup ("政府采购法第二十二条") pins the named provision first; naming only a document
   makes its chunks preferred.
2. The question is tokenised (jieba + domain dictionary, and character bigrams) and expanded with
   the glossary.
3. Word BM25, bigram BM25, the vector index and the question bank (kb.questions: questions in the
   askers' words, tied to their provisions) each propose candidates (filters apply to all four).
4. Every candidate gets the features of kb.ranking (coverage of the question, words in the title or
   section, the answer kind asked for, structure …) and the linear ranker scores it.
5. An optional cross-encoder reranks the head of the list.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kb.cues import chunk_cue, question_types
from kb.domain import domain_share, specificity
from kb.glossary import Glossary
from kb.keyword import Bm25Index
from kb.lookup import DOMAIN_HINT, ArticleLookup, LookupResult
from kb.models import Chunk
from kb.questions import BankEntry, BankSearch, QuestionIndex, attach
from kb.ranking import BANK_FEATURES, LinearRanker, legal_level, length_feature, place_match, places, tendering_features, works_question
from kb.rerank import Reranker
from kb.store import KnowledgeBase, date_number
from kb.textnorm import normalize


_SENTENCES = re.compile(r"[。;!?\s]")  # sentence ends in normalised text; list items (lines) end in a space


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
    evidence: str = ""  # the provision's words that answer the passage's best-matching bank question
    named: str = ""  # the words by which the question names the passage's document ("74号令"), if it does


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    tokens: list[str]
    expansions: list[str]
    lookup: LookupResult | None = None
    terms: list[Term] = field(default_factory=list)  # the question's content words, weighted
    unknown_share: float = 0.0  # share of the question's weight the knowledge base has never seen
    domain_share: float = 1.0  # share of the question's weight that is procurement vocabulary (kb.domain)

    @property
    def weights(self) -> dict[str, float]:
        return {t.text: t.weight for t in self.terms}


def _level_features(c: Chunk, question: str) -> dict[str, float]:
    level = legal_level(c.title, c.doc_number, c.jurisdiction)
    local = level == "local"
    return {
        "level_law": 1.0 if level == "law" else 0.0,
        "level_regulation": 1.0 if level == "regulation" else 0.0,
        "level_rule": 1.0 if level == "rule" else 0.0,
        "level_local": 1.0 if local else 0.0,
        "place_match": place_match(question, places(f"{c.issuer} {c.title} {c.parents}")) if local else 0.0,
    }


class HybridRetriever:
    def __init__(
        self,
        kb: KnowledgeBase,
        glossary: Glossary,
        reranker: Reranker | None = None,
        ranker: LinearRanker | None = None,
        *,
        candidates: int = 30,
        expansion_weight: float = 0.6,
        questions: list[BankEntry] | None = None,
    ) -> None:
        self.kb = kb
        self.glossary = glossary
        self.reranker = reranker
        self.ranker = ranker or LinearRanker.load()
        self.candidates = candidates
        self.expansion_weight = expansion_weight
        self.questions = questions or []
        self._lookup: tuple[int, ArticleLookup] | None = None
        self._bank: tuple[int, QuestionIndex] | None = None
        self._lock = threading.Lock()

    def lookup_index(self) -> ArticleLookup:
        generation = self.kb.registry.generation()
        with self._lock:
            if self._lookup is None or self._lookup[0] != generation:
                self._lookup = (generation, ArticleLookup(list(self.kb.registry.iter_chunks())))
            return self._lookup[1]

    def warm(self) -> None:
        """Build every index a first question would wait for (the keyword indexes, the lookup of
        named provisions, the question bank); the server calls it in the background at start."""
        self.kb.keyword_index()
        self.lookup_index()
        self.question_index()

    def question_index(self) -> QuestionIndex:
        """The question bank attached to the current generation's passages (kb.questions)."""
        generation = self.kb.registry.generation()
        with self._lock:
            if self._bank is None or self._bank[0] != generation:
                attached = attach(self.questions, self.kb.registry.iter_chunks()).questions if self.questions else {}
                tokenizer = self.kb.tokenizer
                self._bank = (generation, QuestionIndex(attached, tokenizer.tokens, tokenizer.query_bigrams))
            return self._bank[1]

    # -- the pipeline ---------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> SearchResult:
        filters = filters or Filters()
        tokenizer = self.kb.tokenizer
        words = self.kb.keyword_index()
        bigrams = self.kb.bigram_index()
        table = self.kb.table()
        lookup = self.lookup_index().find(query)
        mask = None if filters.empty() else self._mask(table, filters)

        tokens = tokenizer.tokens(query)
        expansions = self.glossary.expanded_terms(query)
        extra = " ".join(expansions)
        exp_tokens = [t for t in tokenizer.tokens(extra) if t not in tokens] if expansions else []
        q_bigrams = tokenizer.query_bigrams(query)
        exp_bigrams = [b for b in tokenizer.query_bigrams(extra) if b not in q_bigrams] if expansions else []

        # three candidate lists: word BM25, bigram BM25, vectors
        word_rank, word_score = self._keyword_candidates(words, tokens, exp_tokens, mask)
        bigram_rank, bigram_score = self._keyword_candidates(bigrams, q_bigrams, exp_bigrams, mask)
        vec_rank: list[str] = []
        vec_score: dict[str, float] = {}
        if self.kb.count():
            qv = self.kb.embedder.embed_query(" ".join([query] + expansions))
            for cid, sim in self.kb.vectors.query(qv, self.candidates, filters.chroma_where()):
                if cid in table.position:
                    vec_rank.append(cid)
                    vec_score[cid] = sim

        # a fourth: the passages whose bank questions (kb.questions) match the question's words
        bank = self.question_index()
        found = bank.query(tokens, self.candidates, lambda cid: cid in table.position and (mask is None or mask[table.position[cid]] > 0))

        pinned = [cid for cid in (lookup.chunk_ids if lookup else []) if cid in table.position]
        ids = list(dict.fromkeys(pinned + word_rank + bigram_rank + vec_rank + found.ranked))
        chunks = {cid: c for cid, c in self.kb.chunks(ids).items() if filters.accepts(c)}

        terms = self.terms(query, tokens, words) if len(words) else []
        types = question_types(query)
        works = works_question(query)
        qb_set = set(q_bigrams)
        best_word = max(word_score.values(), default=0.0) or 1.0
        best_bigram = max(bigram_score.values(), default=0.0) or 1.0
        word_pos = {cid: i for i, cid in enumerate(word_rank, 1)}
        bigram_pos = {cid: i for i, cid in enumerate(bigram_rank, 1)}
        vec_pos = {cid: i for i, cid in enumerate(vec_rank, 1)}

        # a passage of the document the question names holds the words that name it ("74号令")
        named_doc = lookup.target.doc_id if lookup and not lookup.chunk_ids else None
        hits: list[Hit] = []
        for cid in ids:
            c = chunks.get(cid)
            if c is None:
                continue
            name = f" {lookup.alias}" if c.doc_id == named_doc else ""
            body = normalize(c.index_text())
            bank_best = bank.best(cid, qb_set)
            cov, head_cov = self._coverage(c, terms, name)
            sent_cov, focus_cov = self._focus(body, terms, name)
            features = {
                "word_bm25": word_score.get(cid, 0.0) / best_word,
                "bigram_bm25": bigram_score.get(cid, 0.0) / best_bigram,
                "vector": vec_score.get(cid, 0.0),
                "word_rr": 1.0 / word_pos[cid] if cid in word_pos else 0.0,
                "bigram_rr": 1.0 / bigram_pos[cid] if cid in bigram_pos else 0.0,
                "vector_rr": 1.0 / vec_pos[cid] if cid in vec_pos else 0.0,
                "coverage": cov,
                "heading_coverage": head_cov,
                "sentence_coverage": sent_cov,
                "focus_coverage": focus_cov,
                "bigram_coverage": (sum(1 for b in qb_set if b in body + name) / len(qb_set)) if qb_set else 0.0,
                **self._bank_features(bank, found, cid, terms, bank_best),
                "cue": chunk_cue(c.text, types),
                "is_article": 1.0 if c.kind == "article" else 0.0,
                "is_row": 1.0 if c.kind == "row" else 0.0,
                "is_text": 1.0 if c.kind == "text" else 0.0,
                "length": length_feature(c.text),
                "domain": 1.0 if DOMAIN_HINT in c.title else 0.0,
                "doc_named": 1.0 if lookup and not lookup.chunk_ids and c.doc_id == lookup.target.doc_id else 0.0,
                **_level_features(c, query),
                **tendering_features(c.title, works),
            }
            logit = self.ranker.score(features)
            signals = {**features, "logit": logit, "lookup": 1.0 if cid in pinned else 0.0}
            hits.append(Hit(c, 1.0 / (1.0 + math.exp(-logit)), signals, bank_best[1], name.strip()))

        if self.reranker is not None and hits:
            head = sorted(hits, key=lambda h: -h.score)[:20]
            ce = self.reranker.score(query, [h.chunk.index_text() for h in head])
            for h, s in zip(head, ce):
                h.signals["rerank"] = float(s)
                h.score = 0.5 * h.score + 0.5 * float(s)

        hits.sort(key=lambda h: (-h.signals["lookup"], -h.score, h.chunk.source, h.chunk.ordinal))
        total = sum(t.weight for t in terms)
        unknown = sum(t.weight for t in terms if not t.known) / total if total else 1.0
        # a lone character (不, 家, 打) says nothing about the subject either way
        judged = [t for t in terms if len(t.text) > 1 or t.text in tokenizer.domain_words]
        domain = domain_share(judged, lambda w: self._specificity(w, words))
        return SearchResult(query, hits[:k], tokens, expansions, lookup, terms, unknown, domain)

    def _specificity(self, word: str, keyword) -> float:
        tokenizer = self.kb.tokenizer
        if word in tokenizer.domain_words:
            return 1.0
        if len(word) < 2:
            return 0.0
        df = keyword.df.get(word, 0)
        if df:
            return specificity(df / len(keyword), tokenizer.general_share(word))
        parts = tokenizer.tokens(word)  # a glossary phrase (签订政府采购合同): its most specific word
        return max((self._specificity(p, keyword) for p in parts if p != word), default=0.0)

    def _keyword_candidates(
        self, index: Bm25Index, tokens: list[str], extra: list[str], mask: np.ndarray | None
    ) -> tuple[list[str], dict[str, float]]:
        if not len(index) or not tokens and not extra:
            return [], {}
        scores = index.scores(tokens)
        if extra:
            scores = scores + self.expansion_weight * index.scores(extra)
        if mask is not None:
            scores = scores * mask
        n = min(self.candidates, len(scores))
        idx = np.argpartition(-scores, n - 1)[:n]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        ranked = [(index.ids[int(i)], float(scores[i])) for i in idx if scores[i] > 0]
        return [cid for cid, _ in ranked], dict(ranked)

    def terms(self, query: str, tokens: list[str], keyword) -> list[Term]:
        """The question's tokens as weighted terms, each with its glossary alternatives."""
        expansions = self.glossary.expand(query)
        out: list[Term] = []
        for tok in dict.fromkeys(p for t in tokens for p in self._resegment(t, keyword)):
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

    _EDGE = "内上下里中后前时在要能就才都也还了着过的地得把被给会"

    def _resegment(self, tok: str, keyword) -> list[str]:
        """Repair words the segmenter glued to a function character, which the index has never
        seen: "几天内签" → 内签 → 签; "投会被拒" → 投会 → 投; "钱会" → 钱."""
        if keyword.df.get(tok) or len(tok) < 2 or self._glossary_key(tok):
            return [tok]
        trimmed = tok.strip(self._EDGE)
        if trimmed and trimmed != tok and (keyword.df.get(trimmed) or self._glossary_key(trimmed)):
            return [trimmed]
        stop = self.kb.tokenizer.is_stopword
        for i in range(1, len(tok)):
            left, right = tok[:i], tok[i:]
            parts = [p for p in (left, right) if not stop(p) and p not in self._EDGE]
            if parts and all(keyword.df.get(p) or self._glossary_key(p) for p in parts):
                return parts
        return [tok]

    def _glossary_key(self, word: str) -> bool:
        """The whole word is a colloquial term of the glossary (not merely containing one)."""
        return any(e.term == normalize(word) for e in self.glossary.expand(word))

    def _known(self, text: str, keyword) -> bool:
        toks = self.kb.tokenizer.tokens(text)
        return bool(toks) and all(keyword.df.get(t) for t in toks)

    @classmethod
    def _coverage(cls, c: Chunk, terms: list[Term], name: str = "") -> tuple[float, float]:
        """Share of the question's weight that the passage, and its headings alone, contain (`name`:
        the words the question names the passage's document by)."""
        head = normalize(" ".join((c.title, c.headings, c.label))) + name
        return cls._share_found(normalize(c.index_text()) + name, terms), cls._share_found(head, terms)

    @classmethod
    def _bank_features(cls, bank: QuestionIndex, found: BankSearch, cid: str, terms: list[Term],
                       best: tuple[float, str]) -> dict[str, float]:
        """What the passage's bank questions (kb.questions) say about it: the best one's bigram
        match and term coverage, the passage's rank and score in the bank search, and what the
        question's nearest bank questions say (kb.questions.Neighbours)."""
        questions = bank.questions(cid)
        if not questions:
            return dict.fromkeys(BANK_FEATURES, 0.0)
        return {
            "bank_match": best[0],
            "bank_coverage": max(cls._share_found(q, terms) for q in questions),
            "bank_rr": found.reciprocal_rank(cid),
            "bank_bm25": found.relative.get(cid, 0.0),
            "bank_vote": found.neighbours.vote.get(cid, 0.0),
            "bank_nearest": found.neighbours.nearest.get(cid, 0.0),
        }

    @staticmethod
    def _share_found(text: str, terms: list[Term]) -> float:
        """Share of the question's weight found in a (normalised) text."""
        total = sum(t.weight for t in terms)
        if not total or not text:
            return 0.0
        return sum(t.weight for t in terms if t.found_in(text)) / total

    @staticmethod
    def _focus(body: str, terms: list[Term], name: str = "") -> tuple[float, float]:
        """Where the question's weight sits in the passage: the share its best single sentence (or
        list item) holds — an answer states the asked-about things together — and the share of the
        question's rarest words (the top third by IDF, at least one: its focus) found anywhere, the
        words naming its document (`name`) included."""
        total = sum(t.weight for t in terms)
        if not total:
            return 0.0, 0.0
        best = max((sum(t.weight for t in terms if t.found_in(s)) for s in _SENTENCES.split(body) if s), default=0.0)
        focus = sorted(terms, key=lambda t: -t.weight)[: max(1, len(terms) // 3)]
        found = sum(t.weight for t in focus if t.found_in(body + name))
        return best / total, found / (sum(t.weight for t in focus) or 1.0)

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
