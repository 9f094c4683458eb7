"""The question bank: questions people ask, each tied to the provision that answers it.

The texts say "投标保证金不得超过采购项目预算金额的2%"; a supplier asks "投标押金最多能收多少". Their
words rarely meet, and a lexical search can only match words. The bank closes the gap from the
texts' side (document expansion, as doc2query does): for each provision, questions in the askers'
own words, written from the text alone, are indexed next to it. A new question that resembles one
of them finds the provision even when it shares few words with the official wording.

A bank is a folder of JSON Lines files (UTF-8), one question per line::

    {"document": "中华人民共和国政府采购法实施条例", "evidence": "不得超过采购项目预算金额的2%", "question": "投标押金最多能收多少？"}

* ``document``: the document's title (as the knowledge base shows it) or its file name;
* ``evidence``: a verbatim piece of the provision (whitespace and full-width forms are ignored),
  which ties the question to the passage that contains it — whatever the chunking;
* ``question``: the question, in the words a supplier or a caller would use.

The built-in bank (``kb/data/questions/``) covers the national texts; a city adds its own folder
for local documents (``CHUNFENG_QUESTION_BANK``). A question whose document is not in the
knowledge base, or whose evidence no passage contains, is simply not attached (``chunfeng bank``
reports them). Nothing here decides an answer: the bank only adds ranking evidence
(``bank_match``, ``bank_coverage``, ``bank_rr``, ``bank_bm25``, and from the query's nearest single
questions ``bank_vote`` and ``bank_nearest``) and a fourth candidate search, which the ranker weighs
like any other feature.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from chunfeng.errors import ConfigError
from kb.keyword import Bm25Index
from kb.models import Chunk
from kb.textnorm import compact, normalize

_FIELDS = ("document", "evidence", "question")
MIN_EVIDENCE = 6  # characters; shorter pieces tie a question to passages at random


@dataclass(frozen=True)
class BankEntry:
    document: str
    evidence: str
    question: str
    origin: str  # "file:line", for reports and errors


def builtin_bank() -> Path:
    return Path(str(resources.files("kb") / "data" / "questions"))


def match_key(text: str) -> str:
    """The matching form of a document name, evidence or passage: normalised, all whitespace removed
    (evidence spans line breaks)."""
    return compact(normalize(text))


def read_bank(paths: Iterable[Path]) -> list[BankEntry]:
    """Every entry of the given folders (their ``*.jsonl`` files, sorted) and files.

    A malformed line stops the load with an error that names the file, the line and the fix: a
    bank is written by hand or by a script, and a silently skipped line is a question lost."""
    entries: list[BankEntry] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(path.glob("*.jsonl"))
        elif path.is_file():
            files = [path]
        else:
            raise ConfigError(f"问题库路径 {path} 不存在。请检查 CHUNFENG_QUESTION_BANK（应为含 .jsonl 文件的文件夹）。")
        for file in files:
            entries += _read_file(file)
    return entries


def _read_file(file: Path) -> list[BankEntry]:
    out: list[BankEntry] = []
    for n, line in enumerate(file.read_text(encoding="utf-8-sig").splitlines(), 1):  # a BOM from Windows editors
        if not line.strip():
            continue
        where = f"{file.name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"问题库 {file} 第 {n} 行不是合法的 JSON（{e.msg}）。每行应为一个对象：{{\"document\", \"evidence\", \"question\"}}。") from None
        missing = [k for k in _FIELDS if not isinstance(row, dict) or not str(row.get(k) or "").strip()]
        if missing:
            raise ConfigError(f"问题库 {file} 第 {n} 行缺少字段 {', '.join(missing)}。每行需要 document（文件标题或文件名）、evidence（条文原文片段）和 question。")
        if len(match_key(row["evidence"])) < MIN_EVIDENCE:
            raise ConfigError(f"问题库 {file} 第 {n} 行的 evidence“{row['evidence']}”太短（至少 {MIN_EVIDENCE} 个字）。请摘录能唯一定位该条文的一句原文。")
        out.append(BankEntry(str(row["document"]).strip(), str(row["evidence"]), str(row["question"]).strip(), where))
    return out


NO_DOCUMENT = "知识库中没有这份文件"
NO_EVIDENCE = "文件中找不到这段原文（条文可能已修改）"


@dataclass
class Attachment:
    """Where a bank's entries landed: the entries per chunk id, and those that found no passage."""

    questions: dict[str, list[BankEntry]]
    unattached: list[tuple[BankEntry, str]]  # (entry, reason)

    def per_document(self, entries: Sequence[BankEntry]) -> dict[str, tuple[int, int]]:
        """(attached, total) entries per document, for reports."""
        missed = {id(e) for e, _ in self.unattached}
        out: dict[str, tuple[int, int]] = {}
        for e in entries:
            got, total = out.get(e.document, (0, 0))
            out[e.document] = (got + (id(e) not in missed), total + 1)
        return out


