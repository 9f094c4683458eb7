"""PDF files: the text layer of every page, via pypdf."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from chunfeng.errors import FileLoadError, SkippedFile
from ingest.loaders import LoadedText

# fewer visible characters than this in the whole file: no usable text layer (a scan)
MIN_TEXT_CHARS = 20

# page numbers in headers/footers: "3", "- 3 -", "— 3 —", "第 3 页", "第3页 共10页", "3 / 10", "Page 3 of 10"
_PAGE_NUMBER = re.compile(
    r"^[\s\-－—–−‐_·•~]*\d{1,4}[\s\-－—–−‐_·•~]*$"
    r"|^第\s*\d{1,4}\s*页\s*[,，/]?\s*(共\s*\d{1,4}\s*页)?$"
    r"|^共\s*\d{1,4}\s*页\s*[,，/]?\s*第\s*\d{1,4}\s*页$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$"
    r"|^(?i:page)\s*\d{1,4}(\s*(?i:of)\s*\d{1,4})?$"
)
# only a page's first and last few lines can be a header or footer; a lone number in the
# middle of a page is more likely a table cell
_EDGE_LINES = 2


def load_pdf(path: Path) -> LoadedText:
    """Load a PDF's text layer; scans without one are skipped."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise FileLoadError("文件为空，没有可读取的文字", code="empty")
    with _quiet_pypdf():
        try:
            reader = PdfReader(path)
            _unlock(reader)
            pages = [_drop_page_numbers(page.extract_text() or "") for page in reader.pages]
            title = _metadata_title(reader)
        except FileLoadError:
            raise
        except FileNotDecryptedError as exc:
            raise _encrypted_error() from exc
        except Exception as exc:  # pypdf raises PdfReadError, but also ValueError/KeyError/... on bad files
            if b"%PDF-" not in head:
                detail = "文件开头没有 %PDF 标记，不是 PDF 格式"
            else:
                detail = " ".join(str(exc).split())[:120] or type(exc).__name__
            raise FileLoadError(
                f"PDF 文件已损坏或无法解析：{detail}；请重新导出 PDF 后再导入", code="corrupt"
            ) from exc

    if not pages:
        raise FileLoadError("PDF 文件中没有任何页面", code="empty")
    text = "\n\n".join(pages)
    if len("".join(text.split())) < MIN_TEXT_CHARS:
        raise SkippedFile(
            "PDF 没有文字层（no text layer），可能是扫描件或图片；请先做文字识别（OCR）后再导入",
            code="no_text_layer",
        )
    return LoadedText(
        text=text,
        format="pdf",
        pages=len(pages),
        front_matter={"title": title} if title else {},
        title_hint=title,
    )


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    # pypdf logs a warning for every repair it makes on a broken file; we report the file once
    logger = logging.getLogger("pypdf")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _unlock(reader: PdfReader) -> None:
    """Open an encrypted PDF that has an empty user password (print/copy restrictions only)."""
    if not reader.is_encrypted:
        return
    try:
        unlocked = reader.decrypt("")
    except Exception as exc:  # e.g. an unsupported encryption algorithm
        raise _encrypted_error() from exc
    if not unlocked:
        raise _encrypted_error()


def _encrypted_error() -> FileLoadError:
    return FileLoadError(
        "PDF 文件已加密，需要密码才能打开；请在 PDF 阅读器中输入密码后另存为不加密的 PDF，再重新导入",
        code="encrypted",
    )


def _drop_page_numbers(page_text: str) -> str:
    lines = page_text.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    edges = set(content[:_EDGE_LINES] + content[-_EDGE_LINES:])
    return "\n".join(
        line for i, line in enumerate(lines) if not (i in edges and _PAGE_NUMBER.match(line.strip()))
    )


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a broken /Info dictionary must not fail an otherwise readable file
        return None
    title = " ".join(str(title).split()) if title else ""
    return title or None
