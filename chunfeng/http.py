"""Staff sign-in over HTTP, shared by every adapter that serves staff (web console, hotline):
a Bearer token, or the console's cookie."""

from __future__ import annotations

from typing import Any

from bot.accounts import ROLE_NAMES, Account
from chunfeng.errors import AuthError, Forbidden

COOKIE = "chunfeng_token"


def token_of(request: Any) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.cookies.get(COOKIE)


def account_of(request: Any) -> Account | None:
    return request.app.state.services.accounts.account_for_token(token_of(request))


def require(request: Any, *roles: str) -> Account:
    """The signed-in account, which must have one of `roles` (admin has them all)."""
    acc = account_of(request)
    if acc is None:
        raise AuthError("请先登录（在请求头中带上 Authorization: Bearer <token>，或在工作台登录）。")
    if not acc.can(*roles):
        raise Forbidden(forbidden(acc, roles))
    return acc


def forbidden(acc: Account, roles: tuple[str, ...]) -> str:
    """Why `acc` may not do this, in words a member of staff understands, and whom to ask."""
    need = "或".join(ROLE_NAMES.get(r, r) for r in dict.fromkeys([*roles, "admin"]))
    return f"账号 {acc.username}（{ROLE_NAMES.get(acc.role, acc.role)}）无权执行此操作，需要{need}账号。如需开通，请联系系统管理员。"