def attach(entries: Sequence[BankEntry], chunks: Iterable[Chunk]) -> Attachment:
    """Tie each entry to the passages of its document that contain its evidence. A document is
    named by its file name or by any title its passages carry (a notice and the measures it issues
    are one file with two titles). An entry whose document is missing or whose evidence no passage
    holds is reported."""
    wanted = {match_key(e.document) for e in entries}
    docs: dict[str, list[Chunk]] = {}  # doc id → its passages
    names: dict[str, set[str]] = {}  # doc id → its file name and every title its passages carry
    for c in chunks:
        docs.setdefault(c.doc_id, []).append(c)
        names.setdefault(c.doc_id, set()).update(k for k in {match_key(c.title), match_key(c.source)} if k)
    by_doc: dict[str, list[tuple[str, str]]] = {}  # document name → (chunk id, matching text)
    for doc_id, keys in names.items():
        named = keys & wanted
        if named:  # only the documents a bank names are read (a large knowledge base has many more)
            texts = [(c.id, match_key(c.text)) for c in docs[doc_id]]
            for key in named:
                by_doc.setdefault(key, []).extend(texts)
    questions: dict[str, list[BankEntry]] = {}
    unattached: list[tuple[BankEntry, str]] = []
    for e in entries:
        passages = by_doc.get(match_key(e.document))
        if not passages:
            unattached.append((e, NO_DOCUMENT))
            continue
        evidence = match_key(e.evidence)
        hits = [cid for cid, body in passages if evidence in body]
        if not hits:
            unattached.append((e, NO_EVIDENCE))
        for cid in dict.fromkeys(hits):
            questions.setdefault(cid, []).append(e)
    return Attachment(questions, unattached)


def bank_report(builtin: Sequence[BankEntry], own: Sequence[BankEntry], chunks: Iterable[Chunk]) -> dict:
    """What `chunfeng bank` shows: how many questions found their provision, per document, and the
    problems — an own question that attached nowhere, or a built-in one whose text is no longer in
    the document (a different version of the law). Built-in questions of documents this knowledge
    base does not hold are not problems: a city imports the texts it needs."""
    entries = [*builtin, *own]
    result = attach(entries, chunks)
    own_ids = {id(e) for e in own}
    absent = {e.document for e, why in result.unattached if why == NO_DOCUMENT and id(e) not in own_ids}
    problems = [(e, why) for e, why in result.unattached if id(e) in own_ids or why != NO_DOCUMENT]
    return {
        "questions": len(entries),
        "builtin": len(builtin),
        "own": len(own),
        "attached": len(entries) - len(result.unattached),
        "passages": len(result.questions),
        "documents": {d: {"attached": a, "total": t} for d, (a, t) in result.per_document(entries).items() if d not in absent},
        "builtin_documents_not_imported": sorted(absent),
        "problems": [{"origin": e.origin, "document": e.document, "evidence": e.evidence, "reason": why} for e, why in problems],
    }


NEIGHBOURS = 20  # how many nearest bank questions vote


@dataclass(frozen=True)
class Neighbours:
    """The passages of a query's nearest bank questions. ``vote``: the share of the neighbours'
    BM25 score that the passage's questions hold — several of its questions near the query outvote
    one lucky match. ``nearest``: its best question's score relative to the nearest question's."""

    vote: dict[str, float]
    nearest: dict[str, float]

    @classmethod
    def of(cls, scored: Sequence[tuple[str, float]]) -> "Neighbours":
        """From (passage id, question score) pairs, best first."""
        if not scored:
            return cls({}, {})
        total = sum(s for _, s in scored)
        best = scored[0][1]
        vote: dict[str, float] = {}
        nearest: dict[str, float] = {}
        for cid, s in scored:
            vote[cid] = vote.get(cid, 0.0) + s / total
            nearest[cid] = max(nearest.get(cid, 0.0), s / best)
        return cls(vote, nearest)


