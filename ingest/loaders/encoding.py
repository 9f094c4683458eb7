"""Guess the encoding of a text file's bytes and decode them.

Order: byte-order mark, strict UTF-8, UTF-16 without BOM (told by its zero bytes), strict GB18030.
Nothing is decoded leniently: a wrong guess would silently corrupt the citations we quote.
"""

from __future__ import annotations

import codecs
import re

from chunfeng.errors import FileLoadError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# control characters that never appear in a real text file; their presence means a wrong guess
# (UTF-16 read as UTF-8 shows NULs) or a binary file. Tab, newlines, form feed and the old DOS
# end-of-file mark (0x1A) are allowed.
_BAD_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")

# characters of Chinese documents: ASCII, Latin-1, general punctuation, letterlike symbols and
# Roman numerals, circled numbers, shapes, CJK punctuation, CJK ideographs, full-width forms
_PLAUSIBLE = re.compile(
    "[\t\n\r\x20-\x7e\xa0-\xff\u2000-\u218f\u2460-\u24ff\u25a0-\u25ff"
    "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)

# how much of the file the UTF-16 guess looks at
_SAMPLE_BYTES = 8192


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding name)`` with ``"\\n"`` line endings."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            # a BOM is decisive: no other guess once it is there
            text = _strict(data[len(bom) :], name.removesuffix("-sig"))
            if text is not None:
                return _normalise(text), name
            raise _bad_encoding()

    text = _strict(data, "utf-8")
    if text is not None:
        return _normalise(text), "utf-8"
    name = _utf16_guess(data)
    text = _strict(data, name) if name else None
    if text is not None:
        return _normalise(text), name
    text = _strict(data, "gb18030")
    if text is not None:
        return _normalise(text), "gb18030"
    raise _bad_encoding()


def _bad_encoding() -> FileLoadError:
    return FileLoadError(
        "无法识别文件的文字编码（已尝试 UTF-8、UTF-16、GB18030/GBK），文件可能已损坏或不是文本文件；"
        "请用记事本或 WPS 打开后“另存为”UTF-8 编码，再重新导入",
        code="bad_encoding",
    )


def _strict(data: bytes, encoding: str) -> str | None:
    """Decode strictly; ``None`` when the bytes do not fit or the result looks binary."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if _BAD_CONTROLS.search(text):
        return None
    return text


def _utf16_guess(data: bytes) -> str | None:
    """The UTF-16 byte order of BOM-less ``data``, or ``None`` when it does not look like UTF-16."""
    sample = data[:_SAMPLE_BYTES]
    # UTF-8 and GBK text never hold zero bytes, UTF-16 does for every ASCII character (newline,
    # digit); without any, UTF-16 cannot be told from GBK reliably, and GBK is far more common
    if len(data) % 2 or 0 not in sample:
        return None
    # the side the zero bytes sit on (odd offsets in LE) alone misleads: 一 is U+4E00, a zero on
    # the "wrong" side. So read both ways and keep the reading made of characters real documents
    # use; the zeros' side only breaks a tie.
    zeros_side = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    scores = {
        name: (_plausible_share(sample.decode(name, errors="replace")), name == zeros_side)
        for name in ("utf-16-le", "utf-16-be")
    }
    best = max(scores, key=scores.__getitem__)
    return best if scores[best][0] >= 0.9 else None


def _plausible_share(text: str) -> float:
    return len(_PLAUSIBLE.findall(text)) / len(text)


def _normalise(text: str) -> str:
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")
