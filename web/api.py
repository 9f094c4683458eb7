"""The JSON API (documented by FastAPI's OpenAPI at /docs and in the README).

Public: chat, a session's messages (polling or server-sent events), feedback, handoff.
Staff (Bearer token or the console's cookie): tickets, knowledge-base search. Admin: FAQ review.
Route handlers only translate HTTP to one call of the core and back.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from bot.types import Turn
from bot.views import chat_view, check_message
from chunfeng.errors import InvalidInput, NotFound
from web.deps import Admin, Agent, OptionalAccount, Staff, Svc, throttle

router = APIRouter(prefix="/api")


# -- models ------------------------------------------------------------------------------------
class ChatIn(BaseModel):
    message: str
    session_id: str | None = None
    user_id: str | None = Field(default=None, max_length=128)


class FeedbackIn(BaseModel):
    message_id: str
    helpful: bool
    comment: str | None = Field(default=None, max_length=1000)


class HandoffIn(BaseModel):
    session_id: str
    reason: str | None = Field(default=None, max_length=200)


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class ReplyIn(BaseModel):
    text: str


class PromoteIn(BaseModel):
    question: str | None = Field(default=None, max_length=2000)
    answer: str | None = Field(default=None, max_length=4000)
    citations: list[dict[str, Any]] | None = None


class FaqIn(BaseModel):
    question: str | None = Field(default=None, max_length=2000)
    answer: str | None = Field(default=None, max_length=4000)
    status: str | None = None


# -- public ------------------------------------------------------------------------------------
@router.post("/chat")
def chat(body: ChatIn, request: Request, svc: Svc, acc: OptionalAccount) -> dict[str, Any]:
    """Ask a question in a conversation (a new one when session_id is omitted)."""
    throttle(request, acc, body.user_id)
    text = check_message(body.message, svc.settings.max_message_chars)
    reply = svc.assistant.reply(Turn(text=text, channel="web", user_id=body.user_id or "", session_id=body.session_id or ""))
    return chat_view(reply)


def _messages(svc, session_id: str, after: int) -> list[dict[str, Any]]:
    if svc.assistant.conv.sessions.get(session_id) is None:
        raise NotFound(f"会话 {session_id} 不存在或已过期。")
    out = []
    for m in svc.assistant.conv.sessions.messages(session_id, after):
        item = {"id": m.id, "seq": m.seq, "role": m.role, "text": m.text, "created_at": m.created_at}
        if m.role == "assistant":
            item["citations"] = m.meta.get("citations", [])
            item["confidence"] = m.meta.get("confidence")
            item["kind"] = m.meta.get("kind")
        if m.meta.get("ticket"):
            item["ticket"] = m.meta["ticket"]
        out.append(item)
    return out


@router.get("/sessions/{session_id}/messages")
def session_messages(session_id: str, svc: Svc, after: int = Query(default=0, ge=0)) -> dict[str, Any]:
    """The session's messages in order (only those after `after`, for polling)."""
    msgs = _messages(svc, session_id, after)
    ticket = svc.assistant.conv.tickets.latest_for_session(session_id)
    return {"session_id": session_id, "messages": msgs, "ticket": svc.assistant.ticket_view(ticket) if ticket else None}


@router.get("/sessions/{session_id}/events")
async def session_events(session_id: str, request: Request, svc: Svc, after: int = Query(default=0, ge=0)) -> StreamingResponse:
    """Server-sent events: each new message of the session as one `message` event."""
    _messages(svc, session_id, 0)  # 404 for an unknown session before the stream starts

    async def stream():
        last = after
        yield "retry: 3000\n\n"
        for _ in range(3600):  # about an hour; the browser reconnects with Last-Event-ID
            if await request.is_disconnected():
                return
            for m in await asyncio.to_thread(_messages, svc, session_id, last):
                last = m["seq"]
                yield f"id: {m['seq']}\nevent: message\ndata: {json.dumps(m, ensure_ascii=False)}\n\n"
            await asyncio.sleep(1.0)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.post("/feedback")
def feedback(body: FeedbackIn, request: Request, svc: Svc, acc: OptionalAccount) -> dict[str, Any]:
    throttle(request, acc)
    ticket = svc.assistant.feedback(body.message_id, body.helpful, body.comment or "")
    return {"ok": True, "handoff": svc.assistant.ticket_view(ticket) if ticket else None}