@dataclass(frozen=True)
class BankSearch:
    """What the bank says about one query: the passages its BM25 search proposes (best first), their
    scores relative to the best, and the query's nearest single questions."""

    ranked: list[str]
    relative: dict[str, float]
    neighbours: Neighbours
    _rank: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rank", {cid: i for i, cid in enumerate(self.ranked, 1)})

    def reciprocal_rank(self, chunk_id: str) -> float:
        return 1.0 / self._rank[chunk_id] if chunk_id in self._rank else 0.0


class QuestionIndex:
    """The attached questions of one knowledge-base generation: a BM25 index over each passage's
    questions (for candidates) and what the ranking features need."""

    def __init__(self, attached: dict[str, list[BankEntry]], tokens_of, bigrams_of) -> None:
        self.ids = list(attached)
        self._normalized = {cid: [normalize(e.question) for e in es] for cid, es in attached.items()}
        self._evidence = {cid: [e.evidence for e in es] for cid, es in attached.items()}
        self._bigrams = {cid: [set(bigrams_of(e.question)) for e in es] for cid, es in attached.items()}
        self.index = Bm25Index.build(self.ids, [tokens_of(" ".join(e.question for e in attached[cid])) for cid in self.ids])
        # and one over single questions, for the nearest neighbours; question i belongs to passage _owner[i]
        self._owner = [cid for cid in self.ids for _ in attached[cid]]
        self.each = Bm25Index.build(self._owner, [tokens_of(e.question) for cid in self.ids for e in attached[cid]])
        self.size = sum(len(qs) for qs in attached.values())
        df: dict[str, int] = {}
        for questions in self._bigrams.values():
            for bigrams in questions:
                for b in bigrams:
                    df[b] = df.get(b, 0) + 1
        self._idf = {b: math.log(1 + self.size / n) for b, n in df.items()}
        self._unseen = math.log(1 + self.size) if self.size else 1.0

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, tokens: Sequence[str], n: int, accepts=None) -> tuple[list[str], dict[str, float]]:
        """The passages whose questions best match the query's tokens (BM25), best first."""
        if not self.ids or not tokens:
            return [], {}
        scores = self.index.scores(tokens)
        order = np.argsort(-scores, kind="stable")
        ranked: list[tuple[str, float]] = []
        for i in order:
            if scores[i] <= 0 or len(ranked) >= n:
                break
            cid = self.ids[int(i)]
            if accepts is None or accepts(cid):
                ranked.append((cid, float(scores[i])))
        return [cid for cid, _ in ranked], dict(ranked)

    def query(self, tokens: Sequence[str], n: int, accepts=None) -> BankSearch:
        """The bank search for one query (``search``) with its neighbours (``neighbours``)."""
        ranked, scores = self.search(tokens, n, accepts)
        best = max(scores.values(), default=0.0) or 1.0
        return BankSearch(ranked, {cid: v / best for cid, v in scores.items()}, self.neighbours(tokens))

    def neighbours(self, tokens: Sequence[str], n: int = NEIGHBOURS) -> Neighbours:
        """What the query's `n` nearest bank questions (BM25 over single questions) say about the
        passages they belong to."""
        if not self._owner or not tokens:
            return Neighbours({}, {})
        scores = self.each.scores(tokens)
        top = [int(i) for i in np.argsort(-scores, kind="stable")[:n] if scores[i] > 0]
        return Neighbours.of([(self._owner[i], float(scores[i])) for i in top])

    def match(self, chunk_id: str, query_bigrams: set[str]) -> float:
        """The largest share of the query's bigrams, weighted by their rarity among the bank's
        questions, that one of the passage's questions holds: sharing 标准 and 多少 says little,
        sharing 劳务报酬 a lot; a bigram no bank question has counts as the rarest."""
        return self.best(chunk_id, query_bigrams)[0]

    def best(self, chunk_id: str, query_bigrams: set[str]) -> tuple[float, str]:
        """The match of the passage's best-matching question and that question's evidence (the
        piece of the provision that answers it; "" when nothing matches)."""
        questions = self._bigrams.get(chunk_id, ())
        if not query_bigrams or not questions:
            return 0.0, ""
        weight = {b: self._idf.get(b, self._unseen) for b in query_bigrams}
        total = sum(weight.values())
        shares = [sum(weight[b] for b in query_bigrams & q) / total for q in questions]
        i = max(range(len(shares)), key=shares.__getitem__)
        return shares[i], (self._evidence[chunk_id][i] if shares[i] > 0 else "")

    def questions(self, chunk_id: str) -> list[str]:
        """The passage's questions, normalised (for term coverage)."""
        return self._normalized.get(chunk_id, [])
