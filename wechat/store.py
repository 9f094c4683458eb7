"""What the WeChat adapter must remember across requests, restarts and worker processes.

All in the application database (SQLite by default): the shared access token, push dedup keys,
each user's customer-service window and quota, the link from an openid to its conversation,
subscribe-message acceptances, mini-program sign-ins and idempotent chat requests.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from bot.db import Database, iso, parse_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_tokens (appid TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wechat_dedup (key TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wechat_windows (
    openid TEXT PRIMARY KEY, last_user_at TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS wechat_users (
    openid TEXT PRIMARY KEY, kind TEXT NOT NULL, session_id TEXT NOT NULL DEFAULT '', unionid TEXT,
    session_key TEXT, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wechat_subscriptions (
    openid TEXT NOT NULL, template_id TEXT NOT NULL, accepted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (openid, template_id)
);
CREATE TABLE IF NOT EXISTS mp_tokens (token_hash TEXT PRIMARY KEY, openid TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mp_requests (
    client_msg_id TEXT NOT NULL, openid TEXT NOT NULL, response TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (openid, client_msg_id)
);
"""

WINDOW = timedelta(hours=48)


class WeChatStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)

    # -- access token shared between workers ----------------------------------------------------
    def token(self, appid: str) -> tuple[str, datetime] | None:
        r = self.db.one("SELECT token, expires_at FROM wechat_tokens WHERE appid=?", (appid,))
        return (r["token"], parse_iso(r["expires_at"])) if r else None

    def save_token(self, appid: str, token: str, expires_at: datetime) -> None:
        self.db.execute(
            "INSERT INTO wechat_tokens(appid, token, expires_at) VALUES(?,?,?) "
            "ON CONFLICT(appid) DO UPDATE SET token=excluded.token, expires_at=excluded.expires_at",
            (appid, token, iso(expires_at)),
        )

    def drop_token(self, appid: str) -> None:
        self.db.execute("DELETE FROM wechat_tokens WHERE appid=?", (appid,))

    # -- dedup of WeChat's retries (persisted, so a restart does not answer twice) -------------
    def first_time(self, key: str) -> bool:
        """True the first time a push key is seen, False for every retry of it."""
        with self.db.tx() as c:
            if c.execute("SELECT 1 FROM wechat_dedup WHERE key=?", (key,)).fetchone():
                return False
            c.execute("INSERT INTO wechat_dedup(key, created_at) VALUES(?,?)", (key, iso(self.db.now())))
        return True

    def forget_old_keys(self, older_than: timedelta = timedelta(days=3)) -> None:
        self.db.execute("DELETE FROM wechat_dedup WHERE created_at < ?", (iso(self.db.now() - older_than),))

    # -- the customer-service window: 48 hours and a quota after each user message --------------
    def user_wrote(self, openid: str) -> None:
        self.db.execute(
            "INSERT INTO wechat_windows(openid, last_user_at, sent) VALUES(?,?,0) "
            "ON CONFLICT(openid) DO UPDATE SET last_user_at=excluded.last_user_at, sent=0",
            (openid, iso(self.db.now())),
        )

    def window(self, openid: str, quota: int) -> tuple[bool, int]:
        """(open, messages left) for a user, as we count them (WeChat remains the authority)."""
        r = self.db.one("SELECT last_user_at, sent FROM wechat_windows WHERE openid=?", (openid,))
        if r is None:
            return False, 0
        open_ = self.db.now() - parse_iso(r["last_user_at"]) < WINDOW
        return open_, max(0, quota - int(r["sent"])) if open_ else 0

    def spent(self, openid: str) -> None:
        self.db.execute("UPDATE wechat_windows SET sent = sent + 1 WHERE openid=?", (openid,))

    def exhausted(self, openid: str, quota: int) -> None:
        """WeChat said the quota is used up (45047): stop counting on our own."""
        self.db.execute("UPDATE wechat_windows SET sent=? WHERE openid=?", (quota, openid))

    # -- users, their conversation and subscriptions ------------------------------------------------
    def user(self, openid: str) -> dict[str, Any] | None:
        r = self.db.one("SELECT * FROM wechat_users WHERE openid=?", (openid,))
        return dict(r) if r else None

    def link(self, openid: str, kind: str, session_id: str = "", unionid: str | None = None, session_key: str | None = None) -> None:
        now = iso(self.db.now())
        self.db.execute(
            "INSERT INTO wechat_users(openid, kind, session_id, unionid, session_key, updated_at) VALUES(?,?,?,?,?,?) "
            "ON CONFLICT(openid) DO UPDATE SET kind=excluded.kind, "
            "session_id=CASE WHEN excluded.session_id != '' THEN excluded.session_id ELSE wechat_users.session_id END, "
            "unionid=COALESCE(excluded.unionid, wechat_users.unionid), "
            "session_key=COALESCE(excluded.session_key, wechat_users.session_key), updated_at=excluded.updated_at",
            (openid, kind, session_id, unionid, session_key, now),
        )

    def openid_for_session(self, session_id: str) -> str | None:
        r = self.db.one("SELECT openid FROM wechat_users WHERE session_id=?", (session_id,))
        return r["openid"] if r else None

    def accept(self, openid: str, template_id: str, result: str) -> None:
        if result != "accept":
            return
        self.db.execute(
            "INSERT INTO wechat_subscriptions(openid, template_id, accepted) VALUES(?,?,1) "
            "ON CONFLICT(openid, template_id) DO UPDATE SET accepted = accepted + 1",
            (openid, template_id),
        )

    def subscription_left(self, openid: str, template_id: str) -> int:
        r = self.db.one("SELECT accepted FROM wechat_subscriptions WHERE openid=? AND template_id=?", (openid, template_id))
        return int(r["accepted"]) if r else 0

    def use_subscription(self, openid: str, template_id: str, refused: bool = False) -> None:
        sql = "UPDATE wechat_subscriptions SET accepted = {} WHERE openid=? AND template_id=?".format(
            "0" if refused else "MAX(0, accepted - 1)"
        )
        self.db.execute(sql, (openid, template_id))

    # -- mini-program sign-in: our own bearer tokens; session_key never leaves the server --------
    def issue_mp_token(self, openid: str, ttl: timedelta) -> str:
        token = secrets.token_urlsafe(32)
        self.db.execute("INSERT INTO mp_tokens(token_hash, openid, expires_at) VALUES(?,?,?)",
                        (_digest(token), openid, iso(self.db.now() + ttl)))
        return token

    def openid_for_token(self, token: str | None) -> str | None:
        if not token:
            return None
        r = self.db.one("SELECT openid, expires_at FROM mp_tokens WHERE token_hash=?", (_digest(token),))
        if r is None or parse_iso(r["expires_at"]) < self.db.now():
            return None
        return r["openid"]

    # -- idempotent mini-program chat ----------------------------------------------------------------
    def cached_response(self, openid: str, client_msg_id: str) -> dict[str, Any] | None:
        r = self.db.one("SELECT response FROM mp_requests WHERE openid=? AND client_msg_id=?", (openid, client_msg_id))
        return json.loads(r["response"]) if r else None

    def cache_response(self, openid: str, client_msg_id: str, response: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO mp_requests(client_msg_id, openid, response, created_at) VALUES(?,?,?,?)",
            (client_msg_id, openid, json.dumps(response, ensure_ascii=False), iso(self.db.now())),
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
