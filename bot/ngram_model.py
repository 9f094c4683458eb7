"""Small learned text checks: character n-grams → a logistic score, weights kept as data.

Four questions are too open for word lists alone:
- **person** (``bot/data/person.json``): does the message ask for a human being? People do so in more
  ways than rules can list ("整个人出来跟我唠唠", "恁这机器人说半天俺也没弄明白"); bot.intents asks the
  model about what its phrase rules leave as a question.
- **everyday** (``bot/data/everyday.json``): is the question an everyday matter rather than
  government procurement? bot.scope asks the model about a question that carries no procurement anchor
  and names no listed everyday topic.
- **case** (``bot/data/case.json``): does a procurement question ask for the facts of one case rather
  than a rule — who won a named tender, a bureau's phone number, how far "my" complaint has got, next
  year's budget, what price wins, where a platform's button is? No policy text holds these, and an
  anchor (中标, 政府采购) does not make them answerable; bot.scope asks the model after the search.
- **private** (``bot/data/private.json``): is the question about buying, tendering or quoting inside a
  private firm or between private people (公司内部的采购审批流程, 装修找三家报价怎么比)? Procurement words,
  no public buyer; bot.scope asks the model after the search, like the case check.

All are fitted by ``python -m eval.train_ngram`` on labelled messages. Each threshold sits above
every in-scope training question scored out of fold (by a model that never saw it; the case check: above
99.9% of them), so a policy question is not taken for any of them. Scoring is a pure function of the text.
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
PERSON, EVERYDAY, CASE, PRIVATE = "person", "everyday", "case", "private"


def grams(text: str) -> set[str]:
    """Character 1-, 2- and 3-grams of the normalised, lower-cased message, with ^ and $ marking its
    start and end (a message that *is* "人工" differs from one that mentions 人工费)."""
    t = "^" + _SPACE.sub("", normalize(text).lower()) + "$"
    return {t[i : i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)}


@dataclass(frozen=True)
class NgramModel:
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    threshold: float = math.inf  # no weights: never fires
    source: str = "none"

    def score(self, text: str) -> float:
        """Log-odds of the positive class (grams the model never saw are ignored)."""
        known = [self.weights[g] for g in grams(text) if g in self.weights]
        return self.bias + (sum(known) / math.sqrt(len(known)) if known else 0.0)

    def fires(self, text: str) -> bool:
        return self.score(text) >= self.threshold

    @classmethod
    def load(cls, path: Path) -> "NgramModel":
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]), float(data["threshold"]), str(path))

    def save(self, path: Path, extra: dict | None = None) -> None:
        weights = {g: round(w, 4) for g, w in sorted(self.weights.items()) if abs(w) >= 1e-3}
        data = {"bias": self.bias, "threshold": self.threshold, **(extra or {}), "weights": weights}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")


def data_path(name: str) -> Path:
    return Path(str(resources.files("bot") / "data" / f"{name}.json"))


@lru_cache(maxsize=None)
def shipped(name: str) -> NgramModel:
    """The model shipped as bot/data/<name>.json (``person``, ``everyday``, ``case`` or ``private``)."""
    return NgramModel.load(data_path(name))
