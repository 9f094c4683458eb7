"""``/a/{message_id}``: one answer in full, with its citations — the link WeChat messages end with
when an answer is too long for a single message."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/a/{message_id}", response_class=HTMLResponse, include_in_schema=False)
def full_answer(message_id: str, request: Request) -> HTMLResponse:
    svc = request.app.state.services
    msg = svc.assistant.conv.sessions.message(message_id)
    if msg is None or msg.role != "assistant":
        return HTMLResponse(_page("答复不存在", "<p>没有找到这条答复，可能链接有误或已过期。</p>"), status_code=404)
    body = "".join(f"<p>{escape(line)}</p>" for line in msg.text.splitlines() if line.strip())
    cites = "".join(
        f"<details><summary>{escape(c.get('name') or c.get('title', ''))}</summary><p>{escape(c.get('text', ''))}</p></details>"
        for c in msg.meta.get("citations", [])
    )
    return HTMLResponse(_page("春风政采助手 · 答复", body + (f"<h2>引用的规定</h2>{cites}" if cites else "")))


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>body{{font:16px/1.7 sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem}}"
        "details{border:1px solid #ddd;border-radius:6px;padding:.4rem .7rem;margin:.5rem 0}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
