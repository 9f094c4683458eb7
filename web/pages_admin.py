"""The admin pages: the documents of the knowledge base, uploading policy files, reviewing the FAQ.

Included into ``web.pages.router`` (import web.pages, not this module, to get the routes).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from bot.accounts import Account
from bot.faq import ARCHIVED, DRAFT, PUBLISHED, STATUS_NAMES as FAQ_STATUS_NAMES
from chunfeng.errors import InvalidInput
from chunfeng.factory import chunker_for
from ingest.pipeline import STATUS_NAMES as INGEST_STATUS_NAMES, FileOutcome, IngestReport, Ingestor
from kb.models import JURISDICTION_NAMES
from web.deps import Svc
from web.pages import PageRoute, render, require_role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FAQ_ORDER = {DRAFT: 0, PUBLISHED: 1, ARCHIVED: 2}
FAQ_ACTIONS = {"save": None, "publish": PUBLISHED, "archive": ARCHIVED, "draft": DRAFT}
DONE = {"save": "常见问题已保存。", "publish": "常见问题已发布，之后相同意思的提问会直接使用这条答复。",
        "archive": "常见问题已下线，不再用于答复。", "draft": "常见问题已退回待审核。"}
_UNSAFE = re.compile(r'[\x00-\x1f<>:"|?*]')


def admin_page(request: Request, svc, *, report: dict[str, Any] | None = None, done: str = "", error: str = "",
               status_code: int = 200) -> Response:
    docs = sorted(svc.kb.documents(), key=lambda d: (d.title or d.source))
    faq = sorted(svc.assistant.conv.faq.list(), key=lambda e: FAQ_ORDER.get(e.status, 9))
    counts = {s: sum(1 for e in faq if e.status == s) for s in FAQ_STATUS_NAMES}
    return render(request, "admin.html", {
        "docs": docs, "chunk_total": svc.kb.count(), "levels": JURISDICTION_NAMES, "faq": faq, "faq_counts": counts,
        "faq_names": FAQ_STATUS_NAMES, "report": report, "done": DONE.get(done, ""), "error": error,
        "max_upload_mb": svc.settings.max_upload_mb,
    }, status_code=status_code)


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request, svc: Svc, done: str = "") -> Response:
    acc = require_role(request, svc, "admin")
    if not isinstance(acc, Account):
        return acc
    return admin_page(request, svc, done=done)


def safe_name(name: str | None) -> str | None:
    """The file's own name without any folder, or None when nothing usable is left."""
    name = _UNSAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not name or name.startswith(".") or name in ("..",):
        return None
    return name[-200:]


def save_upload(upload: StarletteUpload, folder: Path, limit: int) -> tuple[Path | None, FileOutcome | None]:
    """Copy one uploaded file into the folder: (its path, None) or (None, why it was refused)."""
    original = upload.filename or ""
    name = safe_name(original)
    if name is None:
        return None, FileOutcome(original, original or "（无文件名）", "failed", "bad_name", "文件名无效，请改用普通文件名后重新上传。")
    target = folder / name
    partial = folder / f".{name}.part"
    size = 0
    with partial.open("wb") as out:
        while block := upload.file.read(1 << 20):
            size += len(block)
            if size > limit:
                break
            out.write(block)
    if size > limit:
        partial.unlink(missing_ok=True)
        return None, FileOutcome(name, name, "failed", "too_large",
                                 f"文件超过 {limit // (1024 * 1024)} MB 的上限，未导入。请拆分文件或联系技术人员调整上限。")
    shutil.move(str(partial), str(target))
    return target, None


@router.post("/admin/upload", response_class=HTMLResponse)
async def upload(request: Request, svc: Svc) -> Response:
    acc = require_role(request, svc, "admin")
    if not isinstance(acc, Account):
        return acc
    # parsed by hand: a browser sends an empty part (filename="") when no file was chosen
    form = await request.form(max_files=200)
    chosen = [f for f in form.getlist("files") if isinstance(f, StarletteUpload) and f.filename]
    if not chosen:
        return admin_page(request, svc, error="请先选择要上传的政策文件（可以一次选择多个）。", status_code=422)
    view = await run_in_threadpool(ingest_uploads, svc, chosen)
    return admin_page(request, svc, report=view)


def ingest_uploads(svc, uploads: list[StarletteUpload]) -> dict[str, Any]:
    folder = Path(svc.settings.data_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    limit = svc.settings.max_upload_mb * 1024 * 1024
    saved: list[Path] = []
    refused: list[FileOutcome] = []
    for f in uploads:
        path, problem = save_upload(f, folder, limit)
        if path is not None:
            saved.append(path)
        if problem is not None:
            refused.append(problem)
    if saved:
        report = Ingestor(svc.kb, chunker_for(svc.settings)).run(saved)
    else:
        report = IngestReport(documents=len(svc.kb.documents()), chunks=svc.kb.count())
    report.files.extend(refused)
    view = report.to_dict()
    for f in view["files"]:
        f["status_name"] = INGEST_STATUS_NAMES.get(f["status"], f["status"])
    view["summary_names"] = [(INGEST_STATUS_NAMES[s], n) for s, n in view["summary"].items() if n]
    return view


@router.post("/admin/faq/{faq_id}")
def faq_update(request: Request, faq_id: str, svc: Svc, question: str = Form(default="", max_length=2000),
               answer: str = Form(default="", max_length=4000), action: str = Form(default="save")) -> Response:
    acc = require_role(request, svc, "admin")
    if not isinstance(acc, Account):
        return acc
    if action not in FAQ_ACTIONS:
        raise InvalidInput(f"未知的操作“{action}”。")
    if not question.strip() or not answer.strip():
        return admin_page(request, svc, error="常见问题的问题和答复都不能为空，未保存。", status_code=422)
    svc.assistant.conv.faq.update(faq_id, question=question, answer=answer, status=FAQ_ACTIONS[action], reviewer=acc.username)
    return RedirectResponse(f"/admin?done={action}#faq-{faq_id}", status_code=303)
