"""Masking personal numbers — mobile and landline phones, resident ID numbers — for logs and pages.

Pure functions; ``MaskingFilter`` applies them to every log record of the handlers it is attached to.
"""

from __future__ import annotations

import logging
import re

_ID = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")  # 18-digit resident ID
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask(text: str) -> str:
    """'13812345678' → '138****5678'; ID '110101199003071234' → '110101********1234'."""
    if not text:
        return text
    text = _ID.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:], text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def configure_logging(level: str = "WARNING") -> None:
    """For the entry points (CLI, server) only — a library never configures global logging."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    # the handler filters too: a library that sets its own logger to DEBUG (bm25s does) would otherwise
    # reach the console past the root level
    handler.setLevel(level.upper())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
