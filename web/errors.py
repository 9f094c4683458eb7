"""One error shape for the whole JSON API, rendered in one place.

    {"error": {"code": "not_found", "message": "会话 s_… 不存在或已过期。…"}}

``code`` is stable and machine-readable; ``message`` is plain Chinese a person can act on. A test
pins this shape. Pages render the same errors as an HTML page instead (web.pages).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chunfeng.errors import (
    AuthError, BadRequest, ChunfengError, Conflict, Forbidden, InvalidInput, KnowledgeBaseMissing, NotConfigured, NotFound,
    RateLimited, TooLarge,
)

STATUS = [
    (TooLarge, 413), (BadRequest, 400), (InvalidInput, 422), (NotFound, 404), (Conflict, 409), (AuthError, 401), (Forbidden, 403),
    (RateLimited, 429), (KnowledgeBaseMissing, 503), (NotConfigured, 503),
]
HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "请先登录。"),
    403: ("forbidden", "没有权限执行此操作。"),
    404: ("not_found", "请求的地址不存在。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    413: ("too_large", "请求内容太大。"),
    415: ("unsupported_media_type", "请以 JSON 格式提交（Content-Type: application/json）。"),
    429: ("rate_limited", "请求太频繁，请稍后再试。"),
    500: ("internal_error", "服务器内部错误，请稍后重试；如果持续出现，请联系管理员。"),
}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return {"error": body}


def status_of(exc: ChunfengError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "请求体"
        kind = err.get("type", "")
        if kind == "json_invalid":
            return "请求体不是有效的 JSON，请检查引号、逗号和括号。", [{"field": "body", "problem": "json_invalid"}]
        if kind == "missing":
            text = f"缺少字段 {where}"
        elif kind.startswith("string_too_long"):
            text = f"字段 {where} 太长"
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            text = f"字段 {where} 的类型不对"
        else:
            text = f"字段 {where} 不符合要求"
        problems.append({"field": where, "problem": kind})
        if len(problems) == 1:
            first = text
    return "请求内容有误：" + first + "。", problems


def install(app: FastAPI) -> None:
    @app.exception_handler(ChunfengError)
    async def chunfeng_error(request: Request, exc: ChunfengError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if isinstance(exc, AuthError):
            headers = {"WWW-Authenticate": "Bearer"}
        return JSONResponse(error_body(exc.code, exc.message), status_code=status_of(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, detail = _validation_message(exc)
        return JSONResponse(error_body("invalid_input", message, detail), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理。"))
        if isinstance(exc.detail, str) and exc.detail and not exc.detail.isascii():
            message = exc.detail
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        import logging

        logging.getLogger("chunfeng.web").exception("unhandled error on %s %s", request.method, request.url.path)
        code, message = HTTP_MESSAGES[500]
        return JSONResponse(error_body(code, message), status_code=500)
