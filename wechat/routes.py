"""HTTP routes of the WeChat adapter: the push callback and the mini-program API.

Mini-program rules kept here: ``wx.login``'s code is exchanged server-side (code2session) and the
``session_key`` never leaves the server — the client gets our own bearer token; chat is idempotent on
``client_msg_id`` so the client can retry after a network error; a ticket is visible only to the
user who opened it; msgSecCheck v2 screens chat text when ``CHUNFENG_WECHAT_SECCHECK=1``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.types import Turn
from bot.views import chat_view, check_message
from chunfeng.errors import AuthError, BadRequest, InvalidInput, NotFound, RateLimited
from wechat.errors import FrequencyLimited, InvalidCode, WeChatError

MP_TOKEN_TTL = timedelta(days=7)


def _wechat(request: Request):
    return request.app.state.wechat


def _services(request: Request):
    return request.app.state.services


# -- the push callback ------------------------------------------------------------------------------
callback_router = APIRouter()


@callback_router.get("/wechat/callback", include_in_schema=False)
def verify(request: Request) -> Response:
    answer = _wechat(request).callback.verify_url(dict(request.query_params))
    return Response(answer.body, status_code=answer.status, media_type="text/plain")


@callback_router.post("/wechat/callback", include_in_schema=False)
async def push(request: Request) -> Response:
    body = await request.body()
    import anyio

    answer = await anyio.to_thread.run_sync(_wechat(request).callback.handle, dict(request.query_params), body)
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)


# -- the mini-program API -----------------------------------------------------------------------------
mp_router = APIRouter(prefix="/api/mp", tags=["mini-program"])


class LoginIn(BaseModel):
    code: str = Field(min_length=1, max_length=256)


class MpChatIn(BaseModel):
    message: str
    client_msg_id: str = Field(min_length=1, max_length=128)
    session_id: str | None = None


class MpHandoffIn(BaseModel):
    session_id: str
    subscribe: dict[str, str] | None = None


def _openid(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    openid = _wechat(request).store.openid_for_token(token)
    if not openid:
        raise AuthError("登录已失效，请重新打开小程序登录。")
    return openid


def _own_session(request: Request, openid: str, session_id: str):
    session = _services(request).assistant.conv.sessions.get(session_id)
    if session is None or session.user_id != openid:
        raise NotFound(f"会话 {session_id} 不存在。")
    return session


@mp_router.post("/login")
def mp_login(body: LoginIn, request: Request) -> dict[str, Any]:
    """Exchange ``wx.login``'s code for our own token; ``session_key`` stays on the server."""
    wx = _wechat(request)
    try:
        result = wx.api.code2session(body.code)
    except InvalidCode as exc:
        raise BadRequest("登录凭证无效或已过期，请重新打开小程序。") from exc
    except FrequencyLimited as exc:
        raise RateLimited("登录太频繁，请稍后再试。", retry_after=60) from exc
    except WeChatError as exc:
        raise InvalidInput(f"微信登录失败：{exc.message}") from exc
    openid = str(result.get("openid") or "")
    if not openid:
        raise InvalidInput("微信登录失败：没有返回用户标识。")
    wx.store.link(openid, "miniprogram", unionid=result.get("unionid"), session_key=result.get("session_key"))
    token = wx.store.issue_mp_token(openid, MP_TOKEN_TTL)
    return {"token": token, "expires_in": int(MP_TOKEN_TTL.total_seconds())}


@mp_router.post("/chat")
def mp_chat(body: MpChatIn, request: Request) -> dict[str, Any]:
    openid = _openid(request)
    wx, svc = _wechat(request), _services(request)
    cached = wx.store.cached_response(openid, body.client_msg_id)
    if cached is not None:
        return cached
    text = check_message(body.message, svc.settings.max_message_chars)
    if wx.seccheck and wx.api.msg_sec_check(openid, text) == "risky":
        raise InvalidInput("消息中有不适宜发布的内容，请修改后再发送。")
    session_id = _own_session(request, openid, body.session_id).id if body.session_id else ""
    reply = svc.assistant.reply(Turn(text=text, channel="miniprogram", user_id=openid, session_id=session_id, id=body.client_msg_id))
    wx.store.link(openid, "miniprogram", reply.session_id)
    response = chat_view(reply)
    wx.store.cache_response(openid, body.client_msg_id, response)
    return response


@mp_router.post("/handoff")
def mp_handoff(body: MpHandoffIn, request: Request) -> dict[str, Any]:
    openid = _openid(request)
    wx, svc = _wechat(request), _services(request)
    _own_session(request, openid, body.session_id)
    for template_id, result in (body.subscribe or {}).items():
        wx.store.accept(openid, template_id, result)
    ticket = svc.assistant.request_handoff(body.session_id, "user_request")
    return {"ticket_id": ticket.id, "status": ticket.status, "due_at": ticket.due_at}


@mp_router.get("/tickets/{ticket_id}")
def mp_ticket(ticket_id: str, request: Request) -> dict[str, Any]:
    openid = _openid(request)
    svc = _services(request)
    try:
        ticket = svc.assistant.conv.tickets.get(ticket_id)
    except NotFound:
        ticket = None
    if ticket is None or ticket.user_id != openid:  # someone else's ticket looks like no ticket
        raise NotFound(f"工单 {ticket_id} 不存在。")
    messages = [{"role": m.role, "text": m.text, "created_at": m.created_at} for m in svc.assistant.conv.sessions.messages(ticket.session_id)]
    view = ticket.to_dict(svc.db.now())
    view["ticket_id"] = ticket.id
    return {"ticket": view, "messages": messages}


@mp_router.get("/sessions/{session_id}/messages")
def mp_messages(session_id: str, request: Request, after: int = Query(default=0, ge=0)) -> dict[str, Any]:
    openid = _openid(request)
    _own_session(request, openid, session_id)
    msgs = _services(request).assistant.conv.sessions.messages(session_id, after)
    return {"messages": [{"seq": m.seq, "role": m.role, "text": m.text, "created_at": m.created_at,
                          **({"citations": m.meta.get("citations", [])} if m.role == "assistant" else {})} for m in msgs]}
