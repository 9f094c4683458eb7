"""Plain text (.txt) and Markdown (.md) files, with optional YAML front matter."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from chunfeng.errors import FileLoadError
from ingest.loaders import LoadedText
from ingest.loaders.encoding import decode_bytes

# "---" on the first line, then YAML, then a closing "---" (or "...") line
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:(.*?)\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")  # images keep their alt text
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)  # "> " would end up in quoted citations
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def load_txt(path: Path) -> LoadedText:
    """Load a plain-text file."""
    text, encoding = decode_bytes(path.read_bytes())
    front_matter, text = split_front_matter(text)
    _require_text(text)
    return LoadedText(text=text, format="txt", encoding=encoding, front_matter=front_matter)


def load_md(path: Path) -> LoadedText:
    """Load a Markdown file; keeps ``#`` heading markers, drops other markup."""
    text, encoding = decode_bytes(path.read_bytes())
    front_matter, text = split_front_matter(text)
    text = _HTML_COMMENT.sub("", text)
    text = _tables_to_tsv(text)
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    text = _LINK.sub(r"\1", text)
    text = _QUOTE.sub("", text)
    _require_text(text)
    heading = _H1.search(text)
    return LoadedText(
        text=text,
        format="md",
        encoding=encoding,
        front_matter=front_matter,
        title_hint=heading.group(1) if heading else None,
    )


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter off the top of ``text``; ``({}, text)`` when there is none."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    block = match.group(1) or ""
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        raise FileLoadError(_yaml_message(exc), code="bad_front_matter") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FileLoadError(
            "文件开头两行 --- 之间的前置信息（front matter）应为“键: 值”形式（如 title: 政府采购法），"
            f"实际读到的是{'一个列表' if isinstance(data, list) else '一段文字'}；请改正，或删除开头的 --- 段落",
            code="bad_front_matter",
        )
    # dates become "YYYY-MM-DD" strings so every loader hands over the same shape
    fm = {str(k): v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
    return fm, text[match.end() :]


def _yaml_message(exc: yaml.YAMLError) -> str:
    where = ""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        # +2: the mark counts from 0 inside the block, and the block starts after the "---" line
        where = f"第 {mark.line + 2} 行："
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return (
        f"文件开头的前置信息（YAML front matter）格式错误，{where}{problem}；"
        "请检查冒号后是否有空格、缩进是否对齐、引号是否成对，或删除开头的 --- 段落"
    )


def _require_text(text: str) -> None:
    if not text.strip():
        raise FileLoadError("文件为空，没有可读取的文字", code="empty")


def _tables_to_tsv(text: str) -> str:
    """Markdown pipe tables → one tab-separated line per row; the ``|---|`` line is dropped."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else ""
        is_header = "|" in line and "|" in following and _TABLE_SEPARATOR.match(following)
        if not is_header:
            out.append(line)
            i += 1
            continue
        out.append(_row_to_tsv(line))
        i += 2  # skip the separator line
        while i < len(lines) and "|" in lines[i] and lines[i].strip():
            out.append(_row_to_tsv(lines[i]))
            i += 1
    return "\n".join(out)


def _row_to_tsv(line: str) -> str:
    row = line.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells = re.split(r"(?<!\\)\|", row)
    return "\t".join(cell.strip().replace("\\|", "|") for cell in cells)
