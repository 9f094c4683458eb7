"""Text normalisation for matching. Display text is never normalised; only the copies we match on.

* full-width letters, digits and punctuation become half-width (NFKC), so "２％" matches "2%";
* whitespace is removed between CJK characters (PDF/Word exports put spaces inside words);
* Latin letters are lower-cased;
* the many bracket shapes used in 文号 (〔〕 ［］ ﹝﹞ 【】 []) are unified to 〔〕.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s+(?=[{_CJK}{_CJK_PUNCT}])")
_SPACE_CJK_DIGIT = re.compile(rf"(?<=[{_CJK}])\s+(?=[0-9])|(?<=[0-9])\s+(?=[{_CJK}%])")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\ufeff\u00ad]")
_WS = re.compile(r"\s+")

# NFKC keeps these as they are; we want one shape for document numbers
_BRACKETS = str.maketrans({"［": "〔", "］": "〕", "﹝": "〔", "﹞": "〕", "【": "〔", "】": "〕", "[": "〔", "]": "〕"})


def strip_invisible(text: str) -> str:
    """Remove zero-width and direction marks that Word exports leave behind."""
    return _INVISIBLE.sub("", text)


def squeeze_cjk_spaces(text: str) -> str:
    """Remove whitespace between CJK characters and between CJK and digits ("2023 年" → "2023年")."""
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return _SPACE_CJK_DIGIT.sub("", text)


def normalize(text: str) -> str:
    """The matching form of a text: NFKC, lower case, CJK spaces removed, whitespace collapsed."""
    text = strip_invisible(text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_BRACKETS)
    text = squeeze_cjk_spaces(text)
    text = _WS.sub(" ", text).strip()
    return text.lower()


def compact(text: str) -> str:
    """All whitespace removed (the rule the gold sets use for evidence matching)."""
    return _WS.sub("", text)


def is_cjk(ch: str) -> bool:
    return bool(re.match(rf"[{_CJK}]", ch))
