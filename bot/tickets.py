"""Handoff tickets: a conversation a person must pick up, and its life cycle.

    pending ──claim──► claimed ──reply──► answered ──close──► closed
       ▲                                     │
       └──────── the user writes again ──────┘   (reopened: back to pending)

A session has at most one open ticket (pending, claimed or answered); asking for a person again
returns it instead of opening another. Every change is recorded in ``ticket_events``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.db import Database, iso, parse_iso
from chunfeng.errors import Conflict, NotFound

PENDING, CLAIMED, ANSWERED, CLOSED = "pending", "claimed", "answered", "closed"
OPEN = (PENDING, CLAIMED, ANSWERED)
STATUS_NAMES = {PENDING: "待处理", CLAIMED: "处理中", ANSWERED: "已答复", CLOSED: "已关闭"}
REASON_NAMES = {
    "user_request": "用户要求人工",
    "low_confidence": "知识库无法确定答复",
    "out_of_scope": "不属于政府采购政策问题",
    "repeated_unhelpful": "连续两次答复没有帮助",
    "negative_feedback": "用户反馈答复没用",
    "dispute": "涉及具体项目的质疑或投诉",
}
CHINA = timezone(timedelta(hours=8))


class TicketNotFound(NotFound):
    pass


class TicketConflict(Conflict):
    pass


@dataclass
class Ticket:
    id: str
    session_id: str
    user_id: str
    channel: str
    status: str
    reason: str
    question: str
    created_at: str
    updated_at: str
    due_at: str
    claimed_by: str | None = None
    claimed_at: str | None = None
    answered_at: str | None = None
    closed_at: str | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "transcript"}
        data["status_name"] = STATUS_NAMES[self.status]
        data["reason_name"] = REASON_NAMES.get(self.reason, self.reason)
        if now is not None:
            created = parse_iso(self.created_at)
            data["waiting_minutes"] = int((now - created).total_seconds() // 60) if created else 0
            data["overdue"] = self.is_open and self.status != ANSWERED and now > parse_iso(self.due_at)
        return data


class TicketStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _ticket(r) -> Ticket:
        data = dict(r)
        data["transcript"] = json.loads(data["transcript"])
        return Ticket(**data)

    def get(self, ticket_id: str) -> Ticket:
        r = self.db.one("SELECT * FROM tickets WHERE id=?", (ticket_id,))
        if r is None:
            raise TicketNotFound(f"工单 {ticket_id} 不存在。请检查工单号。")
        return self._ticket(r)

    def open_for_session(self, session_id: str) -> Ticket | None:
        r = self.db.one(
            f"SELECT * FROM tickets WHERE session_id=? AND status IN ({','.join('?' * len(OPEN))}) ORDER BY created_at DESC LIMIT 1",
            (session_id, *OPEN),
        )
        return self._ticket(r) if r else None

    def latest_for_session(self, session_id: str) -> Ticket | None:
        r = self.db.one("SELECT * FROM tickets WHERE session_id=? ORDER BY created_at DESC LIMIT 1", (session_id,))
        return self._ticket(r) if r else None

    def list(self, statuses: tuple[str, ...] = OPEN, limit: int = 200) -> list[Ticket]:
        rows = self.db.query(
            f"SELECT * FROM tickets WHERE status IN ({','.join('?' * len(statuses))}) ORDER BY created_at LIMIT ?",
            (*statuses, limit),
        )
        return [self._ticket(r) for r in rows]

    def _event(self, c, ticket_id: str, actor: str, event: str, detail: str = "") -> None:
        c.execute("INSERT INTO ticket_events(ticket_id, at, actor, event, detail) VALUES(?,?,?,?,?)",
                  (ticket_id, iso(self.db.now()), actor, event, detail))

    def events(self, ticket_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT at, actor, event, detail FROM ticket_events WHERE ticket_id=? ORDER BY id", (ticket_id,))]

    def create(self, *, session_id: str, user_id: str, channel: str, reason: str, question: str,
               transcript: list[dict[str, Any]], due_at: datetime) -> tuple[Ticket, bool]:
        """Open a ticket for the session, or return its open one. Returns (ticket, created)."""
        existing = self.open_for_session(session_id)
        if existing is not None:
            return existing, False
        now = self.db.now()
        with self.db.tx() as c:
            day = now.astimezone(CHINA).strftime("%Y%m%d")
            tid = f"T{day}-{self.db.next_number(c, 'ticket-' + day):04d}"
            c.execute(
                "INSERT INTO tickets(id, session_id, user_id, channel, status, reason, question, created_at, updated_at, due_at, transcript)"
                " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                (tid, session_id, user_id, channel, PENDING, reason, question, iso(now), iso(now), iso(due_at),
                 json.dumps(transcript, ensure_ascii=False)),
            )
            self._event(c, tid, "system", "created", reason)
        return self.get(tid), True

    def _transition(self, ticket_id: str, allowed: tuple[str, ...], new: str, actor: str, event: str,
                    fields: dict[str, Any] | None = None, detail: str = "") -> Ticket:
        t = self.get(ticket_id)
        if t.status not in allowed:
            raise TicketConflict(
                f"工单 {ticket_id} 当前状态为“{STATUS_NAMES[t.status]}”，不能执行此操作"
                f"（需要：{'、'.join(STATUS_NAMES[s] for s in allowed)}）。请刷新后再试。"
            )
        now = iso(self.db.now())
        sets = {"status": new, "updated_at": now, **(fields or {})}
        with self.db.tx() as c:
            c.execute(f"UPDATE tickets SET {', '.join(f'{k}=?' for k in sets)} WHERE id=? AND status=?",
                      (*sets.values(), ticket_id, t.status))
            self._event(c, ticket_id, actor, event, detail)
        return self.get(ticket_id)

    def claim(self, ticket_id: str, agent: str) -> Ticket:
        t = self.get(ticket_id)
        if t.status == CLAIMED and t.claimed_by not in (None, agent):
            raise TicketConflict(f"工单 {ticket_id} 已由 {t.claimed_by} 认领处理。")
        if t.status == CLAIMED:
            return t
        return self._transition(ticket_id, (PENDING,), CLAIMED, agent, "claimed",
                                {"claimed_by": agent, "claimed_at": iso(self.db.now())})

    def answer(self, ticket_id: str, agent: str, text: str, *, override: bool = False) -> Ticket:
        """An answer from `agent`; `override` lets a system actor (the 12345 platform) answer a ticket
        someone else has claimed."""
        t = self.get(ticket_id)
        if t.status == PENDING:
            t = self.claim(ticket_id, agent)
        if t.status == CLAIMED and t.claimed_by not in (None, agent) and not override:
            raise TicketConflict(f"工单 {ticket_id} 已由 {t.claimed_by} 认领处理，请勿重复答复。")
        return self._transition(ticket_id, (CLAIMED, ANSWERED), ANSWERED, agent, "answered",
                                {"answered_at": iso(self.db.now())}, detail=text[:200])

    def close(self, ticket_id: str, actor: str) -> Ticket:
        return self._transition(ticket_id, OPEN, CLOSED, actor, "closed", {"closed_at": iso(self.db.now())})

    def reopen(self, ticket_id: str, actor: str = "user") -> Ticket:
        return self._transition(ticket_id, (ANSWERED,), PENDING, actor, "reopened", {"claimed_by": None, "claimed_at": None})
