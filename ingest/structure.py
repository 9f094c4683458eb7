"""Structure parsing for Chinese policy documents.

Turns cleaned lines into a tree of sections, the way a reader of the document sees it:

* **parts** — the document itself, a document it forwards (转发, a second "XX文件" red header with
  its own 文号), a measure it issues (a title line such as "…工作方案" after the covering notice) and
  its attachments (附件, 附1). Every part keeps its title and 文号, so a chunk of the attached
  办法 still knows the notice that issued it;
* **headings** — 第X编/章/节, and Markdown headings that carry no outline marker;
* **articles** — 第X条 with everything up to the next article; 款 and （一）项 stay inside;
* **outline items** — 一、 / （一） / 1. / （1） / ① in notices and plans, nested by the order in which
  marker kinds appear, the way a reader infers it;
* **tables** — tab-separated rows; a header row names the columns, single-cell rows group the rows
  under them ("一、构建公平竞争环境"), rows continued across a page break are merged back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from ingest.clean import BLOCK_START, ends_sentence, looks_like_title
from kb.cn_numerals import NUMERAL_CHARS, cn_to_int
from kb.docnumber import BRACKETED, ORDER, find_all
from kb.textnorm import squeeze_cjk_spaces

_N = NUMERAL_CHARS
_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_BOLD = re.compile(r"\*\*|__")
_STRUCT = re.compile(rf"^第\s*([{_N}\d]+)\s*([编章节])(?:\s+|$)(.*)$")
_ARTICLE = re.compile(rf"^第\s*([{_N}\d]+)\s*条(?:\s+|　|$)(.*)$")
_ARTICLE_TIGHT = re.compile(rf"^第([{_N}\d]+)条(.*)$")
_RED_HEADER = re.compile(r"^[\u4e00-\u9fff（）()]{2,24}文件$")
_ATTACHMENT = re.compile(r"^附\s*件\s*(\d*)\s*[:：]?$|^附\s*(\d+)\s*[:：]?$")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日(?:印发|发布|公布)?$")
_TITLE_WORD = re.compile(r"(?:通知|方案|办法|规定|细则|条例|决定|意见|规则|指引|公告|通告|法|标准|目录|规划|计划|要点|函|（[^（）]{1,20}）)$")
_TABLE_CAPTION = re.compile(r"(?:表|清单|目录)$")

# outline markers: kind, regex (the rest of the line is group "rest")
_OUTLINE = [
    ("cn", re.compile(rf"^([{_N}]+)\s*[、．.]\s*(?P<rest>.*)$")),
    ("pcn", re.compile(rf"^[（(]\s*([{_N}]+)\s*[）)]\s*(?P<rest>.*)$")),
    ("num", re.compile(r"^(\d{1,3})\s*[、．.](?!\d)\s*(?P<rest>.*)$")),
    ("pnum", re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]\s*(?P<rest>.*)$")),
    ("circ", re.compile(r"^([①-⑳])\s*(?P<rest>.*)$")),
]
_BODY_AFTER_TITLE = re.compile(r"^(?P<title>[^。！？；]{2,32}?)[。！？](?P<body>.+)$")


@dataclass
class Section:
    """A node of the document tree."""

    kind: str  # "part" | "heading" | "article" | "item" | "table" | "row"
    label: str = ""  # how the node appears in a section path
    heading: str = ""  # a heading line shown above the node's text (Q of a FAQ item, a 节 title)
    lines: list[str] = field(default_factory=list)  # the node's own display text, one paragraph each
    children: list["Section"] = field(default_factory=list)
    number: int | None = None  # article number or item number
    marker: str = ""  # outline marker kind, for nesting
    depth: int = 0  # 1 编, 2 章, 3 节 for headings; markdown level for plain headings
    meta: dict = field(default_factory=dict)  # part: title/doc_number/issuer/date/attachment; row: cells

    def walk(self) -> Iterator["Section"]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def has_content(self) -> bool:
        return bool(self.lines or self.children)


def _strip_md(line: str) -> str:
    return _BOLD.sub("", line).strip()


def _outline(line: str) -> tuple[str, str, str] | None:
    """(kind, marker text, rest) when the line starts with an outline marker."""
    for kind, rx in _OUTLINE:
        m = rx.match(line)
        if m:
            return kind, line[: m.start("rest")].strip(), m["rest"]
    return None


def _item_label(marker: str, rest: str) -> tuple[str, str]:
    """Split an outline line into (label, remaining text).

    "18. 提升合同履行效率。明确…" → ("18. 提升合同履行效率", whole line kept as text);
    "三、工作任务" → ("三、工作任务", ""); "（一）以供应商的所有制形式…；" → ("（一）", whole line).
    """
    if "。" not in rest and not rest.endswith(("；", ";", "：", ":", "，")) and len(rest) <= 50:
        return f"{marker}{rest}".strip(), ""
    m = _BODY_AFTER_TITLE.match(rest)
    if m and ("，" not in m["title"] or len(m["title"]) <= 12):
        return f"{marker}{m['title']}".strip(), rest
    return marker, rest


class _Parser:
    def __init__(self, default_title: str = "") -> None:
        self.root = Section(kind="part", meta={"title": "", "doc_number": "", "issuer": "", "date": ""})
        self.default_title = default_title
        self.part = self.root
        self.heads: list[Section] = []  # open 编/章/节/markdown headings of the current part
        self.items: list[Section] = []  # open outline items
        self.article: Section | None = None
        self.table: Section | None = None
        self.pending_caption: str | None = None

    # -- containers -------------------------------------------------------------------------
    def container(self) -> Section:
        if self.article is not None:
            return self.article
        if self.items:
            return self.items[-1]
        if self.heads:
            return self.heads[-1]
        return self.part

    def _close_outline(self) -> None:
        self.article = None
        self.items = []

    def _start_part(self, parent: Section, **meta: str) -> Section:
        part = Section(kind="part", meta={"title": "", "doc_number": "", "issuer": "", "date": "", **meta})
        parent.children.append(part)
        self.part = part
        self.heads, self.items, self.article, self.table = [], [], None, None
        return part

    def _part_chain(self) -> list[Section]:
        """The current part and the parts above it, innermost first."""
        chain = [self.part]
        while chain[-1] is not self.root:
            chain.append(self._parent_part(chain[-1]))
        return chain

    def _parent_part(self, of: Section) -> Section:
        for node in self.root.walk():
            if of in node.children:
                return node
        return self.root

    # -- line handlers ----------------------------------------------------------------------
    def feed(self, raw: str) -> None:
        if "\t" in raw:
            self._table_row(raw)
            return
        if self.table is not None:
            self._end_table()
        line = raw.strip()
        md = _MD_HEADING.match(line)
        if md:
            self._markdown_heading(len(md.group(1)), _strip_md(md.group(2)))
            return
        line = _strip_md(line)
        if not line:
            return
        if self._part_signal(line):
            return
        m = _STRUCT.match(line)
        if m and len(m.group(3)) <= 40 and "。" not in m.group(3):
            self._struct_heading(m.group(1), m.group(2), m.group(3))
            return
        m = _ARTICLE.match(line) or _ARTICLE_TIGHT.match(line)
        if m and self._is_article(m.group(1), m.group(2)):
            self._article(m.group(1), line)
            return
        if self.article is None:
            found = _outline(line)
            if found:
                self._outline_item(*found)
                return
        self._paragraph(line)

    def _part_signal(self, line: str) -> bool:
        """Red headers, document numbers, attachment markers, part titles. True when consumed."""
        part = self.part
        if _RED_HEADER.match(line):
            if part.has_content or part.meta["title"]:
                part = self._start_part(self.part)
            part.meta["issuer"] = line[: -len("文件")]
            return True
        numbers = find_all(line)
        if numbers and _is_number_line(line):
            if part.meta["doc_number"] and (part.has_content or part.meta["title"]):
                part = self._start_part(self.part)
            part.meta["doc_number"] = numbers[0]
            return True
        m = _ATTACHMENT.match(line)
        if m:
            kind = "附件" if line.lstrip().startswith("附件") or line.replace(" ", "").startswith("附件") else "附"
            parent = self.part
            sibling = next((p for p in self._part_chain() if p.meta.get("attachment") == kind), None)
            if sibling is not None:
                parent = self._parent_part(sibling)
            self._start_part(parent, attachment=kind, label=re.sub(r"\s+|[:：]", "", line))
            return True
        if not part.meta["title"] and not part.lines and self._titleish(line):
            part.meta["title"] = squeeze_cjk_spaces(line)
            return True
        if (
            part.meta["title"]
            and (part.lines or part.children)
            and self.article is None
            and self._titleish(line)
            and not _TABLE_CAPTION.search(line)
            and _TITLE_WORD.search(line)
            and not _outline(line)
        ):
            # a measure issued or forwarded by the notice above it ("…工作方案" after "关于印发…的通知")
            new = self._start_part(self.part)
            new.meta["title"] = squeeze_cjk_spaces(line)
            return True
        return False

    @staticmethod
    def _titleish(line: str) -> bool:
        if len(line) > 100 or "。" in line or "，" in line or BLOCK_START.match(line) or _DATE_LINE.match(line):
            return False
        return bool(_TITLE_WORD.search(line)) or (len(line) <= 40 and "：" not in line and ":" not in line)

    def _markdown_heading(self, level: int, text: str) -> None:
        if not text:
            return
        if not self.part.meta["title"] and not self.part.lines and not self.heads and self._titleish(text):
            self.part.meta["title"] = squeeze_cjk_spaces(text)
            return
        m = _STRUCT.match(text)
        if m:
            self._struct_heading(m.group(1), m.group(2), m.group(3))
            return
        m = _ARTICLE.match(text)
        if m and self._is_article(m.group(1), m.group(2)):
            self._article(m.group(1), text)
            return
        found = _outline(text)
        if found:
            self._outline_item(*found, force_heading=True)
            return
        if self.part.has_content and _TITLE_WORD.search(text) and level <= 2 and self._titleish(text):
            new = self._start_part(self.part)
            new.meta["title"] = squeeze_cjk_spaces(text)
            return
        self._close_outline()
        node = Section(kind="heading", label=squeeze_cjk_spaces(text), depth=10 + level)
        self._push_heading(node)

    def _struct_heading(self, num: str, unit: str, rest: str) -> None:
        self._close_outline()
        depth = {"编": 1, "章": 2, "节": 3}[unit]
        label = f"第{num}{unit} {squeeze_cjk_spaces(rest.strip())}".strip()
        self._push_heading(Section(kind="heading", label=label, depth=depth))

    def _push_heading(self, node: Section) -> None:
        while self.heads and self.heads[-1].depth >= node.depth:
            self.heads.pop()
        (self.heads[-1] if self.heads else self.part).children.append(node)
        self.heads.append(node)

    def _is_article(self, num: str, rest: str) -> bool:
        try:
            n = cn_to_int(num)
        except ValueError:
            return False
        last = self.article.number if self.article is not None else None
        # cross references ("第二十二条规定的…") start lines too; real articles continue the count
        if rest.startswith(("规定", "的规定", "所称", "第")):
            return last is not None and n == last + 1
        return True

    def _article(self, num: str, line: str) -> None:
        self.items = []
        n = cn_to_int(num)
        node = Section(kind="article", label=f"第{num}条", number=n, lines=[line])
        (self.heads[-1] if self.heads else self.part).children.append(node)
        self.article = node

    def _outline_item(self, kind: str, marker: str, rest: str, force_heading: bool = False) -> None:
        label, text = _item_label(marker, rest)
        if force_heading and text:
            label, text = f"{marker}{rest}".strip(), ""
        try:
            number = cn_to_int(re.sub(r"[^\d" + _N + "]", "", marker)) if kind != "circ" else None
        except ValueError:
            number = None
        if kind in ("num", "pnum") and label != marker:
            label = f"{marker} {label[len(marker):]}"
        node = Section(kind="item", label=squeeze_cjk_spaces(label), marker=kind, number=number)
        if text:
            node.lines.append(f"{marker}{text}" if not text.startswith(marker) else text)
        while self.items and kind in {i.marker for i in self.items}:
            if self.items.pop().marker == kind:
                break
        parent = self.items[-1] if self.items else (self.heads[-1] if self.heads else self.part)
        parent.children.append(node)
        self.items.append(node)

    def _paragraph(self, line: str) -> None:
        if _DATE_LINE.match(line) or line.startswith("特此"):
            # signature blocks belong to the document part, not to the last item of the outline
            self._close_outline()
            self.part.lines.append(line)
            return
        self.container().lines.append(line)

    # -- tables -----------------------------------------------------------------------------
    def _table_row(self, raw: str) -> None:
        cells = [squeeze_cjk_spaces(c.strip()) for c in raw.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if self.table is None:
            caption = ""
            holder = self.container()
            if holder.lines and _TABLE_CAPTION.search(holder.lines[-1]) and looks_like_title(holder.lines[-1]):
                caption = squeeze_cjk_spaces(holder.lines.pop())
                self._close_outline()
                self.heads = []
                holder = self.part
            self.table = Section(kind="table", label=caption or "表格", meta={"header": cells, "group": ""})
            holder.children.append(self.table)
            return
        table = self.table
        nonempty = [i for i, c in enumerate(cells) if c]
        if not nonempty:
            return
        if raw.startswith("\t") and table.children:
            # a row continued after a page break: append cell by cell
            last = table.children[-1].meta["cells"]
            for i, c in enumerate(cells):
                if c:
                    target = _continued_cell(last, i)
                    while len(last) <= target:
                        last.append("")
                    last[target] = (last[target] + c) if last[target] else c
            return
        if len(nonempty) == 1 and nonempty[0] == 0 and _outline(cells[0]):
            table.meta["group"] = cells[0]
            return
        table.children.append(Section(kind="row", meta={"cells": cells, "group": table.meta["group"]}))

    def _end_table(self) -> None:
        table = self.table
        self.table = None
        if table is None:
            return
        header = table.meta["header"]
        for row in table.children:
            cells = row.meta["cells"]
            key = cells[0] if cells and len(cells[0]) <= 6 else str(table.children.index(row) + 1)
            name = cells[1] if len(cells) > 1 and len(cells[1]) <= 30 else ""
            row.label = f"第{key}行" + (f"（{name}）" if name else "")
            pairs = []
            for i, c in enumerate(cells):
                if not c:
                    continue
                col = header[i] if i < len(header) and header[i] else f"第{i + 1}列"
                pairs.append(f"{col}：{c}")
            row.lines = pairs

    def finish(self) -> Section:
        if self.table is not None:
            self._end_table()
        if not self.root.meta["title"]:
            self.root.meta["title"] = self.default_title
        return self.root


def _continued_cell(cells: list[str], i: int) -> int:
    """Which cell of the previous row a continuation cell at column `i` belongs to.

    Page breaks shift continued text into the wrong column; the right one is the nearest long
    cell that stops mid-sentence.
    """
    open_cells = [j for j, c in enumerate(cells) if len(c) >= 15 and not ends_sentence(c)]
    if not open_cells:
        return i
    right = [j for j in open_cells if j >= i]
    return min(right) if right else max(open_cells)


def _is_number_line(line: str) -> bool:
    """A line that is nothing but a document number (with optional brackets or emphasis)."""
    rest = BRACKETED.sub("", line)
    rest = ORDER.sub("", rest)
    return len(re.sub(r"[\s*（）()【】\[\]]", "", rest)) <= 2


def parse(lines: list[str], default_title: str = "") -> Section:
    """Parse cleaned lines (see :func:`ingest.clean.clean_text`) into a tree rooted at the document part."""
    parser = _Parser(default_title)
    for line in lines:
        parser.feed(line)
    return parser.finish()


def outline(root: Section, indent: str = "  ") -> str:
    """A readable dump of the tree, for debugging and for tests."""
    out: list[str] = []

    def visit(node: Section, depth: int) -> None:
        name = node.meta.get("title") if node.kind == "part" else node.label
        out.append(f"{indent * depth}{node.kind}: {name}" + (f" [{node.meta.get('doc_number')}]" if node.kind == "part" and node.meta.get("doc_number") else ""))
        for child in node.children:
            visit(child, depth + 1)

    visit(root, 0)
    return "\n".join(out)
