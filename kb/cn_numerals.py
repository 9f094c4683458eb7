"""Chinese numerals as used in article numbers (第二百零三条) and back."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CHARS = "零〇○一二两三四五六七八九十百千"
NUMERAL_CHARS = _CHARS


def cn_to_int(text: str) -> int:
    """Parse a Chinese (or Arabic) numeral: "二十二" → 22, "一百零三" → 103, "十" → 10, "12" → 12.

    Raises ValueError for anything else.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    if text.isdigit():
        return int(text)
    if any(ch not in _CHARS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    # digit-by-digit form without units, e.g. "二〇二三"
    if not any(ch in _UNITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _DIGITS[ch]
        return value
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            unit = _UNITS[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


def int_to_cn(number: int) -> str:
    """Write an integer the way article numbers are written: 22 → "二十二", 103 → "一百零三"."""
    if number < 0 or number >= 10000:
        raise ValueError(f"out of range: {number}")
    if number == 0:
        return "零"
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    units = [(1000, "千"), (100, "百"), (10, "十"), (1, "")]
    zero_pending = False
    started = False
    for value, unit in units:
        d = number // value % 10
        if d == 0:
            if started:
                zero_pending = True
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        if not (d == 1 and unit == "十" and not started):
            parts.append(digits[d])
        parts.append(unit)
        started = True
    return "".join(parts)
