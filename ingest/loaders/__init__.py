"""Loaders turn one file into plain text; one format per module.

The contract every loader keeps, so cleaning and structure parsing see one shape:

* paragraphs are separated by ``"\\n"`` (blank lines allowed; page breaks may leave them);
* a table row is one line whose cells are joined by ``"\\t"`` (a header row first when known);
* characters are kept exactly as in the source (no full-/half-width conversion here);
* markup is removed (HTML tags, Markdown emphasis and links); Markdown ``#`` heading markers are kept
  for the structure parser.

A loader raises :class:`~chunfeng.errors.SkippedFile` for a file it deliberately does not ingest
(a scanned PDF without a text layer) and :class:`~chunfeng.errors.FileLoadError` for a file that
is broken (corrupt PDF, a .docx that is not a zip, an empty file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from chunfeng.errors import SkippedFile


@dataclass
class LoadedText:
    """What a loader returns."""

    text: str
    format: str  # "txt" | "md" | "html" | "docx" | "pdf"
    encoding: str | None = None  # the detected text encoding, for text formats
    pages: int | None = None  # PDF page count
    front_matter: dict[str, Any] = field(default_factory=dict)  # YAML front matter / <meta> / core properties
    title_hint: str | None = None  # <title>, <h1>, or the .docx title property


Loader = Callable[[Path], LoadedText]


def _registry() -> dict[str, Loader]:
    # imported lazily so that `import ingest` stays cheap and a missing optional parser
    # only breaks its own format
    from ingest.loaders import docx, html, pdf, text

    return {
        ".txt": text.load_txt,
        ".md": text.load_md,
        ".markdown": text.load_md,
        ".html": html.load_html,
        ".htm": html.load_html,
        ".docx": docx.load_docx,
        ".pdf": pdf.load_pdf,
    }


SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")


def load(path: Path) -> LoadedText:
    """Load one file by its suffix."""
    suffix = path.suffix.lower()
    loader = _registry().get(suffix)
    if loader is None:
        raise SkippedFile(
            f"不支持的文件类型 {suffix or '（无扩展名）'}；支持 {' '.join(SUPPORTED_SUFFIXES)}",
            code="unsupported_type",
        )
    return loader(path)
