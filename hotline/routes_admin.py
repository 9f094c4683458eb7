"""HTTP routes for the hotline's back office: importing historical 12345 records into the FAQ review
queue (admins), and hot-question statistics with a CSV export (operators, agents, admins)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from chunfeng.errors import InvalidInput
from chunfeng.http import require
from hotline import hot
from hotline.importer import ImportReport, import_records
from hotline.routes import STAFF
from hotline.workorders import CHINA

router = APIRouter(prefix="/api/hotline", tags=["12345 hotline"])


def _today(request: Request) -> date:
    return request.app.state.services.db.now().astimezone(CHINA).date()


@router.post("/import")
async def import_file(request: Request, threshold: float | None = Query(default=None, ge=0.3, le=1.0),
                      near_duplicates: str = Query(default="skip", pattern="^(skip|import)$"),
                      dry_run: bool = False) -> dict[str, Any]:
    """Historical 12345 records (CSV or XLSX, multipart field ``file``) as FAQ drafts for review.

    ``threshold``: how alike a question must be to count as a near-duplicate (default: the FAQ
    matching threshold). ``near_duplicates=import`` creates drafts for near-duplicates too.
    ``dry_run=true`` only reports."""
    acc = require(request, "admin")
    upload = file_of(await multipart(request))
    filename, data = upload.filename, await upload.read()
    report = await run_in_threadpool(run_import, request, data, filename, threshold=threshold,
                                     near_duplicates=near_duplicates == "import", dry_run=dry_run)
    out = report.to_dict()
    out["summary"]["filename"] = filename
    out["summary"]["by"] = acc.username
    return out


async def multipart(request: Request) -> FormData:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("请以 multipart/form-data 方式上传文件，字段名为 file（CSV 或 .xlsx）。")
    return await request.form(max_files=1)


def file_of(form: FormData) -> UploadFile:
    """The one uploaded file of the form (field ``file``)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("缺少上传文件：表单字段名应为 file，内容为 CSV（UTF-8 或 GB18030）或 Excel（.xlsx）文件。")
    return upload


def run_import(request: Request, data: bytes, filename: str | None, *, threshold: float | None = None,
               near_duplicates: bool = False, dry_run: bool = False) -> ImportReport:
    """Historical records into this service's FAQ review queue (see hotline.importer)."""
    return import_records(data, request.app.state.services.assistant.conv.faq, filename=filename, threshold=threshold,
                          import_near_duplicates=near_duplicates, dry_run=dry_run,
                          categories=request.app.state.hotline.categories)


def _range(request: Request, date_from: str | None, date_to: str | None) -> tuple[date, date]:
    return hot.date_range(date_from, date_to, _today(request))


@router.get("/hot")
async def hot_questions(request: Request, date_from: str | None = Query(default=None, alias="from"),
                        date_to: str | None = Query(default=None, alias="to"), channel: str | None = None,
                        threshold: float = Query(default=hot.CLUSTER_THRESHOLD, ge=0.3, le=1.0),
                        limit: int = Query(default=20, ge=1, le=200)) -> dict[str, Any]:
    """Hot questions from ``from`` to ``to`` (YYYY-MM-DD, China time, both included; by default the
    last 30 days): counts by category and by cluster of alike questions, the unanswered and the
    low-confidence ones, and counts by day."""
    require(request, *STAFF)
    start, end = _range(request, date_from, date_to)
    hl = request.app.state.hotline
    db = request.app.state.services.db
    channel = hot.check_channel(db, channel)
    return await run_in_threadpool(hot.report, db, hl.categories, start, end, channel=channel, threshold=threshold, limit=limit)


@router.get("/hot.csv")
async def hot_csv(request: Request, date_from: str | None = Query(default=None, alias="from"),
                  date_to: str | None = Query(default=None, alias="to"), channel: str | None = None,
                  threshold: float = Query(default=hot.CLUSTER_THRESHOLD, ge=0.3, le=1.0)) -> Response:
    """The questions of the range as CSV for Excel (UTF-8 with BOM, Chinese headers)."""
    require(request, *STAFF)
    start, end = _range(request, date_from, date_to)
    hl = request.app.state.hotline
    db = request.app.state.services.db
    channel = hot.check_channel(db, channel)
    body = await run_in_threadpool(hot.export_csv, db, hl.categories, start, end, channel=channel, threshold=threshold)
    name = f"hot-questions-{start.isoformat()}_{end.isoformat()}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
