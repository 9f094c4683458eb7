"""Work orders (工单) for the 12345 platform, in the canonical model of HOTLINE.md.

Creation is idempotent on the caller's ``Idempotency-Key`` (the call id): the same key returns the
same work order. Each order carries a suggested answer and its citations when the knowledge base can
answer, and whether it is about procurement at all. Platform events arrive out of order and twice;
they are applied idempotently (``event_id``) and never move an order backwards.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.db import Database, iso
from chunfeng.errors import InvalidInput, NotFound
from chunfeng.masking import mask

REQUEST_TYPES = ("咨询", "求助", "投诉", "举报", "建议")
CHANNELS = ("电话", "微信公众号", "微信小程序", "网站", "其他")
URGENCY = ("一般", "紧急", "特急")
# states in the order they are reached; an event never moves an order to an earlier one
STATES = ("created", "dispatched", "closed", "callback")
STATE_NAMES = {"created": "已登记", "dispatched": "已派单", "closed": "已办结", "callback": "已回访"}
SATISFACTION = ("满意", "基本满意", "不满意")
CHINA = timezone(timedelta(hours=8))

SCHEMA = """
CREATE TABLE IF NOT EXISTS hotline_workorders (
    ticket_no TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL, received_at TEXT NOT NULL,
    caller TEXT NOT NULL, request_type TEXT NOT NULL, content TEXT NOT NULL, category TEXT NOT NULL DEFAULT '',
    urgency TEXT NOT NULL DEFAULT '一般', status TEXT NOT NULL, procurement_related INTEGER NOT NULL,
    suggested_answer TEXT NOT NULL DEFAULT '', citations TEXT NOT NULL DEFAULT '[]', session_id TEXT, ticket_id TEXT,
    handling_unit TEXT NOT NULL DEFAULT '', answer TEXT NOT NULL DEFAULT '', satisfaction TEXT NOT NULL DEFAULT '',
    answered_to_user INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hotline_events (
    event_id TEXT PRIMARY KEY, ticket_no TEXT NOT NULL, type TEXT NOT NULL, occurred_at TEXT NOT NULL,
    payload TEXT NOT NULL, received_at TEXT NOT NULL
)
"""


@dataclass
class Caller:
    name: str = ""
    phone: str = ""
    anonymous: bool = False


@dataclass
class WorkOrder:
    ticket_no: str
    idempotency_key: str
    channel: str
    received_at: str
    caller: Caller
    request_type: str
    content: str
    category: str
    urgency: str
    status: str
    procurement_related: bool
    suggested_answer: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    session_id: str | None = None
    ticket_id: str | None = None
    handling_unit: str = ""
    answer: str = ""
    satisfaction: str = ""
    answered_to_user: bool = False
    created_at: str = ""
    updated_at: str = ""

    def for_platform(self) -> dict[str, Any]:
        """What the 12345 platform gets (signed, to a configured endpoint): the caller's real number,
        which it needs to call back; pages and logs only ever see :meth:`public`."""
        data = asdict(self)
        data["status_name"] = STATE_NAMES[self.status]
        data.pop("idempotency_key", None)
        return data

    def public(self) -> dict[str, Any]:
        """What pages and API responses show: personal numbers masked, an anonymous caller unnamed."""
        data = asdict(self)
        data["caller"] = {
            "name": "匿名" if self.caller.anonymous else mask(self.caller.name),
            "phone": "" if self.caller.anonymous else mask(self.caller.phone),
            "anonymous": self.caller.anonymous,
        }
        data["content"] = mask(self.content)
        data["status_name"] = STATE_NAMES[self.status]
        return data


def validate(payload: dict[str, Any]) -> dict[str, Any]:
    """The canonical fields, checked, with errors that say which field and what is allowed."""
    def pick(name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = payload.get(name, default)
        if value not in allowed:
            raise InvalidInput(f"字段 {name} 的值 {value!r} 无效，应为：{'、'.join(allowed)}。")
        return value

    content = str(payload.get("content") or "").strip()
    if not content:
        raise InvalidInput("字段 content（诉求内容）不能为空。")
    if len(content) > 5000:
        raise InvalidInput(f"诉求内容太长（{len(content)} 字），请控制在 5000 字以内。")
    caller = payload.get("caller") or {}
    if not isinstance(caller, dict):
        raise InvalidInput("字段 caller 应为对象：{\"name\", \"phone\", \"anonymous\"}。")
    received = payload.get("received_at")
    try:
        received_at = datetime.fromisoformat(str(received)) if received else None
    except ValueError as exc:
        raise InvalidInput(f"字段 received_at 的值 {received!r} 不是有效时间，应为 ISO 8601，如 2026-11-25T10:30:00+08:00。") from exc
    return {
        "channel": pick("channel", CHANNELS, "电话"),
        "received_at": received_at,
        "caller": Caller(str(caller.get("name") or ""), str(caller.get("phone") or ""), bool(caller.get("anonymous"))),
        "request_type": pick("request_type", REQUEST_TYPES, "咨询"),
        "content": content,
        "category": str(payload.get("category") or "").strip(),
        "urgency": pick("urgency", URGENCY, "一般"),
        "session_id": payload.get("session_id") or None,
        "ticket_id": payload.get("ticket_id") or None,
    }


class WorkOrderStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)

    @staticmethod
    def _order(r) -> WorkOrder:
        d = dict(r)
        d["caller"] = Caller(**json.loads(d["caller"]))
        d["citations"] = json.loads(d["citations"])
        d["procurement_related"] = bool(d["procurement_related"])
        d["answered_to_user"] = bool(d["answered_to_user"])
        return WorkOrder(**d)

    def get(self, ticket_no: str) -> WorkOrder:
        r = self.db.one("SELECT * FROM hotline_workorders WHERE ticket_no=?", (ticket_no,))
        if r is None:
            raise NotFound(f"工单 {ticket_no} 不存在。请核对工单编号。")
        return self._order(r)

    def by_key(self, key: str) -> WorkOrder | None:
        r = self.db.one("SELECT * FROM hotline_workorders WHERE idempotency_key=?", (key,))
        return self._order(r) if r else None

    def list(self, since: datetime | None = None, until: datetime | None = None, limit: int = 5000) -> list[WorkOrder]:
        rows = self.db.query(
            "SELECT * FROM hotline_workorders WHERE created_at >= ? AND created_at <= ? ORDER BY created_at DESC LIMIT ?",
            (iso(since) if since else "", iso(until) if until else "9999", limit),
        )
        return [self._order(r) for r in rows]

    def create(self, key: str, fields: dict[str, Any], *, category: str, procurement_related: bool,
               suggested_answer: str, citations: list[dict[str, Any]]) -> tuple[WorkOrder, bool]:
        """(order, created) — the existing order when the key was seen before."""
        existing = self.by_key(key)
        if existing is not None:
            return existing, False
        now = self.db.now()
        inserted = False
        with self.db.tx() as c:
            if not c.execute("SELECT 1 FROM hotline_workorders WHERE idempotency_key=?", (key,)).fetchone():
                day = now.astimezone(CHINA).strftime("%Y%m%d")
                no = f"GD{day}{self.db.next_number(c, 'workorder-' + day):05d}"
                c.execute(
                    "INSERT INTO hotline_workorders(ticket_no, idempotency_key, channel, received_at, caller, request_type, content,"
                    " category, urgency, status, procurement_related, suggested_answer, citations, session_id, ticket_id,"
                    " created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (no, key, fields["channel"], iso(fields["received_at"] or now), json.dumps(asdict(fields["caller"]), ensure_ascii=False),
                     fields["request_type"], fields["content"], category, fields["urgency"], "created", int(procurement_related),
                     suggested_answer, json.dumps(citations, ensure_ascii=False), fields["session_id"], fields["ticket_id"],
                     iso(now), iso(now)),
                )
                inserted = True  # else a concurrent request with the same key created it first
        order = self.by_key(key)
        assert order is not None
        return order, inserted

    def record_event(self, event_id: str, ticket_no: str, kind: str, occurred_at: datetime, payload: dict[str, Any]) -> bool:
        """Store an event once; False when this event id was seen before."""
        self.get(ticket_no)  # 404 for an unknown order, before anything is stored
        with self.db.tx() as c:
            if c.execute("SELECT 1 FROM hotline_events WHERE event_id=?", (event_id,)).fetchone():
                return False
            c.execute("INSERT INTO hotline_events(event_id, ticket_no, type, occurred_at, payload, received_at) VALUES(?,?,?,?,?,?)",
                      (event_id, ticket_no, kind, iso(occurred_at), json.dumps(payload, ensure_ascii=False), iso(self.db.now())))
        return True

    def apply(self, ticket_no: str, kind: str, payload: dict[str, Any]) -> WorkOrder:
        """Fold one event into the order: fields it carries are set, the state only moves forward."""
        order = self.get(ticket_no)
        fields: dict[str, Any] = {"updated_at": iso(self.db.now())}
        if kind == "dispatched" and payload.get("handling_unit"):
            fields["handling_unit"] = str(payload["handling_unit"])
        elif kind == "closed":
            answer = str(payload.get("answer") or "").strip()
            if not answer:
                raise InvalidInput("办结事件缺少 answer（承办单位的答复）。")
            fields["answer"] = answer
            if payload.get("handling_unit") and not order.handling_unit:
                fields["handling_unit"] = str(payload["handling_unit"])
        elif kind == "callback":
            satisfaction = payload.get("satisfaction")
            if satisfaction not in SATISFACTION:
                raise InvalidInput(f"回访事件的 satisfaction 为 {satisfaction!r}，应为：{'、'.join(SATISFACTION)}。")
            fields["satisfaction"] = satisfaction
        if STATES.index(kind) > STATES.index(order.status):
            fields["status"] = kind
        with self.db.tx() as c:
            c.execute(f"UPDATE hotline_workorders SET {', '.join(f'{k}=?' for k in fields)} WHERE ticket_no=?",
                      (*fields.values(), ticket_no))
        return self.get(ticket_no)

    def unmark_answered_to_user(self, ticket_no: str) -> None:
        self.db.execute("UPDATE hotline_workorders SET answered_to_user=0 WHERE ticket_no=?", (ticket_no,))

    def mark_answered_to_user(self, ticket_no: str) -> bool:
        """Claim the one-time delivery of the answer to the user; False if it was already done."""
        with self.db.tx() as c:
            cur = c.execute("UPDATE hotline_workorders SET answered_to_user=1 WHERE ticket_no=? AND answered_to_user=0", (ticket_no,))
            return cur.rowcount == 1
