"""Delivering a person's answer back to the channel the user came from.

``Notifier`` is the port; each channel plugs in an implementation. The web channel needs no push:
the agent's message is stored in the session, and the chat page (polling or server-sent events)
shows it. WeChat and the 12345 platform plug in their own notifiers, backed by the persistent
outbox, so a send survives a restart and is never made twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.db import Database, iso
from bot.tickets import Ticket


@dataclass
class Delivery:
    channel: str
    delivered: bool  # reached the user (or their inbox) now
    detail: str = ""


class Notifier(Protocol):
    def deliver(self, ticket: Ticket, text: str) -> Delivery: ...


class SessionNotifier:
    """Web and CLI: the agent's message already sits in the session; the page picks it up."""

    def __init__(self, channel: str = "web") -> None:
        self.channel = channel

    def deliver(self, ticket: Ticket, text: str) -> Delivery:
        return Delivery(self.channel, True, "stored in session")


class Notifiers:
    """Picks the notifier for a ticket's channel; unknown channels fall back to the session."""

    def __init__(self, by_channel: dict[str, Notifier] | None = None) -> None:
        self.by_channel = dict(by_channel or {})
        self.default = SessionNotifier()

    def register(self, channel: str, notifier: Notifier) -> None:
        self.by_channel[channel] = notifier

    def deliver(self, ticket: Ticket, text: str) -> Delivery:
        return self.by_channel.get(ticket.channel, self.default).deliver(ticket, text)


class Outbox:
    """Persistent queue of outbound messages, one row per send, idempotent on ``dedup_key``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, channel: str, target: str, kind: str, payload: dict[str, Any], dedup_key: str | None = None,
                not_before: datetime | None = None) -> int | None:
        """Queue a message; returns its id, or None when ``dedup_key`` was queued before."""
        now = self.db.now()
        with self.db.tx() as c:
            if dedup_key and c.execute("SELECT 1 FROM outbox WHERE dedup_key=?", (dedup_key,)).fetchone():
                return None
            cur = c.execute(
                "INSERT INTO outbox(channel, target, kind, payload, state, next_at, created_at, dedup_key) VALUES(?,?,?,?,?,?,?,?)",
                (channel, target, kind, json.dumps(payload, ensure_ascii=False), "pending", iso(not_before or now), iso(now), dedup_key),
            )
            return int(cur.lastrowid)

    def due(self, channel: str, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT * FROM outbox WHERE channel=? AND state='pending' AND next_at<=? ORDER BY id LIMIT ?",
            (channel, iso(self.db.now()), limit),
        )
        return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]

    def mark_sent(self, item_id: int) -> None:
        self.db.execute("UPDATE outbox SET state='sent', sent_at=?, attempts=attempts+1 WHERE id=?", (iso(self.db.now()), item_id))

    def mark_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        if retry_at is None:
            self.db.execute("UPDATE outbox SET state='failed', error=?, attempts=attempts+1 WHERE id=?", (error[:500], item_id))
        else:
            self.db.execute("UPDATE outbox SET error=?, attempts=attempts+1, next_at=? WHERE id=?", (error[:500], iso(retry_at), item_id))

    def mark_waiting(self, item_id: int, reason: str) -> None:
        """Cannot be sent now (e.g. WeChat's 48-hour window closed): kept until the user writes."""
        self.db.execute("UPDATE outbox SET state='waiting', error=? WHERE id=?", (reason[:500], item_id))

    def release(self, item_id: int) -> None:
        """A waiting message may go now (the user wrote again)."""
        self.db.execute("UPDATE outbox SET state='pending', next_at=? WHERE id=?", (iso(self.db.now()), item_id))

    def waiting_for(self, channel: str, target: str) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM outbox WHERE channel=? AND target=? AND state='waiting' ORDER BY id", (channel, target))
        return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]

    def get(self, item_id: int) -> dict[str, Any] | None:
        r = self.db.one("SELECT * FROM outbox WHERE id=?", (item_id,))
        return {**dict(r), "payload": json.loads(r["payload"])} if r else None
