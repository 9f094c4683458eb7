"""Conversations: sessions and their messages, in order, with feedback.

Roles: ``user`` (the person asking), ``assistant`` (Chunfeng), ``agent`` (a human agent),
``system`` (notices such as "已为您转人工"). A session remembers the topic of its last answered
question so follow-ups ("那小微企业呢？") can be understood.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.db import Database, iso

ROLES = ("user", "assistant", "agent", "system")
# the channels a session comes from (as stored) and their names on pages, reports and exports
CHANNEL_NAMES = {"web": "网页咨询", "wechat": "微信公众号", "miniprogram": "微信小程序", "hotline": "12345 热线", "cli": "命令行"}


@dataclass
class Message:
    id: str
    session_id: str
    seq: int
    role: str
    text: str
    created_at: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "session_id": self.session_id, "seq": self.seq, "role": self.role, "text": self.text,
                "created_at": self.created_at, **({"meta": self.meta} if self.meta else {})}


@dataclass
class Session:
    id: str
    user_id: str
    channel: str
    created_at: str
    updated_at: str
    topic: dict[str, Any] = field(default_factory=dict)
    unhelpful: int = 0  # unhelpful answers in a row
    meta: dict[str, Any] = field(default_factory=dict)


def new_id(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex


class SessionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _session(row) -> Session:
        return Session(row["id"], row["user_id"], row["channel"], row["created_at"], row["updated_at"],
                       json.loads(row["topic"]), int(row["unhelpful"]), json.loads(row["meta"]))

    def get(self, session_id: str) -> Session | None:
        row = self.db.one("SELECT * FROM sessions WHERE id=?", (session_id,))
        return self._session(row) if row else None

    def create(self, user_id: str = "", channel: str = "web", session_id: str | None = None) -> Session:
        now = iso(self.db.now())
        sid = session_id or new_id("s_")
        with self.db.tx() as c:
            c.execute("INSERT INTO sessions(id, user_id, channel, created_at, updated_at) VALUES(?,?,?,?,?)",
                      (sid, user_id, channel, now, now))
        return Session(sid, user_id, channel, now, now)

    def latest_for_user(self, user_id: str, channel: str) -> Session | None:
        row = self.db.one("SELECT * FROM sessions WHERE user_id=? AND channel=? ORDER BY updated_at DESC LIMIT 1", (user_id, channel))
        return self._session(row) if row else None

    def add(self, session_id: str, role: str, text: str, meta: dict[str, Any] | None = None) -> Message:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        now = iso(self.db.now())
        mid = new_id("m_")
        with self.db.tx() as c:
            seq = int(c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id=?", (session_id,)).fetchone()[0])
            c.execute("INSERT INTO messages(id, session_id, seq, role, text, created_at, meta) VALUES(?,?,?,?,?,?,?)",
                      (mid, session_id, seq, role, text, now, json.dumps(meta or {}, ensure_ascii=False)))
            c.execute("UPDATE sessions SET updated_at=? WHERE id=?", (now, session_id))
        return Message(mid, session_id, seq, role, text, now, meta or {})

    def messages(self, session_id: str, after_seq: int = 0) -> list[Message]:
        rows = self.db.query("SELECT * FROM messages WHERE session_id=? AND seq>? ORDER BY seq", (session_id, after_seq))
        return [Message(r["id"], r["session_id"], r["seq"], r["role"], r["text"], r["created_at"], json.loads(r["meta"])) for r in rows]

    def message(self, message_id: str) -> Message | None:
        r = self.db.one("SELECT * FROM messages WHERE id=?", (message_id,))
        return Message(r["id"], r["session_id"], r["seq"], r["role"], r["text"], r["created_at"], json.loads(r["meta"])) if r else None

    def set_topic(self, session_id: str, topic: dict[str, Any]) -> None:
        self.db.execute("UPDATE sessions SET topic=? WHERE id=?", (json.dumps(topic, ensure_ascii=False), session_id))

    def set_unhelpful(self, session_id: str, count: int) -> None:
        self.db.execute("UPDATE sessions SET unhelpful=? WHERE id=?", (count, session_id))

    def add_feedback(self, message_id: str, session_id: str, helpful: bool, comment: str = "") -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO feedback(message_id, session_id, helpful, comment, created_at) VALUES(?,?,?,?,?)",
                      (message_id, session_id, 1 if helpful else 0, comment, iso(self.db.now())))
