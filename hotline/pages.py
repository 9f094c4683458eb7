"""The 12345 operator's pages: the search console (``/hotline``) and the hot-questions report
(``/hotline/hot``), plus their static files (``/hotline/static/<name>``).

The pages are rendered on the server (Jinja2, autoescaped) with the staff look of the web console;
their JavaScript talks to the hotline JSON API (``/api/hotline/...``) and inserts every text with
``textContent``. Errors on the pages render as a Chinese HTML page (``web.pages.PageRoute``); signed
out, the pages redirect to the console's sign-in page, which comes back here afterwards.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from bot.sessions import CHANNEL_NAMES
from bot.tickets import CHINA, REASON_NAMES
from starlette.concurrency import run_in_threadpool

from chunfeng.errors import ChunfengError, NotFound
from chunfeng.http import require
from hotline.hot import REASON_NAMES as HOT_REASON_NAMES
from hotline.importer import IMPORTED, STATUS_NAMES
from hotline.routes import STAFF
from hotline.routes_admin import file_of, multipart, run_import
from hotline.workorders import REQUEST_TYPES, URGENCY
from web import pages as web_pages
from web.errors import status_of

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
HOT_DAYS = 30
# the statistics' channels (codes, as sessions store them) and why a question went unanswered,
# for when the API gives no name itself
HOT_CHANNELS = {code: name for code, name in CHANNEL_NAMES.items() if code != "cli"}
REASONS = {**REASON_NAMES, **HOT_REASON_NAMES}

STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


# -- templates ---------------------------------------------------------------------------------
def static_url(name: str) -> str:
    return web_pages.versioned_url("/hotline/static", STATIC, name)


# our templates first (all named hotline_*), then the web console's (base.html, error.html)
_env = Environment(loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)), FileSystemLoader(str(web_pages.TEMPLATES))]),
                   autoescape=select_autoescape(default=True, default_for_string=True))
_env.globals.update(web_pages.templates.env.globals)  # static_url, ROLE_NAMES, …
_env.globals.update(hotline_static=static_url)
_env.filters.update(web_pages.templates.env.filters)
templates = Jinja2Templates(env=_env)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {"account": request.state.account, **context},
                                          status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


router = APIRouter(route_class=web_pages.PageRoute, include_in_schema=False)


def _staff(request: Request):
    acc = require(request, *STAFF)  # signed out: PageRoute sends them to sign in and back here
    request.state.account = acc
    return acc


def _documents(request: Request) -> list[dict[str, str]]:
    """The documents of the knowledge base for the document filter: value = file name (the search's `source`)."""
    docs = []
    for doc in request.app.state.services.kb.documents():
        name = doc.title or doc.source
        docs.append({"source": doc.source, "label": f"{name}（{doc.doc_number}）" if doc.doc_number else name})
    docs.sort(key=lambda d: d["label"])
    return docs


# -- the operator console ----------------------------------------------------------------------
@router.get("/hotline", response_class=HTMLResponse)
def console(request: Request) -> Response:
    _staff(request)
    hotline = request.app.state.hotline
    return render(request, "hotline_console.html", {
        "nav": "search",
        "documents": _documents(request),
        "categories": hotline.categories.names,
        "request_types": REQUEST_TYPES,
        "urgencies": URGENCY,
    })


# -- hot questions -----------------------------------------------------------------------------
def _day(value: str | None, default: datetime) -> str:
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").strftime("%Y-%m-%d")
    except ValueError:
        return default.strftime("%Y-%m-%d")


@router.get("/hotline/hot", response_class=HTMLResponse)
def hot(request: Request) -> Response:
    _staff(request)
    today = datetime.now(CHINA)
    start = _day(request.query_params.get("from"), today - timedelta(days=HOT_DAYS - 1))
    end = _day(request.query_params.get("to"), today)
    if start > end:
        start, end = end, start
    channel = request.query_params.get("channel") or ""
    return render(request, "hotline_hot.html", {
        "nav": "hot", "start": start, "end": end, "channel": channel if channel in HOT_CHANNELS else "", "channels": HOT_CHANNELS,
        "today": today.strftime("%Y-%m-%d"), "days": HOT_DAYS, "reasons": REASONS, "channel_names": CHANNEL_NAMES,
    })


# -- importing historical records (admins) ------------------------------------------------------
@router.get("/hotline/import", response_class=HTMLResponse)
def import_form(request: Request) -> Response:
    request.state.account = require(request, "admin")
    return render(request, "hotline_import.html", {"nav": "import", "statuses": STATUS_NAMES})


@router.post("/hotline/import", response_class=HTMLResponse)
async def import_upload(request: Request) -> Response:
    request.state.account = require(request, "admin")
    context: dict[str, Any] = {"nav": "import", "statuses": STATUS_NAMES}
    try:
        form = await multipart(request)
        upload = file_of(form)
        dry_run, keep_near = form.get("dry_run") == "1", form.get("near_duplicates") == "import"
        report = await run_in_threadpool(run_import, request, await upload.read(), upload.filename,
                                         near_duplicates=keep_near, dry_run=dry_run)
    except ChunfengError as exc:  # the form again, saying what to fix
        return render(request, "hotline_import.html", {**context, "error": exc.message}, status_code=status_of(exc))
    if dry_run:  # nothing was written: say what would happen
        context["statuses"] = {**STATUS_NAMES, IMPORTED: "可导入"}
    return render(request, "hotline_import.html", {**context, "filename": upload.filename, "report": report.to_dict(),
                                                   "dry_run": dry_run, "keep_near": keep_near})


# -- static files ------------------------------------------------------------------------------
@router.get("/hotline/static/{name}")
def static(name: str, request: Request) -> Response:
    path = STATIC / name
    if "/" in name or "\\" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFound("没有这个文件。")
    # versioned links (static_url) never change; an unversioned one is checked every time
    cache = "public, max-age=31536000, immutable" if request.query_params.get("v") else "no-cache"
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": cache})
