"""The agents' side of a handoff: the queue, claiming, replying, closing, promoting to the FAQ.

Replying stores the agent's message in the conversation and hands it to the notifier of the
channel the user came from (web: the chat page shows it; WeChat and the hotline: their outboxes).
"""

from __future__ import annotations

from typing import Any

from bot.accounts import Account
from bot.faq import FaqEntry, FaqStore
from bot.notify import Delivery, Notifiers
from bot.sessions import Message, SessionStore
from bot.tickets import OPEN, Ticket, TicketStore
from chunfeng.errors import Forbidden, InvalidInput

MAX_REPLY_CHARS = 4000


class Desk:
    def __init__(self, sessions: SessionStore, tickets: TicketStore, faq: FaqStore, notifiers: Notifiers) -> None:
        self.sessions = sessions
        self.tickets = tickets
        self.faq = faq
        self.notifiers = notifiers

    def queue(self, statuses: tuple[str, ...] = OPEN) -> list[dict[str, Any]]:
        now = self.tickets.db.now()
        return [t.to_dict(now) for t in self.tickets.list(statuses)]

    def view(self, ticket_id: str) -> dict[str, Any]:
        t = self.tickets.get(ticket_id)
        return {
            "ticket": t.to_dict(self.tickets.db.now()),
            "messages": [m.to_dict() for m in self.sessions.messages(t.session_id)],
            "events": self.tickets.events(ticket_id),
        }

    def claim(self, ticket_id: str, agent: Account) -> Ticket:
        self._require_agent(agent)
        return self.tickets.claim(ticket_id, agent.username)

    def reply(self, ticket_id: str, agent: Account, text: str) -> tuple[Ticket, Message, Delivery]:
        self._require_agent(agent)
        text = (text or "").strip()
        if not text:
            raise InvalidInput("答复内容不能为空。")
        if len(text) > MAX_REPLY_CHARS:
            raise InvalidInput(f"答复太长（{len(text)} 字），请控制在 {MAX_REPLY_CHARS} 字以内。")
        ticket = self.tickets.answer(ticket_id, agent.username, text)
        message = self.sessions.add(ticket.session_id, "agent", text, {"agent": agent.username, "ticket": ticket.id})
        delivery = self.notifiers.deliver(ticket, text)
        return ticket, message, delivery

    def close(self, ticket_id: str, agent: Account) -> Ticket:
        self._require_agent(agent)
        ticket = self.tickets.close(ticket_id, agent.username)
        self.sessions.add(ticket.session_id, "system", "本次人工服务已结束。如有新的问题，可以继续提问。", {"ticket": ticket.id})
        return ticket

    def promote(self, ticket_id: str, agent: Account, question: str | None = None, answer: str | None = None,
                citations: list[dict[str, Any]] | None = None) -> FaqEntry:
        """Turn a ticket's question and the agent's answer into an FAQ draft for an admin to review."""
        self._require_agent(agent)
        t = self.tickets.get(ticket_id)
        if answer is None:
            answers = [m for m in self.sessions.messages(t.session_id) if m.role == "agent"]
            if not answers:
                raise InvalidInput(f"工单 {ticket_id} 还没有人工答复，不能加入常见问题。请先答复。")
            answer = answers[-1].text
        return self.faq.draft(question or t.question, answer, citations or [], t.id, agent.username)

    @staticmethod
    def _require_agent(account: Account) -> None:
        if not account.can("agent"):
            raise Forbidden(f"账号 {account.username}（{account.role}）没有处理人工工单的权限。")
