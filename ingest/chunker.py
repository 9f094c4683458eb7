"""Cut a parsed document into chunks that each answer something and can be cited exactly.

* an article is one chunk; a long one is split at 款/项 boundaries with one paragraph of overlap,
  each part labelled "第X条（第2/3部分）" and sharing a group key so the whole article can be
  recalled;
* an outline item whose text (with its sub-items) fits is one chunk; otherwise its intro and short
  sub-items are packed together and long sub-items become chunks of their own;
* a table row is one chunk, its cells written as "列名：值";
* loose paragraphs of a part or heading (a covering notice, a preamble) are packed up to the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.structure import Section
from kb.models import Chunk, chunk_id

_SENTENCE_END = re.compile(r"(?<=[。；！？;!?])")


@dataclass
class DocInfo:
    doc_id: str
    source: str
    title: str
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    jurisdiction: str = ""


@dataclass
class _Part:
    title: str  # the (sub-)document's title, as cited
    path_name: str  # as shown in a section path ("附件 示例办法")
    doc_number: str
    issuer: str


@dataclass
class _Ctx:
    parts: list[_Part]  # from outermost to innermost
    heads: list[str]  # heading labels inside the innermost part


def _size(lines: list[str]) -> int:
    return sum(len(x) for x in lines)


def _subtree_lines(node: Section) -> list[str]:
    out = _own_lines(node)
    for child in node.children:
        out += _subtree_lines(child)
    return out


def _own_lines(node: Section) -> list[str]:
    """The node's display text, with its heading line in front when the text does not start with it."""
    if node.kind in ("part", "table"):
        return list(node.lines)
    if node.kind == "row":
        return list(node.lines)
    lines = list(node.lines)
    if node.kind == "item" or node.kind == "heading":
        if node.label and (not lines or not _starts_with_label(lines[0], node.label)):
            lines = [node.label] + lines
    return lines


def _header_lines(part: Section) -> list[str]:
    """The red header and 文号 lines the parser read into the part's metadata ("许昌市财政局文件",
    "许财购〔2023〕1号"), given back to its opening passage so that "文号是多少" can be answered by
    quoting the document; a number the opening already states is not repeated."""
    issuer, number = part.meta.get("issuer", ""), part.meta.get("doc_number", "")
    body = "".join(part.lines)
    return [line for line in (f"{issuer}文件" if issuer else "", number) if line and line not in body]


def _starts_with_label(line: str, label: str) -> bool:
    a = re.sub(r"\s", "", line)
    b = re.sub(r"\s", "", label)
    return a.startswith(b) or a.startswith(b[:3])


