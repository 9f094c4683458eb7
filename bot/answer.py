"""Extractive answers with exact citations — no language model needed.

The answer leads with the one sentence that answers the question (the time limit, the percentage,
the 可以/不得/应当), then quotes the provision it comes from and names every source as
《title》section（文号）. When retrieval is not confident the answer says so plainly, offers a
person, and invents nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.confidence import DEFAULT_MODEL, ConfidenceModel
from bot.cues import question_types, sentence_cue
from bot.types import Citation, Reply
from kb.models import Chunk
from kb.retrieve import Filters, Hit, HybridRetriever, SearchResult, Term
from kb.textnorm import normalize

NOT_FOUND = (
    "抱歉，知识库里没有找到能直接回答这个问题的政策规定。为避免给您不准确的信息，我不作推测。"
    "您可以换个说法再问，或转人工客服，由工作人员为您解答。"
)
QUOTE_LIMIT = 320

_SPLIT = re.compile(r"(?<=[。！？!?])|\n")
_CLAUSE = re.compile(r"(?<=[；;])")
LONG_SENTENCE = 150
_LEADING_LABEL = re.compile(r"^(?:第[\u4e00-\u9fff\d]{1,6}条\s*|[（(]?[一二三四五六七八九十\d]{1,3}[）)]?[、．.]?\s*|[^：:\n]{1,12}[：:](?=\S))")


def citation_of(hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(
        source=c.source,
        title=c.title,
        doc_number=c.doc_number,
        section=c.section,
        text=c.text,
        score=round(float(hit.score), 4),
        label=c.label,
        name=c.citation_name(),
        issuer=c.issuer,
        date=c.date,
        jurisdiction=c.jurisdiction,
        chunk_id=c.id,
    )


def sentences(text: str) -> list[str]:
    """Sentences of a passage; a very long one is cut at its semicolons so the answer stays short."""
    out: list[str] = []
    for s in _SPLIT.split(text):
        s = (s or "").strip()
        if len(s) > LONG_SENTENCE:
            out += [c.strip() for c in _CLAUSE.split(s) if len(c.strip()) >= 4]
        elif len(s) >= 4:
            out.append(s)
    return out


def sentence_overlap(sentence: str, terms: list[Term]) -> float:
    total = sum(t.weight for t in terms)
    if not total:
        return 0.0
    norm = normalize(sentence)
    return sum(t.weight for t in terms if t.found_in(norm)) / total


@dataclass
class Picked:
    hit: Hit
    sentence: str
    score: float


def pick_sentence(hits: list[Hit], terms: list[Term], question: str, depth: int = 3) -> Picked | None:
    """The sentence, among the best passages, that most directly answers the question."""
    types = question_types(question)
    best: Picked | None = None
    for rank, hit in enumerate(hits[:depth]):
        prior = 1.0 - 0.2 * rank
        for s in sentences(hit.chunk.text):
            score = prior * (sentence_overlap(s, terms) + 0.6 * sentence_cue(s, types))
            if best is None or score > best.score:
                best = Picked(hit, s, score)
    return best


def direct_sentence(sentence: str) -> str:
    """The sentence as a reader wants it: no article number or outline marker in front."""
    s = sentence.strip()
    for _ in range(2):
        stripped = _LEADING_LABEL.sub("", s, count=1).strip()
        if len(stripped) >= 6:
            s = stripped
    return s


def quote(chunk: Chunk, around: str | None = None, limit: int = QUOTE_LIMIT) -> str:
    """The provision's text, cut to `limit` characters around the answering sentence."""
    text = chunk.text.strip()
    if len(text) <= limit:
        return text
    start = text.find(around) if around else -1
    if start < 0:
        return text[:limit].rstrip() + "…"
    left = max(0, start - (limit - len(around)) // 2)
    piece = text[left : left + limit]
    return ("…" if left > 0 else "") + piece.strip() + ("…" if left + limit < len(text) else "")


def where(chunk: Chunk) -> str:
    """《title》label（文号） for the answer text."""
    return chunk.citation_name()


class Answerer:
    """Retrieval plus extractive composition: the default answer path of every channel."""

    def __init__(self, retriever: HybridRetriever, confidence: ConfidenceModel = DEFAULT_MODEL, top_k: int = 5) -> None:
        self.retriever = retriever
        self.confidence = confidence
        self.top_k = max(5, top_k)

    def search(self, question: str, filters: Filters | None = None) -> SearchResult:
        return self.retriever.search(question, k=max(self.top_k, 8), filters=filters)

    def answer(self, question: str, filters: Filters | None = None) -> Reply:
        result = self.search(question, filters)
        hits = result.hits
        citations = [citation_of(h) for h in hits[: self.top_k]]
        if not hits:
            return Reply(NOT_FOUND, [], 0.0, True, "low_confidence", "not_found", question)
        conf = self.confidence.score(hits[0].signals, result.unknown_share)
        if not self.confidence.confident(conf):
            return Reply(NOT_FOUND, citations, conf, True, "low_confidence", "not_found", question)
        return Reply(self.compose(question, result), citations, conf, False, None, "answer", question)

    def compose(self, question: str, result: SearchResult) -> str:
        hits = result.hits
        picked = pick_sentence(hits, result.terms, question) or Picked(hits[0], sentences(hits[0].chunk.text)[0], 0.0)
        main = picked.hit.chunk
        lines = [direct_sentence(picked.sentence), "", f"依据：{where(main)}", f"“{quote(main, picked.sentence)}”"]
        others = []
        for h in hits[1 : self.top_k]:
            name = where(h.chunk)
            if h.chunk.id != main.id and name not in others and name != where(main):
                others.append(name)
        if others:
            lines += ["", "相关规定：" + "；".join(others[:4])]
        return "\n".join(lines)
