"""Fitting an answer into one WeChat text message. Pure functions.

WeChat rejects text over about 2,048 bytes (45002) and allows only a few customer-service messages
per user message, so a long answer is cut at a sentence or line boundary to ~1,800 bytes and ends
with a link to the full answer rather than being spread across several messages.
"""

from __future__ import annotations

import re

LIMIT = 1800
_BREAKS = re.compile(r"(?<=[。！？；\n])")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def fit(text: str, link: str | None = None, limit: int = LIMIT) -> str:
    """`text` when it fits in `limit` UTF-8 bytes, else its head and a pointer to the rest."""
    text = text.strip()
    if utf8_len(text) <= limit:
        return text
    tail = f"\n……\n完整答复：{link}" if link else "\n……\n（内容较长，已截取。完整答复请在网页或小程序中查看。）"
    budget = limit - utf8_len(tail)
    head = ""
    for piece in _BREAKS.split(text):
        if utf8_len(head + piece) > budget:
            break
        head += piece
    if not head:  # one enormous sentence: cut by characters
        head = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return head.rstrip() + tail
