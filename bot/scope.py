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

A question with no anchor that names no listed topic goes, after the search, to a learned check
(bot.ngram_model, ``everyday``) fitted on everyday 12345 questions, near-misses and in-scope questions
in everyday words (``learned_topic``); when it fires and no passage plainly covers the question, the
question is out of scope without a named topic.
Two more learned checks judge a searched question whether it carries anchors or not (``learned_topic``):
``case`` — it asks for the facts of one case (who won a named tender, a bureau's phone number, how far
"my" complaint has got, what price wins), which no policy text holds, so the assistant says where such
facts are published; ``private`` — it is about buying, tendering or quoting inside a private firm or
between private people (公司内部采购流程, 装修报价), which government-procurement texts do not address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.ngram_model import CASE, EVERYDAY, PRIVATE, NgramModel, shipped
from chunfeng.errors import ConfigError
from kb.textnorm import normalize


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise ConfigError(
            f"anchors.txt 中的锚词规则“re:{text}”不是有效的正则表达式（{exc}）。请改正该行，或去掉 re: 前缀按普通词语匹配。"
        ) from exc


UNLISTED = "政府采购以外的事项"  # the topic of a question only the everyday check turned away
CASE_TOPIC = "具体项目或单位的个案信息"  # ... the case check turned away
PRIVATE_TOPIC = "企业或个人之间的采购事务"  # ... the private-procurement check turned away
COVERED = 0.5  # a passage holding this share of the question's words covers it: the learned check stands down
MIN_CHARS = 8  # shorter input is a keyword search ("预付款", "保证金"), which the check was not fitted on
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@dataclass(frozen=True)
class OffTopic:
    category: str
    keyword: str  # the listed word that named the topic


class ScopeGuard:
    def __init__(self, categories: dict[str, list[str]], anchors: list[str], everyday: NgramModel | None = None,
                 case: NgramModel | None = None, private: NgramModel | None = None) -> None:
        self.everyday = everyday or NgramModel()
        # checks that judge anchored questions too, in order: (topic, model)
        self.anchored_checks = ((CASE_TOPIC, case or NgramModel()), (PRIVATE_TOPIC, private or NgramModel()))
        self.decisive = {c[1:].strip() for c in categories if c.startswith("!")}
        self.categories = {c.lstrip("!").strip(): [normalize(k) for k in ks if k] for c, ks in categories.items()}
        self.anchors = [normalize(a) for a in anchors if a and not a.startswith("re:")]
        self.anchor_patterns = [_pattern(a[3:].strip()) for a in anchors if a.startswith("re:")]

    @classmethod
    def load(cls, folder: Path | None = None) -> "ScopeGuard":
        """The shipped lists and models, or those in `folder` (offtopic.tsv, anchors.txt; everyday.json,
        case.json and private.json if any)."""
        everyday, case, private = (shipped(name) if folder is None else NgramModel.load(folder / f"{name}.json")
                                   for name in (EVERYDAY, CASE, PRIVATE))
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
        return cls(categories, anchors, everyday, case, private)

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

    def learned_topic(self, question: str, covered: float) -> str | None:
        """What the learned checks make of a question the lists let through: UNLISTED (an everyday
        matter; asked only without an anchor), CASE_TOPIC or PRIVATE_TOPIC (asked anchored or not), or
        None. None of them judges a keyword search (fewer than MIN_CHARS characters) or a question the
        knowledge base plainly covers (`covered`: the best passage's share of the question's words; a local
        FAQ may answer "交易平台的密码忘了怎么办")."""
        text = normalize(question)
        if len(_CONTENT.findall(text)) < MIN_CHARS or covered >= COVERED:
            return None
        if not self.anchored(text) and self.everyday.fires(text):
            return UNLISTED
        return next((topic for topic, model in self.anchored_checks if model.fires(text)), None)
