"""How much of a question is procurement vocabulary — pure functions.

A word is *specific* to the knowledge base when it is far more common in the policy texts than in
general Chinese (jieba's general dictionary, built from a broad news and web corpus): 投标, 采购,
保证金 are; 孩子, 下水道, 奶茶 are not. The words of the domain dictionary are specific by
definition, and a colloquial word counts through the policy terms the glossary maps it to.

The *domain share* of a question is the IDF-weighted share of its words that are specific. A
question with no procurement anchor whose domain share is tiny is an everyday question that only
happens to share a word or two with the policies (办证, 申请, 恢复), however well those words match.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Protocol

SCALE = 3.0  # a word 1000 times more common in the policies than in general Chinese is fully specific


class AlternativesTerm(Protocol):
    weight: float
    alternatives: tuple[str, ...]


def specificity(kb_share: float, general_share: float) -> float:
    """0..1 from the word's share of the policy passages and its share of general Chinese.

    A word the general dictionary does not know but the policies use is fully specific."""
    if kb_share <= 0:
        return 0.0
    if general_share <= 0:
        return 1.0
    return max(0.0, min(1.0, math.log10(kb_share / general_share) / SCALE))


def domain_share(terms: Iterable[AlternativesTerm], specific: Callable[[str], float]) -> float:
    """IDF-weighted share of the question's words that are specific (a word counts by its most
    specific alternative). 1.0 for a question with no content words: nothing to judge."""
    terms = list(terms)
    total = sum(t.weight for t in terms)
    if not total:
        return 1.0
    return sum(t.weight * max(specific(a) for a in t.alternatives) for t in terms) / total
