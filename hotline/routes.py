"""HTTP routes of the hotline adapter: operator search, work orders, platform events."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from chunfeng.errors import InvalidInput, NotConfigured
from chunfeng.http import require
from hotline.platform import verify

router = APIRouter(prefix="/api/hotline", tags=["12345 hotline"])
STAFF = ("operator", "agent")  # who may use the hotline (admin has every role)


def _hotline(request: Request):
    return request.app.state.hotline


@router.get("/search")
def search(request: Request, q: str = Query(min_length=1, max_length=500), k: int = Query(default=5, ge=1, le=20),
           source: str | None = None, category: str | None = None) -> dict[str, Any]:
    """Standard answers to read aloud, with their legal basis (operators, agents, admins)."""
    require(request, *STAFF)
    return {"query": q, **_hotline(request).search.search(q, k, source=source, category=category)}


@router.post("/workorders")
async def create_workorder(request: Request) -> dict[str, Any]:
    require(request, *STAFF)
    key = request.headers.get("idempotency-key", "").strip()
    payload = await _json(request)
    order, created = await run_in_threadpool(_hotline(request).service.create, key, payload)
    view = order.public()
    return {"ticket_no": order.ticket_no, "status": order.status, "status_name": view["status_name"], "created": created,
            "suggested_answer": order.suggested_answer, "citations": order.citations,
            "procurement_related": order.procurement_related, "category": order.category}


@router.get("/workorders/{ticket_no}")
def get_workorder(ticket_no: str, request: Request) -> dict[str, Any]:
    require(request, *STAFF)
    return {"workorder": _hotline(request).service.orders.get(ticket_no).public()}


@router.post("/workorders/{ticket_no}/answer")
async def answer_workorder(ticket_no: str, request: Request) -> dict[str, Any]:
    acc = require(request, *STAFF)
    body = await _json(request)
    order = await run_in_threadpool(_hotline(request).service.answer, ticket_no, str(body.get("text") or ""), acc.username)
    return {"workorder": order.public()}


@router.post("/events")
async def platform_event(request: Request) -> dict[str, Any]:
    """Events from the 12345 platform: dispatched, closed (办结), callback (回访). HMAC-signed."""
    hl = _hotline(request)
    if hl.secret is None:
        raise NotConfigured("未配置 CHUNFENG_HOTLINE_SECRET，无法校验平台事件的签名。请在设置中配置与平台约定的共享密钥。")
    body = await request.body()
    verify(hl.secret, request.headers.get("x-hotline-timestamp"), request.headers.get("x-hotline-signature"), body,
           request.app.state.services.db.now())
    payload = _parse(body)
    order, new = await run_in_threadpool(hl.service.event, payload)
    return {"ok": True, "duplicate": not new, "ticket_no": order.ticket_no, "status": order.status}


async def _json(request: Request) -> dict[str, Any]:
    return _parse(await request.body())


def _parse(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise InvalidInput("请求体不是有效的 JSON，请检查引号、逗号和括号。") from exc
    if not isinstance(data, dict):
        raise InvalidInput("请求体应为 JSON 对象。")
    return data
