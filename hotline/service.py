"""What the hotline does with work orders: create them with a suggested answer, tell the platform,
fold the platform's events in, and bring a closed order's answer back to the user and to the FAQ."""

from __future__ import annotations

import logging
from typing import Any

from bot.answer import Answerer
from bot.faq import FaqStore
from bot.notify import Notifiers
from bot.scope import ScopeGuard
from bot.sessions import SessionStore
from bot.tickets import OPEN, Ticket, TicketStore
from chunfeng.errors import InvalidInput, NotFound
from chunfeng.masking import mask
from hotline.categories import Categories
from hotline.platform import WebhookSender, parse_time
from hotline.workorders import WorkOrder, WorkOrderStore, validate

log = logging.getLogger("chunfeng.hotline")
EVENT_TYPES = ("dispatched", "closed", "callback")
HOTLINE_AGENT = "12345"


class Hotline:
    def __init__(self, orders: WorkOrderStore, answerer: Answerer, *, categories: Categories, scope: ScopeGuard,
                 faq: FaqStore, sessions: SessionStore, tickets: TicketStore, notifiers: Notifiers,
                 webhooks: WebhookSender | None) -> None:
        self.orders = orders
        self.answerer = answerer
        self.categories = categories
        self.scope = scope
        self.faq = faq
        self.sessions = sessions
        self.tickets = tickets
        self.notifiers = notifiers
        self.webhooks = webhooks

    def create(self, key: str, payload: dict[str, Any]) -> tuple[WorkOrder, bool]:
        if not key or len(key) > 200:
            raise InvalidInput("请在请求头 Idempotency-Key 中提供来电编号（call id），用于防止重复登记。")
        existing = self.orders.by_key(key)
        if existing is not None:
            return existing, False
        fields = validate(payload)
        reply = self.answerer.answer(fields["content"])
        related = self.scope.off_topic(fields["content"]) is None and reply.reason != "out_of_scope" and not (
            reply.handoff and reply.confidence < 0.2
        )
        suggested = reply.answer if reply.kind == "answer" else ""
        citations = [c.to_dict() for c in reply.citations[:5]] if suggested else []
        category = fields["category"] or self.categories.classify(fields["content"])
        order, created = self.orders.create(key, fields, category=category, procurement_related=related,
                                            suggested_answer=suggested, citations=citations)
        if created:
            log.info("work order %s created (%s, %s): %s", order.ticket_no, order.channel, order.request_type, mask(order.content[:60]))
            if self.webhooks is not None:
                self.webhooks.queue("workorder.created", order.for_platform())
        return order, created

    def answer(self, ticket_no: str, text: str, by: str) -> WorkOrder:
        """Our side answered the order (an operator or agent): tell the platform."""
        text = (text or "").strip()
        if not text:
            raise InvalidInput("答复内容不能为空。")
        order = self.orders.apply(ticket_no, "closed", {"answer": text})
        self._deliver(order, text)
        if self.webhooks is not None:
            self.webhooks.queue("workorder.answered", order.for_platform())
        return order

    def event(self, payload: dict[str, Any]) -> tuple[WorkOrder, bool]:
        """One platform event: (the order after it, whether the event was new)."""
        event_id = str(payload.get("event_id") or "").strip()
        kind = payload.get("type")
        ticket_no = str(payload.get("ticket_no") or "").strip()
        if not event_id or kind not in EVENT_TYPES or not ticket_no:
            raise InvalidInput("事件应包含 event_id、ticket_no，type 为 dispatched（已派单）、closed（办结）或 callback（回访）。")
        data = payload.get("data") or {}
        if not isinstance(data, dict):
            raise InvalidInput("事件的 data 应为对象。")
        occurred = parse_time(payload.get("occurred_at"), self.orders.db.now())
        if not self.orders.record_event(event_id, ticket_no, kind, occurred, data):
            return self.orders.get(ticket_no), False
        before = self.orders.get(ticket_no)
        order = self.orders.apply(ticket_no, kind, data)
        if kind == "closed" and not before.answer:  # the first answer, whatever order events came in
            self._deliver(order, order.answer)
            self.faq.draft(order.content, order.answer, order.citations, source_ticket=order.ticket_no, created_by=HOTLINE_AGENT)
        return order, True

    def _deliver(self, order: WorkOrder, text: str) -> None:
        """The handling unit's answer to the user, on the channel they came from — once. The answer
        goes out whoever holds the chat ticket (the platform speaks for the handling unit); if the
        delivery fails, it is not marked done, so the platform's retry of the event delivers it."""
        if not text or not (order.ticket_id or order.session_id):
            return
        if not self.orders.mark_answered_to_user(order.ticket_no):
            return
        reply = f"【12345 工单 {order.ticket_no} 办理结果】{text}"
        meta = {"agent": HOTLINE_AGENT, "workorder": order.ticket_no}
        try:
            ticket = self._ticket(order.ticket_id)
            if ticket is not None:
                if ticket.status in OPEN:
                    ticket = self.tickets.answer(ticket.id, HOTLINE_AGENT, reply, override=True)
                self.sessions.add(ticket.session_id, "agent", reply, {**meta, "ticket": ticket.id})
                self.notifiers.deliver(ticket, reply)
            elif order.session_id:
                self.sessions.add(order.session_id, "agent", reply, meta)
        except Exception:
            self.orders.unmark_answered_to_user(order.ticket_no)
            raise

    def _ticket(self, ticket_id: str | None) -> Ticket | None:
        if not ticket_id:
            return None
        try:
            return self.tickets.get(ticket_id)
        except NotFound:
            return None
