"""The checkable facts of a text, in one normal form. Pure functions.

A generated answer may only state what the provisions it cites state. The facts that matter — and
that a language model is most tempted to change — are numbers: time limits (七个工作日, 30日),
percentages (2%, 百分之十), amounts (400万元), counts (三家), dates, document numbers
(财库〔2020〕46号), article numbers (第三十三条) and the titles of documents (《…》). This module finds
them and writes each one way, so that "七个工作日" and "7个工作日" are the same fact, "百分之二" and
"2%" too, "财库[2020]46号" and "财库〔2020〕46号" too — and "十个工作日" is a different one.

* a number with a unit is a **quantity** ``(value, unit)``; units are unified (天 → 日, 个工作日 →
  工作日, 万元 → 元 × 10000) but never converted into each other (a 工作日 is not a 日);
* an Arabic number without a unit is a **bare number**; a Chinese numeral without a unit is not a
  fact (一视同仁, 统一, 一律 are words, not numbers);
* in "3至5个工作日" the 3 is a quantity of 工作日 as well as a bare number;
* ordinals (第一责任人, 第2批) are not facts; 第X条/款/项/章/节/编 are **articles**.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kb import docnumber
from kb.cn_numerals import cn_to_int
from kb.textnorm import normalize

QUANTITY, NUMBER, DOC_NUMBER, ARTICLE, TITLE = "quantity", "number", "doc_number", "article", "title"

_CN = "零〇○一二两三四五六七八九十百千万亿"
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_NUM = rf"[{_CN}][{_CN}点]*"
_NUM = rf"(?:{_ARABIC}|{_CN_NUM}|半)"  # 半 only counts before a unit: 半个月, 半年

# surface unit → (canonical unit, multiplier); longest first so "个工作日" wins over "日"
UNITS: dict[str, tuple[str, int]] = {
    "个工作日": ("工作日", 1), "工作日": ("工作日", 1), "个自然日": ("日", 1), "自然日": ("日", 1),
    "日": ("日", 1), "天": ("日", 1), "个小时": ("小时", 1), "小时": ("小时", 1), "分钟": ("分钟", 1),
    "周岁": ("周岁", 1), "个星期": ("周", 1), "星期": ("周", 1), "周": ("周", 1), "个月": ("个月", 1), "月": ("月", 1),
    "年": ("年", 1), "亿元": ("元", 10**8), "万元": ("元", 10**4), "元": ("元", 1), "倍": ("倍", 1), "%": ("%", 1),
    "家": ("家", 1), "人": ("人", 1), "名": ("名", 1), "次": ("次", 1), "成": ("%", 10),
}
# a unit followed by one of these characters is part of another word: 一次性, 人民, 名义, 家庭, 日常, 成交
_NOT_UNIT = {"次": "性", "人": "民", "名": "义", "家": "庭", "日": "常", "成": "交立本果员为"}
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_MULTIPLIER = {"万": 10**4, "亿": 10**8}

_TITLE = re.compile(r"《([^《》]{1,80})》")
_ARTICLE = re.compile(rf"第\s*({_NUM})\s*([条款项章节编目])")
_PERCENT_WORD = re.compile(rf"百分之\s*({_NUM})")
_QUANTITY = re.compile(rf"(?P<num>{_NUM})(?P<mult>(?<=\d)[万亿](?!元))?\s*(?P<unit>{_UNIT})?")
_RANGE = re.compile(r"^\s*(?:至|到|~|～|-|－|—|或者|或|、)\s*$")
_ORDINAL_BEFORE = "第"


@dataclass(frozen=True)
class Fact:
    """One checkable fact: its kind, its normal form and the text it was read from."""

    kind: str
    key: tuple
    surface: str


def number_value(text: str) -> Decimal | None:
    """An Arabic or Chinese numeral as a Decimal: "1,000" → 1000, "三十万" → 300000, "零点五" → 0.5,
    "二〇二四" → 2024, "两" → 2, "半" → 0.5; None when it is not a number."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    if text == "半":
        return Decimal("0.5")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    if "点" in text:
        whole, _, frac = text.partition("点")
        head = number_value(whole) if whole else Decimal(0)
        digits = "".join(str(cn_to_int(ch)) if ch in _CN else "" for ch in frac)
        if head is None or not digits or len(digits) != len(frac):
            return None
        return head + Decimal("0." + digits)
    try:
        total = 0
        rest = text
        for unit in ("亿", "万"):
            if unit in rest:
                high, _, rest = rest.partition(unit)
                total += (cn_to_int(high) if high else 1) * _MULTIPLIER[unit]
        return Decimal(total + (cn_to_int(rest) if rest else 0))
    except (ValueError, KeyError, InvalidOperation):
        return None