@router.post("/handoff")
def handoff(body: HandoffIn, request: Request, svc: Svc, acc: OptionalAccount) -> dict[str, Any]:
    throttle(request, acc)
    ticket = svc.assistant.request_handoff(body.session_id, "user_request")
    return {"ticket_id": ticket.id, "status": ticket.status, "due_at": ticket.due_at}


# -- staff -------------------------------------------------------------------------------------
@router.post("/agent/login")
def login(body: LoginIn, svc: Svc) -> dict[str, Any]:
    acc = svc.accounts.authenticate(body.username, body.password)
    return {"token": svc.accounts.issue_token(acc), "username": acc.username, "role": acc.role,
            "expires_in": int(svc.accounts.token_ttl.total_seconds())}


@router.get("/agent/tickets")
def tickets(svc: Svc, agent: Agent, status: str | None = None) -> dict[str, Any]:
    statuses = tuple(status.split(",")) if status else ("pending", "claimed", "answered")
    return {"tickets": svc.desk.queue(statuses)}


@router.get("/agent/tickets/{ticket_id}")
def ticket(ticket_id: str, svc: Svc, agent: Agent) -> dict[str, Any]:
    return svc.desk.view(ticket_id)


@router.post("/agent/tickets/{ticket_id}/claim")
def claim(ticket_id: str, svc: Svc, agent: Agent) -> dict[str, Any]:
    return {"ticket": svc.desk.claim(ticket_id, agent).to_dict()}


@router.post("/agent/tickets/{ticket_id}/reply")
def reply(ticket_id: str, body: ReplyIn, svc: Svc, agent: Agent) -> dict[str, Any]:
    t, message, delivery = svc.desk.reply(ticket_id, agent, body.text)
    return {"ticket": t.to_dict(), "message_id": message.id, "delivered": delivery.delivered, "channel": delivery.channel}


@router.post("/agent/tickets/{ticket_id}/close")
def close(ticket_id: str, svc: Svc, agent: Agent) -> dict[str, Any]:
    return {"ticket": svc.desk.close(ticket_id, agent).to_dict()}


@router.post("/agent/tickets/{ticket_id}/promote")
def promote(ticket_id: str, body: PromoteIn, svc: Svc, agent: Agent) -> dict[str, Any]:
    entry = svc.desk.promote(ticket_id, agent, body.question, body.answer, body.citations)
    return {"faq": entry.to_dict()}


@router.get("/agent/search")
def search(svc: Svc, staff: Staff, q: str = Query(min_length=1, max_length=500), k: int = Query(default=5, ge=1, le=20)) -> dict[str, Any]:
    """The knowledge-base search panel: citations an agent can paste into a reply."""
    result = svc.assistant.answerer.retriever.search(q, k=k)
    return {"query": q, "results": [
        {"name": h.chunk.citation_name(), "source": h.chunk.source, "title": h.chunk.title, "doc_number": h.chunk.doc_number,
         "section": h.chunk.section, "label": h.chunk.label, "text": h.chunk.text, "score": round(h.score, 4)}
        for h in result.hits
    ]}


# -- admin -------------------------------------------------------------------------------------
@router.get("/admin/faq")
def faq_list(svc: Svc, admin: Admin, status: str | None = None) -> dict[str, Any]:
    return {"faq": [e.to_dict() for e in svc.assistant.conv.faq.list(status)]}


@router.post("/admin/faq/{faq_id}")
def faq_update(faq_id: str, body: FaqIn, svc: Svc, admin: Admin) -> dict[str, Any]:
    if body.status is not None and body.status not in ("draft", "published", "archived"):
        raise InvalidInput(f"状态“{body.status}”无效：只能是 draft（待审核）、published（已发布）或 archived（已下线）。")
    entry = svc.assistant.conv.faq.update(faq_id, question=body.question, answer=body.answer, status=body.status, reviewer=admin.username)
    return {"faq": entry.to_dict()}


@router.get("/admin/documents")
def documents(svc: Svc, admin: Admin) -> dict[str, Any]:
    return {"documents": [
        {"doc_id": d.doc_id, "source": d.source, "title": d.title, "doc_number": d.doc_number, "issuer": d.issuer, "date": d.date,
         "jurisdiction": d.jurisdiction, "chunks": d.chunk_count, "ingested_at": d.ingested_at}
        for d in svc.kb.documents()
    ]}
