"""The HTML pages: the suppliers' chat page, the agents' console and (in web.pages_admin) the admin pages.

Pages are rendered on the server from the core (through ``Svc``), never by calling the JSON API from
Python. The chat page's JavaScript talks to the JSON API; console actions are plain form POSTs to the
routes below (post/redirect/get), and only the knowledge-base search panel fetches JSON.
Errors on pages render an HTML page in Chinese (``PageRoute``), never the API's JSON error.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.accounts import ROLE_NAMES, Account
from bot.db import parse_iso
from bot.sessions import CHANNEL_NAMES
from bot.tickets import CHINA, OPEN, REASON_NAMES
from chunfeng.errors import AuthError, ChunfengError, InvalidInput
from chunfeng.http import forbidden
from web.deps import COOKIE, Svc, token_of
from web.errors import HTTP_MESSAGES, status_of

log = logging.getLogger("chunfeng.web.pages")
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

ERROR_TITLES = {
    400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "没有找到", 409: "状态已变化", 413: "内容太大",
    422: "提交的内容有误", 429: "操作太频繁", 500: "服务器出错了", 503: "暂时无法使用",
}
EVENT_NAMES = {"created": "创建工单", "claimed": "认领", "answered": "答复", "closed": "关闭", "reopened": "用户追问，重新打开"}
ROLE_LABELS = {"user": "用户", "assistant": "春风助手", "agent": "人工客服", "system": "系统消息"}


# -- templates ---------------------------------------------------------------------------------
def versioned_url(prefix: str, folder: Path, name: str) -> str:
    """<prefix>/<name>?v=<content hash>, so a browser (WeChat's cache above all) never runs an old script."""
    path = folder / name
    try:
        return f"{prefix}/{name}?v={_version(path, path.stat().st_mtime_ns)}"
    except OSError:
        return f"{prefix}/{name}"


def _static_url(name: str) -> str:
    return versioned_url("/static", STATIC, name)


@lru_cache(maxsize=64)
def _version(path: Path, mtime_ns: int) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:10]


def local_time(value: str | datetime | None, with_year: bool = False) -> str:
    """An ISO time as Beijing time, e.g. "11月5日 17:30"."""
    when = parse_iso(value) if isinstance(value, str) else value
    if when is None:
        return ""
    local = when.astimezone(CHINA)
    text = f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local.year}年{text}" if with_year or local.year != datetime.now(CHINA).year else text


def waiting(minutes: int | None) -> str:
    minutes = max(0, int(minutes or 0))
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} 小时 {mins} 分钟" if mins else f"{hours} 小时"
    days, hours = divmod(hours, 24)
    return f"{days} 天 {hours} 小时" if hours else f"{days} 天"


_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True, default_for_string=True))
_env.globals.update(static_url=_static_url, ROLE_NAMES=ROLE_NAMES, ROLE_LABELS=ROLE_LABELS, EVENT_NAMES=EVENT_NAMES,
                    REASON_NAMES=REASON_NAMES, CHANNEL_NAMES=CHANNEL_NAMES)
_env.filters.update(local_time=local_time, waiting=waiting)
templates = Jinja2Templates(env=_env)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    if not hasattr(request.state, "account"):  # an error before the page looked the account up
        request.state.account = request.app.state.services.accounts.account_for_token(token_of(request))
    ctx = {"account": request.state.account, **(context or {})}
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, status: int, message: str, title: str | None = None) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "title": title or ERROR_TITLES.get(status, "出错了"), "message": message},
                  status_code=status)


