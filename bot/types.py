"""What every channel hands to the assistant (a Turn) and gets back (a Reply)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from kb.retrieve import Filters


@dataclass
class Turn:
    """One user message, from any channel."""

    text: str
    channel: str = "cli"  # cli | web | wechat | miniprogram | hotline | eval
    user_id: str = ""
    session_id: str = ""
    id: str = ""  # the caller's id for this question (batch line id, WeChat MsgId …)
    filters: Filters | None = None  # restrict retrieval to documents, levels or dates
    # a streaming channel's sink: receives a language model's text as it is written (before it is
    # checked — the Reply holds the final answer); None = whole answers only
    on_delta: Callable[[str], None] | None = field(default=None, repr=False, compare=False)


@dataclass
class Citation:
    """A provision an answer stands on, best first."""

    source: str  # the file name as ingested
    title: str
    doc_number: str
    section: str  # full section path
    text: str  # the chunk's text
    score: float
    label: str = ""  # "第四十六条", "18. 提升合同履行效率"
    name: str = ""  # 《title》label（文号）, ready to show
    issuer: str = ""
    date: str = ""
    jurisdiction: str = ""
    chunk_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Reply:
    """The assistant's answer to one Turn."""

    answer: str
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    handoff: bool = False
    reason: str | None = None  # why a person should take over: user_request | low_confidence | …
    kind: str = "answer"  # answer | not_found | handoff | smalltalk
    question: str = ""
    id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    session_id: str = ""  # set in a conversation
    message_id: str = ""  # the stored assistant message (for feedback)
    ticket: dict[str, Any] | None = None  # {"ticket_id", "status", "reason"} when a person took over

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "handoff": self.handoff,
            "reason": self.reason,
            "confidence": round(float(self.confidence), 4),
            "citations": [c.to_dict() for c in self.citations],
            "kind": self.kind,
            **({"session_id": self.session_id, "message_id": self.message_id, "ticket": self.ticket} if self.session_id else {}),
            **self.extra,
        }