def value_key(value: Decimal) -> str:
    """One spelling per value: 7, 7.0 and 7.00 are all "7"."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def title_key(title: str) -> str:
    """A document title as people shorten it: without 中华人民共和国 and a trailing （示例）-style note."""
    t = normalize(title)
    t = re.sub(r"^中华人民共和国", "", t)
    t = re.sub(r"(?:[（(][^（）()]*[)）])+$", "", t)
    return t.strip()


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans replaced by spaces, so later patterns do not read them again."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def extract(text: str) -> list[Fact]:
    """Every checkable fact of a text, in order of kind: titles, document numbers, articles,
    percentages written out, then quantities and bare numbers."""
    t = normalize(text)
    facts: list[Fact] = []
    spans: list[tuple[int, int]] = []

    for m in _TITLE.finditer(t):
        facts.append(Fact(TITLE, (title_key(m.group(1)),), m.group(0)))
        spans.append(m.span())
    t = _blank(t, spans)

    spans = []
    for pattern in (docnumber.BRACKETED, docnumber.ORDER):
        for m in pattern.finditer(t):
            number = docnumber.canonical(m.group(0))
            if number:
                facts.append(Fact(DOC_NUMBER, (number,), m.group(0)))
                spans.append(m.span())
    t = _blank(t, spans)

    spans = []
    for m in _ARTICLE.finditer(t):
        value = number_value(m.group(1))
        if value is not None:
            facts.append(Fact(ARTICLE, (value_key(value), m.group(2)), m.group(0)))
        spans.append(m.span())
    for m in _PERCENT_WORD.finditer(t):
        value = number_value(m.group(1))
        if value is not None:
            facts.append(Fact(QUANTITY, (value_key(value), "%"), m.group(0)))
        spans.append(m.span())
    t = _blank(t, spans)

    facts += _quantities(t)
    return facts


def _quantities(t: str) -> list[Fact]:
    found: list[tuple[re.Match, Decimal, str | None]] = []  # (match, value, canonical unit or None)
    for m in _QUANTITY.finditer(t):
        num = m.group("num")
        if m.start() > 0 and t[m.start() - 1] == _ORDINAL_BEFORE:
            continue  # 第一责任人, 第2批: ordinals
        if num[0] in "万亿":
            continue  # "万一", a table's "单位：万元": words, not numbers
        unit_text = m.group("unit")
        following = t[m.end() : m.end() + 1]
        if unit_text and following and following in _NOT_UNIT.get(unit_text, ""):
            unit_text = None
        value = number_value(num)
        if value is None:
            continue
        unit = None
        if unit_text:
            unit, multiplier = UNITS[unit_text]
            value *= multiplier
        if m.group("mult"):
            value *= _MULTIPLIER[m.group("mult")]
        found.append((m, value, unit))

    facts: list[Fact] = []
    for i, (m, value, unit) in enumerate(found):
        is_cn = not m.group("num")[0].isdigit()
        nxt = found[i + 1] if i + 1 < len(found) else None
        # "3至5个工作日", "三至五日": the first number takes the unit of the second
        ranged = unit is None and nxt is not None and nxt[2] is not None and _RANGE.match(t[m.end() : nxt[0].start()])
        if unit is not None:
            facts.append(Fact(QUANTITY, (value_key(value), unit), m.group(0).strip()))
        elif ranged:
            facts.append(Fact(QUANTITY, (value_key(value), nxt[2]), m.group(0).strip()))
        elif is_cn:
            continue  # a Chinese numeral without a unit is a word (一律, 统一), not a claim
        if not is_cn or ranged:
            if unit is None:
                facts.append(Fact(NUMBER, (value_key(value),), m.group("num")))
    return facts


_BRACKETED_NUMBER = re.compile(r"^(?P<prefix>.*?)(?P<rest>〔\d{4}〕\d+号)$")


def same_document_number(a: str, b: str) -> bool:
    """Canonical 文号 name the same document: equal, or the same 〔year〕number with one issuer
    code ending the other ("财库〔2020〕46号" read out of "…第九条财库〔2020〕46号" keeps a word in front)."""
    if a == b:
        return True
    ma, mb = _BRACKETED_NUMBER.match(a), _BRACKETED_NUMBER.match(b)
    if not (ma and mb) or ma["rest"] != mb["rest"] or not ma["prefix"] or not mb["prefix"]:
        return False
    return ma["prefix"].endswith(mb["prefix"]) or mb["prefix"].endswith(ma["prefix"])


@dataclass
class Evidence:
    """The facts a set of provisions supports, ready for membership tests."""

    quantities: set[tuple] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)  # every value, of any kind: a bare number matches any of them
    doc_numbers: set[str] = field(default_factory=set)
    articles: set[tuple] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, text: str, titles: tuple[str, ...] = ()) -> "Evidence":
        ev = cls(titles={title_key(t) for t in titles if t})
        for f in extract(text):
            ev.add(f)
        return ev

    def add(self, f: Fact) -> None:
        if f.kind == QUANTITY:
            self.quantities.add(f.key)
            self.numbers.add(f.key[0])
        elif f.kind == NUMBER:
            self.numbers.add(f.key[0])
        elif f.kind == DOC_NUMBER:
            self.doc_numbers.add(f.key[0])
            self.numbers.update(value_key(Decimal(n)) for n in re.findall(r"\d+", f.key[0]))  # "87号令" names 财政部令第87号
        elif f.kind == ARTICLE:
            self.articles.add(f.key)
            self.numbers.add(f.key[0])
        elif f.kind == TITLE:
            self.titles.add(f.key[0])

    def merge(self, other: "Evidence") -> "Evidence":
        return Evidence(self.quantities | other.quantities, self.numbers | other.numbers, self.doc_numbers | other.doc_numbers,
                        self.articles | other.articles, self.titles | other.titles)

    def supports(self, f: Fact) -> bool:
        if f.kind == QUANTITY:
            return f.key in self.quantities
        if f.kind == NUMBER:
            return f.key[0] in self.numbers
        if f.kind == DOC_NUMBER:
            return any(same_document_number(f.key[0], known) for known in self.doc_numbers)
        if f.kind == ARTICLE:
            return f.key in self.articles
        if f.kind == TITLE:
            return f.key[0] in self.titles
        return False
