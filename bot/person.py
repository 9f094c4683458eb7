"""A learned check for requests for a person, behind the phrase rules of bot.intents.

People ask for a person in more ways than rules can list ("整个人出来跟我唠唠", "恁这机器人说半天俺也没
弄明白"). A logistic model over the message's character 1–3-grams, fitted by ``python -m
eval.train_person`` on labelled messages, catches what the rules miss. Its threshold sits above every
in-scope training question that mentions people, phones or the assistant, so a policy question is
not taken for a request; out-of-scope messages it flags are handed to a person anyway.
Weights are data (``bot/data/person.json``); scoring is a pure function of the text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kb.textnorm import normalize

_SPACE = re.compile(r"\s+")


def grams(text: str) -> set[str]:
    """Character 1-, 2- and 3-grams of the normalised, lower-cased message, with ^ and $ marking its
    start and end (a message that *is* "人工" differs from one that mentions 人工费)."""
    t = "^" + _SPACE.sub("", normalize(text).lower()) + "$"
    return {t[i : i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)}


@dataclass(frozen=True)
class PersonModel:
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    threshold: float = math.inf  # no weights: never fires
    source: str = "none"

    def score(self, text: str) -> float:
        """Log-odds that the message asks for a person (grams the model never saw are ignored)."""
        known = [self.weights[g] for g in grams(text) if g in self.weights]
        return self.bias + (sum(known) / math.sqrt(len(known)) if known else 0.0)

    def wants_person(self, text: str) -> bool:
        return self.score(text) >= self.threshold

    @classmethod
    def load(cls, path: Path | None = None) -> "PersonModel":
        path = path or Path(str(resources.files("bot") / "data" / "person.json"))
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]), float(data["threshold"]), str(path))

    def save(self, path: Path, extra: dict | None = None) -> None:
        weights = {g: round(w, 4) for g, w in sorted(self.weights.items()) if abs(w) >= 1e-3}
        data = {"bias": self.bias, "threshold": self.threshold, **(extra or {}), "weights": weights}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")


@lru_cache(maxsize=1)
def default_model() -> PersonModel:
    return PersonModel.load()
