"""Operator search: the standard answer an operator reads aloud, and its legal basis, in well under
a second, without waiting for any model."""

from __future__ import annotations

from typing import Any

from bot.answer import Answerer, pick_sentence, sentences
from hotline.categories import Categories
from hotline.script import script
from kb.retrieve import Filters, Hit, Term
from kb.textnorm import normalize


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

    def search(self, query: str, k: int = 5, source: str | None = None, category: str | None = None) -> list[dict[str, Any]]:
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
        return out

    def _result(self, query: str, hit: Hit, terms: list[Term], category: str) -> dict[str, Any]:
        c = hit.chunk
        picked = pick_sentence([hit], terms, query, depth=1)
        first = picked.sentence if picked else (sentences(c.text) or [c.text])[0]
        rest = [s for s in sentences(c.text) if s != first and not s.endswith(("？", "?"))]
        return {
            "script": script(first, c.title, c.label, c.doc_number, rest[0] if rest and len(first) < 40 else ""),
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