class Chunker:
    """Configuration in __init__, data in run()."""

    def __init__(self, max_chars: int = 600, min_chars: int = 120) -> None:
        self.max_chars = max_chars
        self.min_chars = min_chars

    def run(self, root: Section, doc: DocInfo) -> list[Chunk]:
        self._doc = doc
        self._out: list[Chunk] = []
        self._ids: set[str] = set()
        title = root.meta.get("title") or doc.title
        self._visit_part(root, _Ctx(parts=[], heads=[]), title)
        return self._out

    # -- traversal ---------------------------------------------------------------------------
    def _visit_part(self, part: Section, ctx: _Ctx, title: str | None = None) -> None:
        name = title or part.meta.get("title") or part.meta.get("label") or self._doc.title
        label = part.meta.get("label", "")
        path_name = f"{label} {name}" if label and not name.startswith(label) else name
        here = _Part(name, path_name, part.meta.get("doc_number", ""), part.meta.get("issuer", ""))
        inner = _Ctx(parts=ctx.parts + [here], heads=[])
        self._emit_paragraphs(_header_lines(part) + part.lines if part.lines else [], inner, "")
        for child in part.children:
            self._visit(child, inner)

    def _visit(self, node: Section, ctx: _Ctx) -> None:
        if node.kind == "part":
            self._visit_part(node, ctx)
        elif node.kind == "heading":
            inner = _Ctx(ctx.parts, ctx.heads + [node.label])
            self._emit_paragraphs(node.lines, inner, "")
            for child in node.children:
                self._visit(child, inner)
        elif node.kind == "article":
            self._emit_unit(node.lines, ctx, node.label, kind="article", article=node.number)
        elif node.kind == "item":
            self._visit_item(node, ctx)
        elif node.kind == "table":
            inner = _Ctx(ctx.parts, ctx.heads + [node.label])
            for row in node.children:
                group = row.meta.get("group")
                heads = inner.heads + ([group] if group else [])
                self._emit_unit(row.lines, _Ctx(inner.parts, heads), row.label, kind="row")

    def _visit_item(self, node: Section, ctx: _Ctx) -> None:
        lines = _subtree_lines(node)
        if not node.children or (
            _size(lines) <= self.max_chars and not any(self._stands_alone(c) for c in node.children)
        ):
            self._emit_unit(lines, ctx, node.label, kind="item")
            return
        inner = _Ctx(ctx.parts, ctx.heads + [node.label])
        # the item's own lines and its short sub-items are packed; long sub-items stand alone
        pack: list[tuple[str, list[str]]] = []
        own = _own_lines(node)
        if own and (len(own) > 1 or node.lines):
            pack.append(("", own))
        for child in node.children:
            child_lines = _subtree_lines(child)
            if child.kind == "item" and not self._stands_alone(child):
                if pack and _size([x for _, ls in pack for x in ls]) + _size(child_lines) > self.max_chars:
                    self._flush_pack(pack, inner, node)
                    pack = []
                pack.append((child.label, child_lines))
            else:
                if pack:
                    self._flush_pack(pack, inner, node)
                    pack = []
                self._visit(child, inner)
        if pack:
            self._flush_pack(pack, inner, node)

    def _stands_alone(self, node: Section) -> bool:
        """A sub-item is its own chunk when it has a title of its own ("18. 提升合同履行效率") or
        is long; bare list entries ("（五）要求供应商购买指定软件…；") are packed with their siblings."""
        if node.kind != "item":
            return True
        titled = len(re.sub(r"\s", "", node.label)) > len(_marker(node.label)) + 1
        if titled and (node.lines or any(self._stands_alone(c) for c in node.children)):
            return True
        return _size(_subtree_lines(node)) >= self.max_chars // 2

    def _flush_pack(self, pack: list[tuple[str, list[str]]], ctx: _Ctx, parent: Section) -> None:
        labels = [label for label, _ in pack if label]
        lines = [x for _, ls in pack for x in ls]
        if not labels:
            leaf = "引言"
        elif len(labels) == 1:
            leaf = labels[0]
        else:
            leaf = f"{_marker(labels[0])}至{_marker(labels[-1])}"
        if pack[0][0] == "" and parent.label not in lines[0]:
            lines = [parent.label] + lines
        self._emit_unit(lines, ctx, leaf, kind="item")

    # -- emitting ----------------------------------------------------------------------------
    def _emit_paragraphs(self, lines: list[str], ctx: _Ctx, label: str) -> None:
        if not lines:
            return
        for piece in self._windows(lines, overlap=False):
            self._add(piece, ctx, label, kind="text")

    def _emit_unit(self, lines: list[str], ctx: _Ctx, label: str, *, kind: str, article: int | None = None) -> None:
        if not lines:
            return
        if _size(lines) <= self.max_chars:
            self._add(lines, ctx, label, kind=kind, article=article)
            return
        pieces = self._windows(lines, overlap=True)
        group = chunk_id(self._doc.doc_id, " > ".join(h for h in ctx.heads) + label, "group")
        for i, piece in enumerate(pieces, 1):
            part_label = f"{label}（第{i}/{len(pieces)}部分）" if label else f"第{i}/{len(pieces)}部分"
            self._add(piece, ctx, part_label, kind=kind, article=article, group=group, part=(i, len(pieces)))

    def _windows(self, lines: list[str], *, overlap: bool) -> list[list[str]]:
        """Greedy windows of whole paragraphs (sentences when a paragraph alone is too long)."""
        units: list[str] = []
        for line in lines:
            if len(line) <= self.max_chars:
                units.append(line)
            else:
                units += [s for s in _SENTENCE_END.split(line) if s]
        windows: list[list[str]] = []
        current: list[str] = []
        for unit in units:
            if current and _size(current) + len(unit) > self.max_chars:
                windows.append(current)
                current = [self._overlap(current[-1])] if overlap else []
            current.append(unit)
        if current:
            windows.append(current)
        return windows

    def _overlap(self, unit: str) -> str:
        """What the next part repeats of the previous one: the last paragraph when short, else its
        last sentence, else its tail."""
        limit = self.max_chars // 3
        if len(unit) <= limit:
            return unit
        last = [s for s in _SENTENCE_END.split(unit) if s.strip()][-1]
        return last if len(last) <= limit else unit[-limit:]

    def _add(
        self,
        lines: list[str],
        ctx: _Ctx,
        label: str,
        *,
        kind: str,
        article: int | None = None,
        group: str = "",
        part: tuple[int, int] = (0, 0),
    ) -> None:
        doc = self._doc
        text = "\n".join(lines)
        title = ctx.parts[-1].title
        doc_number = next((p.doc_number for p in reversed(ctx.parts) if p.doc_number), "") or doc.doc_number
        issuer = next((p.issuer for p in reversed(ctx.parts) if p.issuer), "") or doc.issuer
        path = [p.path_name for p in ctx.parts] + ctx.heads + ([label] if label else [])
        section = " > ".join(path)
        parents = "；".join(f"{p.title}（{p.doc_number}）" if p.doc_number else p.title for p in ctx.parts[:-1])
        salt = 0
        cid = chunk_id(doc.doc_id, section, text)
        while cid in self._ids:
            salt += 1
            cid = chunk_id(doc.doc_id, section, text, salt)
        self._ids.add(cid)
        self._out.append(
            Chunk(
                id=cid,
                doc_id=doc.doc_id,
                source=doc.source,
                ordinal=len(self._out),
                kind=kind,
                text=text,
                section=section,
                label=label,
                title=title,
                doc_number=doc_number,
                headings=" > ".join(ctx.heads),
                parents=parents,
                article=article,
                group=group,
                part=part[0],
                parts=part[1],
                issuer=issuer,
                date=doc.date,
                jurisdiction=doc.jurisdiction,
            )
        )


def _marker(label: str) -> str:
    m = re.match(r"^([（(]?[\d一二三四五六七八九十百]+[）)]?[、．.]?)", label)
    return m.group(1).rstrip("、．.") if m else label[:6]
