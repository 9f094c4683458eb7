"""Document metadata: title, 文号, issuer, date and jurisdiction level.

Read off the document where it can be (red header "XX文件", the 文号 line, "（2017年07月11日财政部令
第87号公布…）", a law's adoption/amendment lines, the signature and date at the end), and supplied
or overridden by a sidecar (MANIFEST.tsv in the folder) or YAML front matter. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ingest.structure import Section
from kb.docnumber import find_all

_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_NPC = re.compile(r"第[\u4e00-\u9fff]+届(全国人民代表大会(?:常务委员会)?)")
_NATIONAL_ISSUER = re.compile(
    r"全国人民代表大会|国务院|财政部|工业和信息化部|公安部|商务部|市场监管总局|国家市场监督管理总局|"
    r"国家发展和?改革委|国家[\u4e00-\u9fff]{1,10}(?:局|委|部|署)|最高人民"
)
_NATIONAL_NUMBER = re.compile(r"^(?:财库|财办库|财预|国办发|国办函|国发|国函|发改|工信部)|^(?:国务院|财政部|主席|商务部)令")
_PROVINCE = re.compile(r"[\u4e00-\u9fff]{2,3}(?:省|自治区)|^(?:北京|上海|天津|重庆)市(?!.*[区县])")
_CITY = re.compile(r"[\u4e00-\u9fff]{1,6}(?:市|县|区|州|盟|旗)")

FIELDS = ("title", "doc_number", "issuer", "date", "jurisdiction")


@dataclass
class DocMeta:
    title: str = ""
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    jurisdiction: str = ""


def parse_date(text: str) -> str:
    """The first date in `text` as YYYY-MM-DD, or ""."""
    m = _DATE.search(text)
    if not m:
        return ""
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _is_date_line(line: str) -> bool:
    """A line that is only a date, perhaps with 印发/发布 after it (a signature block's last line)."""
    return bool(parse_date(line)) and len(_DATE.sub("", line).strip()) <= 4


def normalise_jurisdiction(value: str) -> str:
    v = (value or "").strip().lower()
    return {
        "national": "national", "国家": "national", "全国": "national", "中央": "national", "国家级": "national",
        "provincial": "provincial", "province": "provincial", "省": "provincial", "省级": "provincial",
        "city": "city", "市": "city", "市级": "city", "县": "city", "区县": "city", "市县": "city", "local": "city",
    }.get(v, "")


def infer_jurisdiction(issuer: str, title: str, doc_number: str) -> str:
    if title.startswith("中华人民共和国") or _NATIONAL_NUMBER.search(doc_number or ""):
        return "national"
    if issuer and _NATIONAL_ISSUER.search(issuer) and not _CITY.search(issuer) and not _PROVINCE.search(issuer):
        return "national"
    for text in (issuer, title):
        if text and _PROVINCE.search(text) and not re.search(r"[\u4e00-\u9fff]{1,6}市[\u4e00-\u9fff]*局", text):
            return "provincial"
        if text and _CITY.search(text):
            return "city"
    if issuer and _NATIONAL_ISSUER.search(issuer):
        return "national"
    return ""


def _issuer_from_number(number: str) -> str:
    m = re.match(r"^(国务院|财政部|商务部)令", number)
    if m:
        return m.group(1)
    if number.startswith(("财库", "财办库")):
        return "财政部"
    if number.startswith(("国办发", "国办函")):
        return "国务院办公厅"
    if number.startswith(("国发", "国函")):
        return "国务院"
    return ""


def extract(
    lines: list[str],
    root: Section,
    *,
    fallback_title: str,
    title_hint: str | None = None,
    front_matter: dict[str, Any] | None = None,
    sidecar: dict[str, str] | None = None,
) -> DocMeta:
    """Metadata for one document. Precedence: sidecar > front matter > the text itself."""
    head = lines[:12]
    tail = lines[-8:]
    meta = DocMeta()
    meta.title = root.meta.get("title") or (title_hint or "").strip() or fallback_title
    meta.doc_number = root.meta.get("doc_number") or next((n for line in head for n in find_all(line)), "")
    meta.issuer = root.meta.get("issuer", "")
    if not meta.issuer:
        for line in head:
            m = _NPC.search(line)
            if m:
                meta.issuer = m.group(1)
                break
    if not meta.issuer:
        meta.issuer = _issuer_from_number(meta.doc_number)
    if not meta.issuer:
        # the signature: the short line right before the closing date line
        for i in range(len(tail) - 1, 0, -1):
            if _is_date_line(tail[i]):
                prev = tail[i - 1].replace(" ", "")
                if 2 <= len(prev) <= 20 and not re.search(r"[，。；：]", prev):
                    meta.issuer = prev
                break
    # a law names every amendment in its header: the latest is the version in force
    dates = [parse_date(line) for line in head if parse_date(line)]
    annotated = [
        parse_date(line)
        for line in head
        if re.search(r"公布|通过|修正|修订|印发|发布", line) and parse_date(line) and not re.match(r"第[^条]{1,6}条", line)
    ]
    if annotated:
        meta.date = max(annotated)
    else:
        closing = [parse_date(line) for line in tail if _is_date_line(line)]
        meta.date = closing[-1] if closing else (dates[0] if dates else "")

    for source in (front_matter or {}, sidecar or {}):
        for key in FIELDS:
            value = source.get(key)
            if value is None or str(value).strip() == "":
                continue
            value = str(value).strip()
            if key == "date":
                value = parse_date(value) or value
            if key == "jurisdiction":
                value = normalise_jurisdiction(value) or value
            setattr(meta, key, value)
    if not meta.jurisdiction:
        meta.jurisdiction = infer_jurisdiction(meta.issuer, meta.title, meta.doc_number)
    return meta
