"""Is a question about government procurement at all? A category guard, like a 12345 dispatcher's.

Everyday topics (社保医保, 住房物业, 交通出行 …) are listed with their keywords in
``bot/data/offtopic.tsv``; unambiguous procurement words in ``bot/data/anchors.txt`` (a line
starting with ``re:`` is a pattern, for usage such as "an institution or project … 采购" that no
single word captures). A question
that names an everyday topic and no procurement anchor is out of scope: the assistant says so,
names the topic, and offers a person — it does not quote a loosely related provision.

A category whose name starts with ``!`` is decisive: its words name a buyer or an activity that
procurement law does not govern (a homeowners' committee choosing a property manager, a
qualification exam), so they decline a question even when it also uses procurement words
("业委会招标选物业", "招标采购职业资格考试怎么报名").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from chunfeng.errors import ConfigError
from kb.textnorm import normalize


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise ConfigError(
            f"anchors.txt 中的锚词规则“re:{text}”不是有效的正则表达式（{exc}）。请改正该行，或去掉 re: 前缀按普通词语匹配。"
        ) from exc


@dataclass(frozen=True)
class OffTopic:
    category: str
    keyword: str


class ScopeGuard:
    def __init__(self, categories: dict[str, list[str]], anchors: list[str]) -> None:
        self.decisive = {c[1:].strip() for c in categories if c.startswith("!")}
        self.categories = {c.lstrip("!").strip(): [normalize(k) for k in ks if k] for c, ks in categories.items()}
        self.anchors = [normalize(a) for a in anchors if a and not a.startswith("re:")]
        self.anchor_patterns = [_pattern(a[3:].strip()) for a in anchors if a.startswith("re:")]

    @classmethod
    def load(cls, folder: Path | None = None) -> "ScopeGuard":
        folder = folder or Path(str(resources.files("bot") / "data"))
        categories: dict[str, list[str]] = {}
        for line in (folder / "offtopic.tsv").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                name, words = line.split("\t", 1)
                categories[name.strip()] = [w.strip() for w in words.split("|")]
        anchors = [
            line.strip()
            for line in (folder / "anchors.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        return cls(categories, anchors)

    def anchored(self, question: str) -> bool:
        text = normalize(question)
        return any(a in text for a in self.anchors) or any(p.search(text) for p in self.anchor_patterns)

    def off_topic(self, question: str) -> OffTopic | None:
        """The everyday topic a question is about, when it is not a procurement question."""
        text = normalize(question)
        anchored = self.anchored(text)
        for category, words in self.categories.items():
            if anchored and category not in self.decisive:
                continue
            for w in words:
                if w in text:
                    return OffTopic(category, w)
        return None
