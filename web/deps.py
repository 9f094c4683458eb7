"""Request-scoped dependencies: the services, the signed-in staff account, the rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.accounts import Account
from chunfeng.errors import AuthError, Forbidden
from chunfeng.factory import Services
from web.ratelimit import RateLimiter

COOKIE = "chunfeng_token"


def services(request: Request) -> Services:
    return request.app.state.services


def token_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.cookies.get(COOKIE)


def optional_account(request: Request, svc: Annotated[Services, Depends(services)]) -> Account | None:
    return svc.accounts.account_for_token(token_of(request))


def account(acc: Annotated[Account | None, Depends(optional_account)]) -> Account:
    if acc is None:
        raise AuthError("请先登录（在请求头中带上 Authorization: Bearer <token>，或在坐席控制台登录）。")
    return acc


def role_required(*roles: str):
    def check(acc: Annotated[Account, Depends(account)]) -> Account:
        if not acc.can(*roles):
            raise Forbidden(f"账号 {acc.username} 的角色是 {acc.role}，无权执行此操作（需要：{'、'.join(roles)}）。")
        return acc

    return check


def client_ip(request: Request) -> str:
    """The caller's address. Behind a reverse proxy (CHUNFENG_TRUST_PROXY), uvicorn has already
    taken it from the proxy's X-Forwarded-For; otherwise it is the TCP peer and the header, which
    any client can send, is ignored."""
    return request.client.host if request.client else "unknown"


def throttle(request: Request, acc: Account | None, user_id: str | None = None) -> None:
    """Public endpoints are limited per IP, and per user when one is named; signed-in staff are not.
    A user id chosen by the client never buys a fresh budget: the IP limit always applies."""
    if acc is not None:
        return
    limiter: RateLimiter = request.app.state.limiter
    ip = client_ip(request)
    limiter.check(f"ip:{ip}")
    if user_id:
        limiter.check(f"user:{user_id}")


Svc = Annotated[Services, Depends(services)]
OptionalAccount = Annotated[Account | None, Depends(optional_account)]
Agent = Annotated[Account, Depends(role_required("agent"))]
Staff = Annotated[Account, Depends(role_required("agent", "operator"))]
Admin = Annotated[Account, Depends(role_required("admin"))]
