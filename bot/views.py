"""Shapes shared by every channel that speaks JSON, and the message checks every channel applies."""

from __future__ import annotations

from typing import Any

from bot.types import Reply
from chunfeng.errors import InvalidInput, TooLarge


def check_message(text: str, limit: int) -> str:
    """A user's message, stripped; an empty or over-long one is refused with what to do."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("消息不能为空，请输入您要咨询的问题。")
    if len(text) > limit:
        raise TooLarge(f"消息太长（{len(text)} 字），请控制在 {limit} 字以内，或分几次发送。")
    return text


def chat_view(reply: Reply) -> dict[str, Any]:
    """The chat response of the JSON APIs (web and mini-program)."""
    return {
        "session_id": reply.session_id,
        "message_id": reply.message_id,
        "answer": reply.answer,
        "citations": [c.to_dict() for c in reply.citations],
        "confidence": round(float(reply.confidence), 4),
        "handoff": reply.ticket,
        "kind": reply.kind,
        "reason": reply.reason,
        "suggest_handoff": bool(reply.handoff and reply.ticket is None),
    }
