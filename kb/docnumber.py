"""Document numbers (文号): find them in text and write them one canonical way.

Shapes seen in policy texts: 财库〔2020〕46号 (also with ［］ ﹝﹞ [] （） brackets and stray spaces),
财政部令第87号, 中华人民共和国国务院令第658号, 主席令第十四号.
"""

from __future__ import annotations

import re

from kb.cn_numerals import NUMERAL_CHARS, cn_to_int

_OPEN = "〔［﹝【\\[（("
_CLOSE = "〕］﹞】\\]）)"
_NUM = rf"(?:\d+|[{NUMERAL_CHARS}]+)"

BRACKETED = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff]{{1,6}})\s*[{_OPEN}]\s*(?P<year>\d{{4}})\s*[{_CLOSE}]\s*(?P<num>\d+)\s*号"
)
ORDER = re.compile(rf"(?:中华人民共和国)?(?P<issuer>[\u4e00-\u9fff]{{2,12}}?)令\s*第\s*(?P<num>{_NUM})\s*号")


# words that run into a number's prefix in prose ("印发财库〔2020〕46号", "与财库〔2021〕22号")
_LEAD = re.compile(r"^(?:根据|依据|按照|参照|印发|转发|关于|执行|落实|详见|以及|与|和|及|或|的|见|即|按|依|据|经|由)+")


def _prefix(raw: str) -> str:
    trimmed = _LEAD.sub("", raw)
    return trimmed if len(trimmed) >= 1 else raw


def canonical(text: str) -> str | None:
    """The canonical form of the first document number in `text`, or None."""
    found = find_all(text)
    return found[0] if found else None


def find_all(text: str) -> list[str]:
    """Every document number in `text`, canonical, in order of appearance, without repeats."""
    hits: list[tuple[int, str]] = []
    for m in BRACKETED.finditer(text):
        hits.append((m.start(), f"{_prefix(m['prefix'])}〔{m['year']}〕{int(m['num'])}号"))
    for m in ORDER.finditer(text):
        try:
            num = cn_to_int(m["num"])
        except ValueError:
            continue
        issuer = m["issuer"]
        # "公布" and similar verbs sometimes sit in front ("2017年07月11日财政部令"): keep the tail
        for known in ("国务院", "财政部", "主席", "商务部", "国家发展和改革委员会", "国家发展改革委"):
            if issuer.endswith(known):
                issuer = known
                break
        hits.append((m.start(), f"{issuer}令第{num}号"))
    seen: list[str] = []
    for _, number in sorted(hits):
        if number not in seen:
            seen.append(number)
    return seen


def short_forms(number: str) -> list[str]:
    """How people abbreviate a number when they ask: 财政部令第87号 → 87号令; 财库〔2020〕46号 → 46号文."""
    forms: list[str] = []
    m = re.fullmatch(r"(?P<issuer>.+?)令第(?P<num>\d+)号", number)
    if m:
        forms += [f"{m['num']}号令", f"令第{m['num']}号", f"{m['issuer']}{m['num']}号令"]
    m = re.fullmatch(r"(?P<prefix>.+?)〔(?P<year>\d{4})〕(?P<num>\d+)号", number)
    if m:
        forms += [f"{m['num']}号文", f"{m['prefix']}{m['year']}{m['num']}号", f"{m['prefix']}〔{m['year']}〕{m['num']}号"]
    return forms
