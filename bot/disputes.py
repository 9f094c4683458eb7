"""Disputes about a specific project (质疑/投诉 of our own tender) go to a person. Pure function.

"质疑的期限是多久？" asks about the rules and is answered; "我们投的XX医院采购项目评分不公平，我要投诉"
is a dispute about a named project: a person takes it over, and the user is told the official
质疑/投诉 channel and time limits (taken from the knowledge base, not written here).
"""

from __future__ import annotations

import re

_ACTION = re.compile(r"质疑|投诉|举报|申诉|不服|异议|告他们|讨个说法|不公平|不公正|暗箱|内定|黑幕")
_OWN = re.compile(r"我们|我司|本公司|我公司|我们公司|我方|我家")
_SPECIFIC = re.compile(
    r"[\u4e00-\u9fff]{2,20}项目|项目编号|编号|标段|这次(?:采购|招标|评标)|本次"
    r"|中标结果(?:不公|有问题|明显)|被废标|废了我们|没中标|落标|评分(?:明显)?(?:不公|有问题)"
)


def is_dispute(text: str) -> bool:
    """A complaint about one's own specific project, not a question about the rules."""
    t = text.strip()
    return bool(_ACTION.search(t) and _OWN.search(t) and _SPECIFIC.search(t))
