"""The app factory: ``create_app(settings)`` builds everything from one typed settings object.

No import-time singletons: tests build as many apps as they like, each on its own data folder.
"""

from __future__ import annotations

import json
import logging
import threading
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from chunfeng.factory import Services, build_services
from chunfeng.settings import Settings
from web import errors
from web.api import router as api_router
from web.ratelimit import RateLimiter
from web.stream import router as stream_router

log = logging.getLogger(__name__)

JSON_LIMIT = 64 * 1024  # bytes; chat messages are capped far below this


class BodyLimit:
    """Refuse request bodies over the limit with 413 and the JSON error shape, before parsing."""

    def __init__(self, app: Any, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").decode("latin-1")
        limit = self.upload_limit if ctype.startswith("multipart/") else self.json_limit
        declared = headers.get(b"content-length")
        path = scope.get("path", "")
        plain = "text" if path.startswith("/wechat/") else "html" if path.startswith(("/admin", "/console")) else ""
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await self._too_large(send, limit, plain)
        # read the whole body first (chunked bodies have no Content-Length): an exception raised
        # while the app itself reads it would surface as a 400 instead of a 413
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            seen += len(message.get("body", b""))
            if seen > limit:
                return await self._too_large(send, limit, plain)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        return await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)

    @staticmethod
    async def _too_large(send, limit: int, plain: str = "") -> None:
        """413 in the caller's language: plain text for WeChat (never JSON), a page for the console."""
        message = f"请求内容太大（上限 {limit // 1024} KB）。请缩短内容或分开上传后重试。"
        if plain == "text":
            body, ctype = b"request entity too large", b"text/plain; charset=utf-8"
        elif plain == "html":
            body = (f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>内容太大</title>"
                    f"<p>{message}</p><p><a href='javascript:history.back()'>返回</a></p></html>").encode()
            ctype = b"text/html; charset=utf-8"
        else:
            body = json.dumps(errors.error_body("too_large", message), ensure_ascii=False).encode()
            ctype = b"application/json; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[dict], then: Any = None):
    """A `receive` that hands out the buffered messages, then defers to the real one."""
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


def _warm(svc: Services) -> None:
    try:
        svc.assistant.answerer.retriever.warm()
    except Exception:  # a failure here shows again, with its message, at the first question
        log.exception("building the indexes in the background failed")


def create_app(settings: Settings, services: Services | None = None, *, owns_services: bool | None = None) -> FastAPI:
    svc = services or build_services(settings)
    owned = services is None if owns_services is None else owns_services

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # the first caller should not wait for the indexes to be built
        threading.Thread(target=_warm, args=(svc,), name="warm-indexes", daemon=True).start()
        yield
        if owned:  # whoever built the services closes them; here, that is us
            svc.close()

    app = FastAPI(
        title="春风政采助手 Chunfeng API",
        description="政府采购政策问答、人工客服转接与坐席工作台的接口。所有错误返回 {\"error\": {\"code\", \"message\"}}。",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.services = svc
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    errors.install(app)
    app.include_router(api_router)
    app.include_router(stream_router)
    from web.answer_page import router as answer_router

    app.include_router(answer_router)
    try:
        from web.pages import router as pages_router, static_files

        app.include_router(pages_router)
        app.mount("/static", static_files(), name="static")
    except ImportError:  # pages are optional for API-only deployments
        pass

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "documents": len(svc.kb.documents()), "chunks": svc.kb.count()}

    app.add_middleware(BodyLimit, json_limit=JSON_LIMIT, upload_limit=settings.max_upload_mb * 1024 * 1024)
    return app
