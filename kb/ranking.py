"""Ranking features and a linear ranker — pure functions, weights kept as data.

Each candidate passage gets a handful of features a reader would also use to judge it: how much
of the question it covers (IDF-weighted words, with glossary alternatives; character bigrams),
whether those words sit in its title or section, how the keyword and vector searches ranked it,
whether it carries the kind of answer the question asks for (a time limit, a number, 可以/不得),
and its structure (an article, a table row, loose text). A linear model turns them into a score.

The weights live in ``kb/data/ranker.json`` and are fitted on the dev gold set by
``python -m eval.train`` (listwise softmax on the dev set). See docs/quality.md.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kb.lookup import DOMAIN_HINT

FEATURES = (
    "word_bm25",  # word BM25 score / best word BM25 score among candidates
    "bigram_bm25",  # the same for character bigrams
    "vector",  # cosine similarity to the question
    "word_rr",  # 1 / rank in the word BM25 list (0 when absent)
    "bigram_rr",
    "vector_rr",
    "coverage",  # IDF-weighted share of the question's words found in the passage
    "heading_coverage",  # the same, in the title, headings and label only
    "sentence_coverage",  # the same, in the passage's best single sentence or list item
    "focus_coverage",  # the question's rarest words (its focus) found in the passage
    "bigram_coverage",  # share of the question's bigrams found in the passage
    "bank_match",  # largest share of the question's bigrams one of the passage's bank questions holds (kb.questions)
    "bank_coverage",  # IDF-weighted share of the question's words found in the passage's best-matching bank question
    "bank_rr",  # 1 / rank in the bank-question BM25 list (0 when absent)
    "bank_bm25",  # bank-question BM25 score / best bank score among candidates
    "bank_vote",  # share of the score of the question's 20 nearest bank questions held by the passage's own
    "bank_nearest",  # the passage's best single bank question's score / the nearest question's score
    "cue",  # the passage carries the kind of answer asked for (kb.cues)
    "is_article",
    "is_row",
    "is_text",
    "length",  # log length, 0..1
    "domain",  # the document's title names the assistant's domain (政府采购)
    "doc_named",  # the question names this passage's document
    "level_law",  # legal hierarchy of the document: 法律
    "level_regulation",  # 行政法规 (…条例)
    "level_rule",  # 部门规章 (…令第N号)
    "level_local",  # a provincial or city document
    "place_match",  # the question names the place a local document belongs to
    "tendering_works",  # a 招标投标法 passage, and the question is about construction works
    "tendering_other",  # a 招标投标法 passage, and the question is not (government procurement proper)
)

BANK_FEATURES = ("bank_match", "bank_coverage", "bank_rr", "bank_bm25", "bank_vote", "bank_nearest")

DEFAULT_WEIGHTS = {
    "word_bm25": 1.0, "bigram_bm25": 1.0, "vector": 1.0, "word_rr": 1.0, "bigram_rr": 1.0, "vector_rr": 0.5,
    "coverage": 3.0, "heading_coverage": 0.8, "sentence_coverage": 1.0, "focus_coverage": 0.5, "bigram_coverage": 1.5,
    "bank_match": 2.0, "bank_coverage": 1.5, "bank_rr": 0.5, "bank_bm25": 0.5, "bank_vote": 0.5, "bank_nearest": 0.5,
    "cue": 0.5, "is_article": 0.2, "is_row": -0.3, "is_text": -0.5, "length": 0.0, "domain": 0.3, "doc_named": 2.0,
    "level_law": 0.3, "level_regulation": 0.2, "level_rule": 0.1, "level_local": 0.0, "place_match": 1.0,
    "tendering_works": 0.3, "tendering_other": -0.3,
}

# 招标投标法 and its regulations govern construction works (工程) procured by tender; goods and
# services bought with public money follow 政府采购法. A question that speaks of works wants the
# former; one that does not is, for this assistant, about government procurement proper.
_WORKS = re.compile(r"工程|施工|建筑|勘察|监理|基建|装修|招标投标法|招投标法|建设项目|项目建设")
TENDERING_HINT = "招标投标"

_PLACE = re.compile(r"([\u4e00-\u9fff]{2,4}?)(?:市|县|区|省)")


def legal_level(title: str, doc_number: str, jurisdiction: str) -> str:
    """law | regulation | rule | normative | local — how authoritative a document is."""
    if jurisdiction in ("city", "provincial"):
        return "local"
    t = title.removeprefix("中华人民共和国")
    if t.endswith("法") and not t.endswith("办法"):
        return "law"
    if t.endswith("条例") or doc_number.startswith("国务院令"):
        return "regulation"
    if "令第" in doc_number:
        return "rule"
    return "normative"


def works_question(question: str) -> bool:
    """The question is about construction works (工程), the field of 招标投标法."""
    return bool(_WORKS.search(question))


def tendering_features(title: str, works: bool) -> dict[str, float]:
    """Which procurement regime a passage belongs to, against what the question is about."""
    tendering = TENDERING_HINT in title and DOMAIN_HINT not in title
    return {
        "tendering_works": 1.0 if tendering and works else 0.0,
        "tendering_other": 1.0 if tendering and not works else 0.0,
    }


def places(text: str) -> set[str]:
    """Place names (许昌, 禹州, 河南) mentioned with their 市/县/区/省 suffix."""
    return {m.group(1) for m in _PLACE.finditer(text)}


def place_match(question: str, chunk_places: set[str]) -> float:
    return 1.0 if chunk_places and any(p in question for p in chunk_places) else 0.0


def length_feature(text: str) -> float:
    return min(1.0, math.log(1 + len(text)) / math.log(1 + 600))


@dataclass
class LinearRanker:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    bias: float = 0.0
    source: str = "defaults"

    @classmethod
    def load(cls, path: Path | None = None) -> "LinearRanker":
        path = path or Path(str(resources.files("kb") / "data" / "ranker.json"))
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {k: float(data["weights"].get(k, 0.0)) for k in FEATURES}
        return cls(weights, float(data.get("bias", 0.0)), str(path))

    def score(self, features: dict[str, float]) -> float:
        """Log-odds that the passage answers the question."""
        return self.bias + sum(w * features.get(k, 0.0) for k, w in self.weights.items())

    def save(self, path: Path, extra: dict | None = None) -> None:
        data = {"features": list(FEATURES), "weights": self.weights, "bias": self.bias, **(extra or {})}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
