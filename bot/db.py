"""The application database: conversations, tickets, FAQ, accounts, outbox (SQLite, WAL).

One file, ``<data dir>/app.sqlite``, separate from the knowledge-base registry. Every store in
``bot/`` works through :class:`Database`, so moving to PostgreSQL means one new class with the same
methods. Times are stored as ISO-8601 strings in UTC.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from chunfeng.sqlite import Sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL DEFAULT 'web',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '{}', unhelpful INTEGER NOT NULL DEFAULT 0, meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,
    role TEXT NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS messages_by_session ON messages(session_id, seq);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, session_id TEXT NOT NULL,
    helpful INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL, user_id TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL, question TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, due_at TEXT NOT NULL,
    claimed_by TEXT, claimed_at TEXT, answered_at TEXT, closed_at TEXT, transcript TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS tickets_by_status ON tickets(status, created_at);
CREATE INDEX IF NOT EXISTS tickets_by_session ON tickets(session_id);
CREATE TABLE IF NOT EXISTS ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id TEXT NOT NULL, at TEXT NOT NULL,
    actor TEXT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS faq (
    id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL, source_ticket TEXT, created_by TEXT NOT NULL DEFAULT '', reviewed_by TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, published_at TEXT
);
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
    created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS auth_tokens (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL,
    payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at TEXT NOT NULL,
    created_at TEXT NOT NULL, sent_at TEXT, error TEXT NOT NULL DEFAULT '', dedup_key TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Database(Sqlite):
    """The application database, with the clock every store reads the time from."""

    def __init__(self, path: Path | str, clock: Clock = utc_now) -> None:
        super().__init__(path, SCHEMA)
        self.clock = clock

    def now(self) -> datetime:
        return self.clock()

    def next_number(self, conn: sqlite3.Connection, name: str) -> int:
        """A counter inside the caller's transaction (ticket numbers per day)."""
        conn.execute(
            "INSERT INTO counters(name, value) VALUES(?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1", (name,)
        )
        return int(conn.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()[0])
