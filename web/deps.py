"""Request-scoped dependencies: the services, the signed-in staff account, the rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.accounts import Account
from chunfeng.factory import Services
from chunfeng.http import COOKIE, account_of, require, token_of  # noqa: F401  (re-exported for the pages)
from web.ratelimit import RateLimiter

def services(request: Request) -> Services:
    return request.app.state.services


def optional_account(request: Request) -> Account | None:
    return account_of(request)


def role_required(*roles: str):
    def check(request: Request) -> Account:
        return require(request, *roles)

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
