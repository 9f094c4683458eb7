"""Follow-up questions, rewritten with the previous turn's topic before retrieval. Pure functions.

"那小微企业呢？" after "中标后多久签合同？" is a question about the same thing for someone else;
"这个要多久？" asks about the previous topic; "第二条呢？" names an article of the document just
cited. Retrieval only sees the rewritten question; the user's words are kept in the transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kb.cn_numerals import NUMERAL_CHARS

_LEAD = re.compile(r"^(?:那么?|那如果|那要是|如果是|要是|还有|另外|换成|改成|对于|至于|那对于|那像)\s*")
_TRAIL = re.compile(r"(?:呢|吗|呀|啊)?[？?。！!\s]*$")
_PRONOUN = re.compile(r"^(?:这个|那个|这种|那种|它|该|这|那|这样|上面|刚才|前面)")
_ARTICLE_ONLY = re.compile(rf"^(?:那)?\s*第\s*[{NUMERAL_CHARS}\d]+\s*[条款项](?:呢|是什么|说了什么|讲什么|怎么说|的内容)?[？?。\s]*$")
_TITLED = re.compile(r"《[^》]+》|法|条例|办法|令|〔\d{4}〕")
SHORT = 16


@dataclass
class Topic:
    question: str  # the last answered question, as retrieval saw it
    title: str = ""  # its best citation's document
    doc_number: str = ""
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Topic | None":
        if not data or not data.get("question"):
            return None
        return cls(**{k: data.get(k, "") for k in ("question", "title", "doc_number", "label")})


def is_follow_up(text: str) -> bool:
    t = text.strip()
    if not t or len(t) > SHORT:
        return False
    return bool(_ARTICLE_ONLY.match(t) or _LEAD.match(t) or _PRONOUN.match(t) or re.search(r"呢[？?]?$", t))


def rewrite(text: str, topic: Topic | None) -> str:
    """The question retrieval should see, given the previous topic."""
    t = text.strip()
    if topic is None or not is_follow_up(t):
        return t
    if _ARTICLE_ONLY.match(t) and topic.title and not _TITLED.search(t):
        return f"《{topic.title}》{_TRAIL.sub('', _LEAD.sub('', t))}"
    fragment = _TRAIL.sub("", _LEAD.sub("", t))
    if _TITLED.search(fragment):
        return t  # it names its own document: a new question, not a follow-up
    fragment = _PRONOUN.sub("", fragment).strip("，, ")
    if not fragment:
        return topic.question
    substituted = substitute(topic.question, fragment)
    if substituted:
        return substituted
    # the new words count twice, so they outweigh the previous question's in retrieval
    return f"{fragment}，{fragment}，{topic.question}"


_TAIL = re.compile(r"[？?。！!\s]*$|(?:吗|呢|了|么)[？?。！!\s]*$")
_QUESTION_WORDS = ("多久", "多少", "几天", "怎么", "什么", "哪些", "哪里", "是否", "可以", "能否")


def substitute(previous: str, fragment: str) -> str | None:
    """The previous question about the fragment instead of what it was about, when that can be
    told from the words alone: an entity of the same kind ("中型企业" → "小微企业": the same
    ending), or, for a two-character fragment, the previous question's last word ("公开" → "备案")."""
    cjk = re.compile(r"[\u4e00-\u9fff]+")
    if any(q in fragment for q in _QUESTION_WORDS) or fragment.startswith(("要", "能", "会", "该", "得")):
        return None  # a question about the topic ("要多久"), not a new subject
    if len(fragment) >= 3 and cjk.fullmatch(fragment):
        ending = fragment[-2:]
        for size in range(min(8, len(previous)), 2, -1):
            for start in range(len(previous) - size + 1):
                word = previous[start : start + size]
                if word.endswith(ending) and word != fragment and cjk.fullmatch(word):
                    return previous[:start] + fragment + previous[start + size :]
    if len(fragment) == 2 and cjk.fullmatch(fragment):
        core = _TAIL.sub("", previous)
        last = core[-2:]
        if len(last) == 2 and cjk.fullmatch(last) and last not in _QUESTION_WORDS and fragment not in previous:
            return core[:-2] + fragment + previous[len(core):]
    return None
