"""Confidence that the best passage answers the question, as a pure function of ranking signals.

The signals come from the retriever (kb.retrieve.Hit.signals): IDF-weighted coverage of the
question by the passage, the same for its title/section, the vector similarity, agreement between
the keyword and vector rankings, and whether the user named the provision. A logistic blend maps
them to 0..1; its weights and the threshold are calibrated on the dev gold set (see
docs/confidence.md) and live here as data, not scattered through the code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfidenceModel:
    bias: float = -4.2
    coverage: float = 6.0
    heading_coverage: float = 0.8
    vector: float = 2.0
    fused: float = 0.6
    unknown_penalty: float = 2.5  # share of question weight the knowledge base has never seen
    threshold: float = 0.5  # below this the assistant says it does not know and offers a person

    def score(self, signals: dict[str, float], unknown_share: float = 0.0) -> float:
        if signals.get("lookup"):
            return 0.97
        z = (
            self.bias
            + self.coverage * signals.get("coverage", 0.0)
            + self.heading_coverage * signals.get("heading_coverage", 0.0)
            + self.vector * max(0.0, signals.get("vector", 0.0))
            + self.fused * signals.get("fused", 0.0)
            - self.unknown_penalty * unknown_share
        )
        return 1.0 / (1.0 + math.exp(-z))

    def confident(self, confidence: float) -> bool:
        return confidence >= self.threshold


DEFAULT_MODEL = ConfidenceModel()
