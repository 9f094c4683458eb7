"""Repair text broken by PDF and Word export, without merging real paragraphs.

Exports break sentences in three ways, all seen in real policy files:

1. soft wraps inside a paragraph, in files whose paragraphs are separated by blank lines
   ("…优化政府\\n采购营商环境…");
2. a sentence cut at a page break, leaving blank lines in the middle of a word ("权\\n\\n利");
3. hard wraps at a fixed line width, in text extracted from PDFs.

A line is joined to the next only when the first does not end a sentence and the next does not
start a heading, list item, article, table row or attachment. Everything here is a pure function.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from kb.cn_numerals import NUMERAL_CHARS
from kb.textnorm import strip_invisible

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"\*\*|__")
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")

_N = NUMERAL_CHARS
# a line that starts a new block: markdown heading, 第X编/章/节/条, outline markers, attachments, dates
BLOCK_START = re.compile(
    rf"""^(?:
        \#{{1,6}}\s
      | 第[{_N}\d]+[编章节条]
      | [{_N}]+\s*[、．.]
      | [（(]\s*[{_N}]+\s*[）)]
      | \d+\s*[、．.](?!\d)
      | [（(]\s*\d+\s*[）)]
      | [①-⑳]
      | 附\s*件
      | 附\s*\d
      | 附\s*[:：]
      | [-*•·]\s
      | \d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日
      | 特此(?:通知|公告|函告)
      | 序号
    )""",
    re.VERBOSE,
)
_TERMINAL = "。！？；：!?;:…"
_CLOSERS = "”’」』）)】》〕"
_PROSE = re.compile("[，、；。,;]")
_TITLE_END = re.compile(r"(?:通知|方案|办法|规定|细则|条例|决定|意见|规则|指引|公告|通告|说明|函|表|法)$")


def strip_markup(text: str) -> str:
    """Remove HTML tags, entities and Markdown emphasis left in plain text (the seed plan's table
    has <p> tags; Markdown copies of notices wrap headings in **…**)."""
    text = _EMPHASIS.sub("", _TAG.sub("", text))
    if _ENTITY.search(text):
        text = html.unescape(text)
    return text.replace("\u00a0", " ")


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip().rstrip(_CLOSERS)
    return not stripped or stripped[-1] in _TERMINAL


def is_block_start(line: str) -> bool:
    return bool(BLOCK_START.match(line.lstrip())) or "\t" in line


def looks_like_title(line: str) -> bool:
    """A short line without prose punctuation: a title, heading, signature or date line."""
    s = line.strip()
    return len(s) <= 60 and not _PROSE.search(s) and (len(s) <= 20 or bool(_TITLE_END.search(s)))


def _wrap_width(lines: list[str], wrapped: bool | None) -> int | None:
    """The fixed width lines were wrapped at (text extracted from a PDF), or None when every line
    is a paragraph. `wrapped=True` says the text comes from a PDF, so fewer lines are enough."""
    if wrapped is False:
        return None
    lengths = [len(s) for s in lines if len(s) >= 10 and "\t" not in s]
    if len(lengths) < (3 if wrapped else 8):
        return None
    width, _ = Counter(lengths).most_common(1)[0]
    width = max(n for n in lengths if abs(n - width) <= 2)
    near = sum(1 for n in lengths if abs(n - width) <= 2)
    return width if near >= 3 and near / len(lengths) >= 0.3 else None


def _blank_separated(raw: list[str]) -> bool:
    """True when paragraphs are separated by blank lines, so a single newline is a soft wrap."""
    nonblank = [i for i, s in enumerate(raw) if s.strip()]
    if len(nonblank) < 6:
        return False
    followed = sum(1 for i in nonblank if i + 1 < len(raw) and not raw[i + 1].strip())
    return followed / len(nonblank) >= 0.6


def _may_join(prev: str, nxt: str) -> bool:
    if not prev or not nxt or ends_sentence(prev):
        return False
    if "\t" in prev or is_block_start(nxt) or prev.lstrip().startswith("#"):
        return False
    # a heading line ("一、总体要求") never runs on into the paragraph under it
    return not is_heading_line(prev)


def is_heading_line(line: str) -> bool:
    """An outline marker followed by a short heading without sentence punctuation."""
    body = _body(line)
    return is_block_start(line) and len(body) <= 50 and not re.search("[。；;，]", body)


def _body(line: str) -> str:
    """The line without its leading outline marker, so "一、" does not count as prose."""
    m = BLOCK_START.match(line.lstrip())
    return line.lstrip()[m.end():] if m else line


def repair_lines(text: str, wrapped: bool | None = None) -> list[str]:
    """Split `text` into logical lines (paragraphs, headings, table rows) with broken lines joined.

    Blank lines are dropped from the result; table rows (tab-separated) are kept as they are.
    `wrapped` says whether lines were hard-wrapped at a fixed width (True for PDF text, None to
    detect it).
    """
    raw = [ln.rstrip(" \u3000") for ln in strip_invisible(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    blank_sep = _blank_separated(raw)
    width = _wrap_width([s.strip() for s in raw], wrapped)
    out: list[str] = []
    gap = False  # a blank line lies between out[-1] and the current line
    for line in raw:
        if not line.strip():
            gap = True
            continue
        current = line if "\t" in line else line.strip()
        prev = out[-1] if out else ""
        join = False
        if _may_join(prev, current):
            if not gap and blank_sep:
                join = not looks_like_title(prev)  # rule 1: soft wrap inside a block
            elif gap:
                # rule 2: a page break inside a sentence; the previous line must be prose
                join = bool(_PROSE.search(_body(prev))) and not _TITLE_END.search(prev.rstrip(_CLOSERS))
            elif width and len(prev) >= width - 2:
                join = True  # rule 3: hard wrap at the extraction width
        if join:
            out[-1] = _join(prev, current)
        else:
            out.append(current)
        gap = False
    return out


def _join(a: str, b: str) -> str:
    # Latin words keep a space between them; Chinese text is joined directly
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def clean_text(text: str, wrapped: bool | None = None) -> list[str]:
    """The whole cleaning step: strip markup, unspace spaced-out lines, then repair lines."""
    return repair_lines(unspace(strip_markup(text)), wrapped)


_SPACED = re.compile(r"(?:[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef] ){4,}[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def unspace(text: str) -> str:
    """Undo PDF extraction that puts a space between every Chinese character ("政 府 采 购")."""
    out = []
    for line in text.split("\n"):
        spaced = sum(len(m.group(0)) for m in _SPACED.finditer(line))
        if spaced and spaced >= 0.6 * len(line.strip()):
            line = re.sub(r"(?<=[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]) (?=[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef])", "", line)
        out.append(line)
    return "\n".join(out)
