"""HTML pages (.html/.htm): visible text in reading order, one block per line."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from chunfeng.errors import FileLoadError
from ingest.loaders import LoadedText
from ingest.loaders.encoding import decode_bytes

# not reading text; <head> goes too (its <title> and <meta> are read before dropping it)
_DROPPED = "head title script style nav header footer noscript template iframe object".split()
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CELLS = ["th", "td"]
_BLOCKS = frozenset(
    "p div li ul ol dl dt dd section article main aside blockquote pre form fieldset figure "
    "figcaption address center hr caption body html".split()
)

# <meta charset="gbk"> or <meta http-equiv="Content-Type" content="text/html; charset=gb2312">
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.IGNORECASE)
# gb2312 pages routinely hold characters outside gb2312; gb18030 is the superset that reads them
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "gb_2312-80", "x-gb2312", "euc-cn"}

# <meta name=...> (lower-cased) → front-matter key
_META_NAMES = {
    "title": "title",
    "keywords": "keywords",
    "description": "description",
    "articletitle": "title",
    "pubdate": "date",
    "contentsource": "issuer",
}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")

_SPACES = re.compile(r"[ \t\n\r\f\xa0]+")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
# a source line break between two Chinese characters is layout, not a space
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f\xa0]*\n\s*(?=[{_CJK}])")


def load_html(path: Path) -> LoadedText:
    """Load an HTML page."""
    text, encoding = _decode(path.read_bytes())
    soup = BeautifulSoup(text, "html.parser")
    front_matter = _meta(soup)
    title_hint = _title(soup)
    for tag in soup.find_all(_DROPPED):
        tag.decompose()

    lines: list[str] = []
    _Walker(lines).walk(soup.body or soup)
    body = "\n".join(lines)
    if not body.strip():
        raise FileLoadError("网页中没有可读取的文字（正文为空）", code="empty")
    return LoadedText(
        text=body, format="html", encoding=encoding, front_matter=front_matter, title_hint=title_hint
    )


def _decode(data: bytes) -> tuple[str, str]:
    """A BOM or valid UTF-8 wins; then the page's declared charset; then guessing.

    Valid UTF-8 beats the declaration because pages re-saved by an editor often keep a stale
    ``charset=gb2312`` line, and GBK text is practically never valid UTF-8.
    """
    declared = _META_CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            name = declared.group(1).decode("ascii").lower()
            name = "gb18030" if name in _GB_FAMILY else name
            try:
                return data.decode(name).replace("\r\n", "\n").replace("\r", "\n"), name
            except (LookupError, UnicodeDecodeError):
                pass  # unknown or wrong declaration: guess below
    return decode_bytes(data)


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = _META_NAMES.get(str(tag.get("name", "")).strip().lower())
        content = " ".join(str(tag.get("content", "")).split())
        if key is None or not content:
            continue
        if key == "date":
            date = _DATE.search(content)
            if date is None:
                continue
            content = "{}-{:0>2}-{:0>2}".format(*date.groups())
        if str(tag.get("name")).strip().lower() == "title":
            found.setdefault(key, content)  # the gov-site ArticleTitle wins over a generic title
        else:
            found[key] = content
    return found


def _title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if tag is not None:
            text = _block_text(tag)
            if text:
                return text
    return None


def _block_text(tag: Tag) -> str:
    """All text of ``tag`` on one line (inner blocks joined by a space)."""
    lines: list[str] = []
    _Walker(lines).walk(tag)
    return " ".join(lines)


class _Walker:
    """Collects lines: a block element starts and ends a line, inline text accumulates."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.buffer: list[str] = []

    def walk(self, block: Tag) -> None:
        self.flush()
        self._children(block)
        self.flush()

    def _children(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                self._element(child)
            elif type(child) is NavigableString:
                # comments, doctype and CDATA are NavigableString subclasses, not visible text
                self.buffer.append(str(child))

    def _element(self, tag: Tag) -> None:
        name = tag.name
        if name == "br":
            self.flush()
        elif name in _HEADINGS:
            self.flush()
            text = _block_text(tag)
            if text:
                self.lines.append(f"{'#' * _HEADINGS[name]} {text}")
        elif name == "table":
            self.flush()
            self._table(tag)
        elif name == "pre":
            self.flush()
            self.lines.extend(line.rstrip() for line in tag.get_text().split("\n") if line.strip())
        elif name in _BLOCKS:
            self.walk(tag)
        else:
            self._children(tag)  # inline: its text joins the current line

    def _table(self, table: Tag) -> None:
        for child in table.find_all(["caption", "tr"]):
            if child.find_parent("table") is not table:
                continue  # a nested table is flattened into its enclosing cell
            if child.name == "caption":
                text = _block_text(child)
                if text:
                    self.lines.append(text)
                continue
            # collapse whitespace inside a cell: a tab or newline there would break the row
            cells = [" ".join(_block_text(td).split()) for td in child.find_all(_CELLS, recursive=False)]
            if any(cells):
                self.lines.append("\t".join(cells))

    def flush(self) -> None:
        # whitespace is judged on the whole line: a break may sit between two inline elements
        line = _SPACES.sub(" ", _CJK_BREAK.sub("", "".join(self.buffer))).strip(" ")
        self.buffer.clear()
        if line.strip():
            self.lines.append(line)
