"""``POST /api/chat/stream``: the chat answer as server-sent events, so a language model's answer
appears as it is written.

Same body, checks and rate limit as ``POST /api/chat``. The response is ``text/event-stream``:

* ``delta`` ``{"text": "…"}`` — a piece of the model's answer as it writes it. Only a confident
  answer written by a configured model streams; the pieces are **not yet verified**;
* ``done`` — exactly ``/api/chat``'s JSON. ``answer`` is the final text: the model's answer when it
  passed verification, otherwise the extractive answer, which replaces whatever was streamed. It is
  also the text stored in the session;
* ``error`` ``{"error": {"code", "message"}}`` — the API's error shape, when answering failed after
  the stream began.

Errors found before the stream starts (413, 422, 429, an unknown session's 404) are the ordinary
JSON errors. If the client goes away, the answer is still completed and stored in the session.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from bot.types import Turn
from bot.views import chat_view, check_message
from chunfeng.errors import ChunfengError, NotFound
from web.api import ChatIn
from web.deps import OptionalAccount, Svc, throttle
from web.errors import HTTP_MESSAGES, error_body

log = logging.getLogger("chunfeng.web.stream")
router = APIRouter(prefix="/api")
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx must not hold the pieces back
_answering: set[asyncio.Task] = set()  # asyncio keeps only weak references to tasks


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/chat/stream")
def chat_stream(body: ChatIn, request: Request, svc: Svc, acc: OptionalAccount) -> StreamingResponse:
    """Ask a question; the answer arrives as `delta` events and one final `done` event (the /api/chat JSON)."""
    throttle(request, acc, body.user_id)
    text = check_message(body.message, svc.settings.max_message_chars)
    if body.session_id and svc.assistant.conv.sessions.get(body.session_id) is None:
        raise NotFound(f"会话 {body.session_id} 不存在或已过期。请不带 session_id 重新开始对话。")
    turn = Turn(text=text, channel="web", user_id=body.user_id or "", session_id=body.session_id or "")
    return StreamingResponse(_events(svc, turn), media_type="text/event-stream", headers=HEADERS)


async def _events(svc, turn: Turn) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def put(event: str, data: dict[str, Any]) -> None:  # called from the answering thread
        try:
            loop.call_soon_threadsafe(events.put_nowait, (event, data))
        except RuntimeError:  # the server shut down meanwhile; the answer is stored all the same
            pass

    def answer() -> None:
        try:
            put("done", chat_view(svc.assistant.reply(turn)))
        except ChunfengError as exc:
            put("error", error_body(exc.code, exc.message))
        except Exception:
            log.exception("answering a streamed chat failed")
            put("error", error_body(*HTTP_MESSAGES[500]))

    turn.on_delta = lambda piece: put("delta", {"text": piece})
    worker = asyncio.create_task(asyncio.to_thread(answer))  # keeps running if the client leaves
    _answering.add(worker)
    worker.add_done_callback(_answering.discard)
    yield ": answering\n\n"  # sends the headers now, so the page knows the question arrived
    while True:
        event, data = await events.get()
        yield sse(event, data)
        if event != "delta":
            break
    await worker
