"""Operator search: the standard answer an operator reads aloud, and its legal basis, in well under
a second, without waiting for any model."""

from __future__ import annotations

import re
from typing import Any

from bot.answer import Answerer, pick_sentence, sentences
from bot.scope import CASE_TOPIC, PRIVATE_TOPIC
from hotline.categories import Categories
from hotline.script import script
from kb.retrieve import Filters, Hit, Term
from kb.textnorm import normalize

# what the operator tells a caller whose question no provision answers, by the scope guard's topic
OPERATOR_ADVICE = {
    CASE_TOPIC: "政策文件里没有具体项目或单位的信息，请告知来电人到中国政府采购网或本地公共资源交易平台查看该项目的公告，或联系采购人、采购代理机构。",
    PRIVATE_TOPIC: "这是企业或个人之间的采购事务，不属于政府采购，合同或消费纠纷可建议来电人咨询 12348 或 12315。",
}
DEFAULT_ADVICE = "不是政府采购政策问题，请按热线分类转办。"
_LIST_ITEM = re.compile(r"^[（(][一二三四五六七八九十\d]{1,3}[）)]")


def highlights(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Spans of the display text matching the question's words (or their glossary alternatives)."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for term in terms:
        for alt in term.alternatives:
            if not alt or normalize(alt) != alt.lower():
                continue
            start = lowered.find(alt)
            while start != -1:
                spans.append((start, start + len(alt)))
                start = lowered.find(alt, start + len(alt))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


class OperatorSearch:
    def __init__(self, answerer: Answerer, categories: Categories | None = None) -> None:
        self.answerer = answerer
        self.categories = categories or Categories.load()

    def search(self, query: str, k: int = 5, source: str | None = None, category: str | None = None) -> dict[str, Any]:
        """Up to `k` results, and whether the knowledge base likely answers the question at all: the same
        scope guard and calibrated confidence the assistant uses before it answers (`confident`), so the
        operator is warned before reading out a provision that only shares a word with the question."""
        filters = Filters(sources=frozenset({source})) if source else None
        result = self.answerer.retriever.search(query, k=max(k * 3, 10), filters=filters)
        out: list[dict[str, Any]] = []
        for hit in result.hits:
            cat = self.categories.classify(f"{hit.chunk.headings} {hit.chunk.label} {hit.chunk.text}")
            if category and cat != category:
                continue
            out.append(self._result(query, hit, result.terms, cat))
            if len(out) >= k:
                break
        off = self.answerer.scope.off_topic(query)
        topic = off.category if off is not None else self.answerer.unlisted_topic(query, result)
        confidence = 0.0 if topic is not None or not result.hits else self.answerer.confidence_of(query, result)
        return {"results": out, "confidence": round(confidence, 3),
                "confident": bool(out) and self.answerer.confidence.confident(confidence),
                "off_topic": topic, "advice": OPERATOR_ADVICE.get(topic, DEFAULT_ADVICE) if topic else None}

    def _result(self, query: str, hit: Hit, terms: list[Term], category: str) -> dict[str, Any]:
        c = hit.chunk
        picked = pick_sentence([hit], terms, query, depth=1)
        all_sentences = sentences(c.text)
        first = picked.sentence if picked else (all_sentences or [c.text])[0]
        # a list item is read after the sentence that introduces it ("…应当写明下列事项：")
        at = all_sentences.index(first) if first in all_sentences else -1
        if at > 0 and _LIST_ITEM.match(first) and all_sentences[at - 1].endswith(("：", ":")):
            first, more = all_sentences[at - 1], first
            return self._view(c, script(first, c.title, c.label, c.doc_number, more), category, terms, hit)
        rest = [s for s in all_sentences if s != first and not s.endswith(("？", "?"))]
        return self._view(c, script(first, c.title, c.label, c.doc_number, rest[0] if rest and len(first) < 40 else ""),
                          category, terms, hit)

    @staticmethod
    def _view(c, spoken: str, category: str, terms: list[Term], hit: Hit) -> dict[str, Any]:
        return {
            "script": spoken,
            "title": c.title,
            "doc_number": c.doc_number,
            "section": c.section,
            "label": c.label,
            "text": c.text,
            "source": c.source,
            "category": category,
            "highlights": [list(span) for span in highlights(c.text, terms)],
            "score": round(float(hit.score), 4),
            "name": c.citation_name(),
        }
