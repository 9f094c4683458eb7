"""Confidence that the knowledge base answers the question, as a pure function of ranking signals.

Features of the best passage after ranking (its ranker log-odds, how much of the question it
covers in words and in character bigrams, whether the words are in its title or section, its
vector similarity) and of the question (the share of its weight the knowledge base has never seen)
go through a logistic model. Weights and threshold are fitted on the dev gold set by
``python -m eval.train`` and kept in ``bot/data/confidence.json`` (see docs/quality.md).
A named provision ("政府采购法第二十二条") is answered with high confidence.

A question with no procurement anchor whose domain share (kb.domain) is below ``min_domain_share``
is an everyday question that only shares a word or two with the policies: its confidence is held
below the threshold however well those words match. The floor is set on dev by ``eval.train``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kb.retrieve import SearchResult

CONFIDENCE_FEATURES = ("top_logit", "coverage", "bigram_coverage", "heading_coverage", "vector", "unknown_share")

_DEFAULTS = {
    "top_logit": 0.5, "coverage": 4.0, "bigram_coverage": 2.0, "heading_coverage": 0.5, "vector": 1.0, "unknown_share": -3.0,
}
LOOKUP_CONFIDENCE = 0.97


def confidence_features(result: SearchResult) -> list[float]:
    if not result.hits:
        return [-10.0, 0.0, 0.0, 0.0, 0.0, result.unknown_share]
    s = result.hits[0].signals
    return [
        float(s.get("logit", 0.0)),
        float(s.get("coverage", 0.0)),
        float(s.get("bigram_coverage", 0.0)),
        float(s.get("heading_coverage", 0.0)),
        float(s.get("vector", 0.0)),
        float(result.unknown_share),
    ]


@dataclass
class ConfidenceModel:
    weights: dict[str, float] = field(default_factory=lambda: dict(_DEFAULTS))
    bias: float = -4.0
    threshold: float = 0.5  # below this the assistant says it does not know and offers a person
    min_domain_share: float = 0.0  # unanchored questions with less procurement vocabulary are not answered

    @classmethod
    def load(cls, path: Path | None = None) -> "ConfidenceModel":
        path = path or Path(str(resources.files("bot") / "data" / "confidence.json"))
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {k: float(data["weights"].get(k, 0.0)) for k in CONFIDENCE_FEATURES}
        return cls(weights, float(data["bias"]), float(data["threshold"]), float(data.get("min_domain_share", 0.0)))

    def save(self, path: Path, extra: dict | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"features": list(CONFIDENCE_FEATURES), "weights": self.weights, "bias": self.bias, "threshold": self.threshold,
                "min_domain_share": self.min_domain_share, **(extra or {})}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def score(self, result: SearchResult) -> float:
        if result.hits and result.hits[0].signals.get("lookup"):
            return LOOKUP_CONFIDENCE
        return self.probability(dict(zip(CONFIDENCE_FEATURES, confidence_features(result))))

    def held_to_domain(self, confidence: float, result: SearchResult) -> float:
        """The confidence of an unanchored question, held below the threshold when it is mostly
        everyday vocabulary (scaled, so a ranking of such questions stays meaningful)."""
        if result.domain_share >= self.min_domain_share or (result.hits and result.hits[0].signals.get("lookup")):
            return confidence
        return min(confidence, 0.99 * self.threshold * result.domain_share / self.min_domain_share)

    def confident(self, confidence: float) -> bool:
        return confidence >= self.threshold
