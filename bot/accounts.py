"""Staff accounts (agents, 12345 operators, admins), password hashing and sign-in tokens.

Passwords are hashed with scrypt and a per-account salt; tokens are random, stored only as their
SHA-256, and expire. Roles: ``agent`` answers handoff tickets, ``operator`` searches the knowledge
base for the hotline, ``admin`` does both and manages documents, FAQ and accounts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.db import Database, iso, parse_iso
from chunfeng.errors import AuthError, Conflict, InvalidInput

ROLES = ("agent", "operator", "admin")
ROLE_NAMES = {"agent": "客服坐席", "operator": "热线话务员", "admin": "管理员"}
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
_N, _R, _P = 2**14, 8, 1


@dataclass
class Account:
    username: str
    role: str
    created_at: str
    disabled: bool = False

    def can(self, *roles: str) -> bool:
        return not self.disabled and (self.role in roles or self.role == "admin")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


class AccountStore:
    def __init__(self, db: Database, token_ttl: timedelta = timedelta(hours=12)) -> None:
        self.db = db
        self.token_ttl = token_ttl

    def create(self, username: str, password: str, role: str) -> Account:
        if not _USERNAME.match(username):
            raise InvalidInput(f"用户名“{username}”不合规：只能用 2–32 个英文字母、数字或 _ . -。")
        if role not in ROLES:
            raise InvalidInput(f"角色“{role}”无效：只能是 agent（客服坐席）、operator（热线话务员）或 admin（管理员）。")
        if len(password) < 8:
            raise InvalidInput("密码太短：至少 8 个字符。")
        if self.db.one("SELECT 1 FROM accounts WHERE username=?", (username,)):
            raise Conflict(f"用户名“{username}”已存在。如需重设密码，请先删除该账号或换一个用户名。")
        now = iso(self.db.now())
        with self.db.tx() as c:
            c.execute("INSERT INTO accounts(username, password_hash, role, created_at) VALUES(?,?,?,?)",
                      (username, hash_password(password), role, now))
        return Account(username, role, now)

    def get(self, username: str) -> Account | None:
        r = self.db.one("SELECT username, role, created_at, disabled FROM accounts WHERE username=?", (username,))
        return Account(r["username"], r["role"], r["created_at"], bool(r["disabled"])) if r else None

    def list(self) -> list[Account]:
        return [Account(r["username"], r["role"], r["created_at"], bool(r["disabled"]))
                for r in self.db.query("SELECT username, role, created_at, disabled FROM accounts ORDER BY username")]

    def authenticate(self, username: str, password: str) -> Account:
        r = self.db.one("SELECT * FROM accounts WHERE username=?", (username,))
        # the same message for an unknown user and a wrong password, so neither can be probed
        if r is None or r["disabled"] or not check_password(password, r["password_hash"]):
            raise AuthError("用户名或密码不正确。")
        return Account(r["username"], r["role"], r["created_at"], False)

    def issue_token(self, account: Account) -> str:
        token = secrets.token_urlsafe(32)
        now = self.db.now()
        with self.db.tx() as c:
            c.execute("INSERT INTO auth_tokens(token_hash, username, created_at, expires_at) VALUES(?,?,?,?)",
                      (_digest(token), account.username, iso(now), iso(now + self.token_ttl)))
        return token

    def account_for_token(self, token: str | None) -> Account | None:
        if not token:
            return None
        r = self.db.one("SELECT username, expires_at FROM auth_tokens WHERE token_hash=?", (_digest(token),))
        if r is None or parse_iso(r["expires_at"]) < self.db.now():
            return None
        account = self.get(r["username"])
        return account if account and not account.disabled else None

    def revoke(self, token: str) -> None:
        self.db.execute("DELETE FROM auth_tokens WHERE token_hash=?", (_digest(token),))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