class PageRoute(APIRoute):
    """Render errors raised by a page (or its dependencies and form parsing) as an HTML page."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except AuthError:
                return RedirectResponse(login_url(request), status_code=303)
            except ChunfengError as exc:
                return error_page(request, status_of(exc), exc.message)
            except RequestValidationError:
                return error_page(request, 422, "提交的内容不完整或格式不对，请返回上一页检查后重试。")
            except StarletteHTTPException as exc:
                return error_page(request, exc.status_code, HTTP_MESSAGES.get(exc.status_code, ("", "请求无法处理。"))[1])
            except Exception:
                log.exception("page error on %s %s", request.method, request.url.path)
                return error_page(request, 500, "服务器出错了，请稍后重试；如果一直出现，请联系系统管理员。")

        return page_handler


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(STATIC))


# -- sign-in -----------------------------------------------------------------------------------
def login_url(request: Request) -> str:
    """The sign-in page, coming back to this page afterwards (for a form POST: the page the form was on)."""
    target = request.url.path
    if request.method != "GET":
        target = "/admin" if target.startswith("/admin") else re.sub(r"/(claim|reply|close|promote)$", "", target)
    return "/console/login" + (f"?next={quote(target)}" if target not in ("/console", "/console/login") else "")


def safe_next(target: str | None) -> str:
    """Only our own staff pages (console, admin, hotline), never another site; "" for anything else."""
    if target and target.startswith(("/console", "/admin", "/hotline")) and "//" not in target and "\\" not in target:
        return target
    return ""


def landing(acc: Account, target: str | None) -> str:
    """Where a signed-in account goes: the page it asked for if its role may open it, else its own home
    (the hotline console for an operator, the agent console for everyone else)."""
    home = "/hotline" if acc.role == "operator" else "/console"
    target = safe_next(target)
    if not target or (acc.role == "operator" and not target.startswith("/hotline")) \
            or (target.startswith("/admin") and acc.role != "admin"):
        return home
    return target


def signed_in(request: Request, svc) -> Account | None:
    acc = svc.accounts.account_for_token(token_of(request))
    request.state.account = acc
    return acc


def require_role(request: Request, svc, role: str) -> Account | Response:
    """The signed-in account, or the response to send instead (a redirect to sign in, or a 403 page)."""
    acc = signed_in(request, svc)
    if acc is None:
        return RedirectResponse(login_url(request), status_code=303)
    if not acc.can(role):
        return error_page(request, 403, forbidden(acc, (role,)))
    return acc


# -- the chat page -----------------------------------------------------------------------------
EXAMPLES = ("中标以后多久签合同？", "验收合格后多久付款？", "还要交投标保证金吗？")


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, svc: Svc) -> Response:
    request.state.account = None
    # with a language model the page asks /api/chat/stream, so the answer appears as it is written
    return render(request, "chat.html", {"examples": EXAMPLES, "max_chars": svc.settings.max_message_chars,
                                         "stream_answers": bool(svc.settings.llm_base_url)})


# -- the agent console -------------------------------------------------------------------------
@router.get("/console/login", response_class=HTMLResponse)
def login_form(request: Request, svc: Svc, next: str | None = None) -> Response:
    acc = signed_in(request, svc)
    if acc is not None:
        return RedirectResponse(landing(acc, next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/console/login", response_class=HTMLResponse)
def login(request: Request, svc: Svc, username: str = Form(default="", max_length=64),
          password: str = Form(default="", max_length=256), next: str = Form(default="")) -> Response:
    request.state.account = None
    try:
        acc = svc.accounts.authenticate(username.strip(), password)
    except AuthError as exc:
        return render(request, "login.html", {"next": safe_next(next), "username": username, "error": exc.message}, status_code=401)
    token = svc.accounts.issue_token(acc)
    response = RedirectResponse(landing(acc, next), status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(svc.accounts.token_ttl.total_seconds()), path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/console/logout")
def logout(request: Request, svc: Svc) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        svc.accounts.revoke(token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/console", response_class=HTMLResponse)
def console(request: Request, svc: Svc) -> Response:
    acc = require_role(request, svc, "agent")
    if not isinstance(acc, Account):
        return acc
    tickets = svc.desk.queue(OPEN)
    overdue = sum(1 for t in tickets if t.get("overdue"))
    return render(request, "console.html", {"tickets": tickets, "overdue": overdue, "now": datetime.now(CHINA)})


DONE = {"claimed": "已认领，请尽快答复。", "replied": "答复已发送给用户。", "closed": "工单已关闭，已告知用户本次人工服务结束。",
        "promoted": "已加入常见问题（待审核），管理员审核发布后生效。"}


def ticket_page(request: Request, svc, ticket_id: str, *, error: str = "", status_code: int = 200, draft: str = "",
                done: str = "") -> Response:
    view = svc.desk.view(ticket_id)
    messages = view["messages"]
    agent_answers = [m["text"] for m in messages if m["role"] == "agent"]
    return render(request, "ticket.html", {
        "t": view["ticket"], "messages": messages, "events": view["events"], "error": error, "done": DONE.get(done, ""),
        "draft": draft, "last_answer": agent_answers[-1] if agent_answers else "",
    }, status_code=status_code)


@router.get("/console/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_view(request: Request, ticket_id: str, svc: Svc, done: str = "") -> Response:
    acc = require_role(request, svc, "agent")
    if not isinstance(acc, Account):
        return acc
    return ticket_page(request, svc, ticket_id, done=done)


def _ticket_action(request: Request, svc, ticket_id: str, done: str, action: Callable[[Account], Any], draft: str = "") -> Response:
    acc = require_role(request, svc, "agent")
    if not isinstance(acc, Account):
        return acc
    try:
        action(acc)
    except AuthError:
        raise
    except ChunfengError as exc:  # shown on the ticket page, with what the agent typed kept
        return ticket_page(request, svc, ticket_id, error=exc.message, status_code=status_of(exc), draft=draft)
    return RedirectResponse(f"/console/tickets/{quote(ticket_id)}?done={done}", status_code=303)


@router.post("/console/tickets/{ticket_id}/claim")
def ticket_claim(request: Request, ticket_id: str, svc: Svc) -> Response:
    return _ticket_action(request, svc, ticket_id, "claimed", lambda acc: svc.desk.claim(ticket_id, acc))


@router.post("/console/tickets/{ticket_id}/reply")
def ticket_reply(request: Request, ticket_id: str, svc: Svc, text: str = Form(default="")) -> Response:
    return _ticket_action(request, svc, ticket_id, "replied", lambda acc: svc.desk.reply(ticket_id, acc, text), draft=text)


@router.post("/console/tickets/{ticket_id}/close")
def ticket_close(request: Request, ticket_id: str, svc: Svc) -> Response:
    return _ticket_action(request, svc, ticket_id, "closed", lambda acc: svc.desk.close(ticket_id, acc))


@router.post("/console/tickets/{ticket_id}/promote")
def ticket_promote(request: Request, ticket_id: str, svc: Svc, question: str = Form(default="", max_length=2000),
                   answer: str = Form(default="", max_length=4000)) -> Response:
    def promote(acc: Account) -> None:
        if not question.strip() or not answer.strip():
            raise InvalidInput("加入常见问题时，问题和答复都不能为空。")
        svc.desk.promote(ticket_id, acc, question.strip(), answer.strip())

    return _ticket_action(request, svc, ticket_id, "promoted", promote)


# the admin pages live in their own module to keep this one readable
from web.pages_admin import router as _admin_router  # noqa: E402

router.include_router(_admin_router)
