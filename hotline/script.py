"""Answer scripts an operator can read aloud. Pure functions.

A provision is turned into plain spoken sentences: no Markdown, no bracketed citation marks, the
source named the way one says it ("根据《政府采购法》第四十六条"), percentages and 文号 written the way
they are spoken ("百分之二", "财库二〇二〇年四十六号").
"""

from __future__ import annotations

import re

from kb.cn_numerals import int_to_cn

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_DOCNO = re.compile(r"([\u4e00-\u9fff]{1,6})\s*[〔［\[﹝【](\d{4})[〕］\]﹞】]\s*(\d+)\s*号")
_BRACKET_REF = re.compile(r"\[\d{1,2}\]|【\d{1,2}】")  # citation marks; a 文号's [2019] is not one
_MARKUP = re.compile(r"[#*_>`]+")
_ARTICLE_HEAD = re.compile(r"^第[\u4e00-\u9fff\d]{1,6}条\s*")
_DIGITS = "〇一二三四五六七八九"


def say_number(text: str) -> str:
    return "".join(_DIGITS[int(d)] for d in text)


def _percent(m: re.Match) -> str:
    value = m.group(1)
    if "." in value:
        whole, frac = value.split(".")
        return f"百分之{int_to_cn(int(whole))}点{say_number(frac)}"
    return f"百分之{int_to_cn(int(value))}" if int(value) < 10000 else f"百分之{value}"


_ORDER_NO = re.compile(r"令第(\d+)号")
_ITEM = re.compile(r"^(\d+)\s*[.．、]\s*(.*)$")


def speakable(text: str) -> str:
    # a line break inside a passage (table cells, list items) is a pause, not nothing
    text = re.sub(r"(?<![，。；：、！？,.;:])\s*\n\s*", "，", text.strip())
    text = _DOCNO.sub(lambda m: f"{m.group(1)}{say_number(m.group(2))}年{int_to_cn(int(m.group(3)))}号", text)
    text = _BRACKET_REF.sub("", _MARKUP.sub("", text))
    text = _PERCENT.sub(_percent, text)
    text = _ORDER_NO.sub(lambda m: f"令第{int_to_cn(int(m.group(1)))}号", text)
    return re.sub(r"\s+", "", text)


def script(answer_sentence: str, title: str, label: str, doc_number: str = "", more: str = "") -> str:
    """'根据《title》label的规定，<answer>。' plus at most one more sentence, ready to read out."""
    item = _ITEM.match(label or "")
    where = f"《{title}》第{int_to_cn(int(item.group(1)))}项" if item else f"《{title}》{speakable(label or '')}"
    number = f"（{speakable(doc_number)}）" if doc_number else ""
    body = speakable(_ARTICLE_HEAD.sub("", answer_sentence).strip())
    extra = speakable(_ARTICLE_HEAD.sub("", more).strip()) if more else ""
    text = f"根据{where}{number}的规定，{body}"
    if extra and extra not in body:
        text = text.rstrip("，；：") + ("" if text.endswith(("。", "！", "？")) else "。") + extra
    if not text.endswith(("。", "！", "？")):
        text += "。"
    return text
