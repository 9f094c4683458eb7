"""Word files (.docx): paragraphs and tables in document order."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.table import Table

from chunfeng.errors import FileLoadError, SkippedFile
from ingest.loaders import LoadedText

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary Office (.doc) files start so


def load_docx(path: Path) -> LoadedText:
    """Load a .docx file."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise FileLoadError("文件为空，没有可读取的文字", code="empty")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # PackageNotFoundError, KeyError, BadZipFile, lxml errors, ...
        raise FileLoadError(
            f"无法读取 Word 文件（文件已损坏或不是 .docx 格式）：{_detail(path, head, exc)}；"
            "请用 Word/WPS 重新另存为 .docx 后再导入",
            code="corrupt",
        ) from exc

    lines = _collapse_blank_lines(_body_lines(document))
    text = "\n".join(lines)
    if not text.strip():
        raise SkippedFile("Word 文件中没有文字", code="no_text")

    title = (document.core_properties.title or "").strip()
    return LoadedText(
        text=text,
        format="docx",
        front_matter={"title": title} if title else {},
        title_hint=title or None,
    )


def _detail(path: Path, head: bytes, exc: Exception) -> str:
    if head.startswith(_OLE_MAGIC):
        return "这是旧版 Word 97-2003 (.doc) 文件，只是扩展名改成了 .docx"
    if not zipfile.is_zipfile(path):
        return "文件不是 .docx 应有的 zip 压缩包结构"
    # keep it short: python-docx messages can quote the whole path or a long XML snippet
    message = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _body_lines(document) -> Iterator[str]:
    yield from _block_lines(document.element.body, document)


def _block_lines(container, parent) -> Iterator[str]:
    """Paragraphs and tables of ``container`` in document order."""
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            # a tab in running text is alignment; in our text a tab means "table cell"
            yield _paragraph_text(child).replace("\t", " ")
        elif child.tag == qn("w:tbl"):
            yield from _table_lines(Table(child, parent))
        elif child.tag == qn("w:sdt"):
            # content controls (common in templates) wrap ordinary paragraphs and tables
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _block_lines(content, parent)


def _table_lines(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # a horizontally merged cell is returned once per grid column it spans
            if cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(_cell_text(cell))
        if any(cells):
            yield "\t".join(cells)


def _paragraph_text(p) -> str:
    # python-docx's Paragraph.text reads only direct runs and hyperlinks; tracked insertions,
    # inline content controls, smart tags and fields hold visible text too. Deleted runs are not
    # visible, and a text box is a story of its own (its runs would land mid-sentence).
    runs = p.xpath(".//w:r[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent)]")
    return "".join(run.text for run in runs)


def _cell_text(cell) -> str:
    # every paragraph in the cell, nested tables included; tabs and breaks would split the row
    texts = (_paragraph_text(p) for p in cell._tc.iter(qn("w:p")))
    return " ".join(" ".join(t.split()) for t in texts if t.strip())


def _collapse_blank_lines(lines: Iterator[str]) -> list[str]:
    """Word documents use empty paragraphs as spacing; keep at most one blank line in a row."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line if line.strip() else "")
    while out and not out[-1]:
        out.pop()
    return out
