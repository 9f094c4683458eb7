"""The assistant: the one call every channel makes, ``Assistant.reply(turn) -> Reply``.

Without a conversation store (the CLI's ``ask`` and the evaluation) it answers one question.
With one it keeps the conversation: history, follow-ups, the curated FAQ first, the handoff policy,
and tickets. While a person holds the conversation (a pending or claimed ticket), the user's
messages go to them and the assistant does not talk over them; writing again after a person has
answered reopens the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import intents, policy
from bot.answer import Answerer, direct_sentence, pick_sentence
from bot.disputes import is_dispute
from bot.faq import FaqStore, similarity
from bot.followup import Topic, rewrite
from bot.sessions import Session, SessionStore
from bot.sla import SlaPolicy
from bot.tickets import ANSWERED, CLAIMED, PENDING, Ticket, TicketStore
from bot.types import Citation, Reply, Turn
from chunfeng.errors import NotFound

ASK_EXAMPLE = "请输入您要咨询的政府采购问题，例如：“中标通知书发出后多久要签合同？”"
HANDOFF_TEXT = "好的，已为您转接人工客服。"
GREETING_TEXT = "您好，我是春风政采助手，可以帮您查询政府采购政策法规。" + ASK_EXAMPLE
THANKS_TEXT = "不客气！还有其他政府采购方面的问题，随时问我。"
WAITING_TEXT = "您的消息已转给工作人员（工单号 {ticket}），正在等待人工回复，请稍候。"
REOPENED_TEXT = "已将您的补充问题转给工作人员（工单号 {ticket}），请稍候。"
DISPUTE_TEXT = "您反映的是具体采购项目的质疑或投诉，需要工作人员根据项目情况处理，已为您转接人工。"
CHANNELS_HEAD = "依法维权的渠道和时限："
CHANNELS_FALLBACK = "供应商可依法向采购人或采购代理机构书面提出质疑；对答复不满意或未按期答复的，可向同级财政部门投诉。具体时限以法规规定为准。"
# what the official channels are, asked of the knowledge base rather than written here
CHANNEL_QUERIES = ("供应商认为权益受到损害 在知道或者应知之日起 提出质疑的期限 书面形式", "质疑供应商对答复不满意 向财政部门投诉的期限")
REPHRASE = 0.6  # a question this alike to the previous one means the answer did not help


@dataclass
class Conversation:
    """The stores a conversational assistant needs."""

    sessions: SessionStore
    tickets: TicketStore
    faq: FaqStore
    sla: SlaPolicy


class Assistant:
    """Channel-agnostic core. Adapters turn their payloads into a Turn and render the Reply."""

    def __init__(self, answerer: Answerer, conversation: Conversation | None = None) -> None:
        self.answerer = answerer
        self.conv = conversation

    # -- the one entry point --------------------------------------------------------------------
    def reply(self, turn: Turn) -> Reply:
        text = turn.text.strip()
        if self.conv is None:
            reply = self._stateless(text, turn)
            reply.id, reply.question = turn.id, text
            return reply
        session = self._session(turn)
        user_msg = self.conv.sessions.add(session.id, "user", text, {"channel": turn.channel, "turn_id": turn.id})
        reply = self._in_conversation(session, text, turn)
        reply.id, reply.question, reply.session_id = turn.id, text, session.id
        meta = {"kind": reply.kind, "confidence": round(reply.confidence, 4), "reason": reply.reason,
                "citations": [c.to_dict() for c in reply.citations], "ticket": reply.ticket, "reply_to": user_msg.id}
        reply.message_id = self.conv.sessions.add(session.id, "assistant", reply.answer, meta).id
        return reply

    def _stateless(self, text: str, turn: Turn) -> Reply:
        intent = intents.classify(text)
        if intent == intents.HANDOFF:
            return Reply(HANDOFF_TEXT, kind="handoff", handoff=True, reason=policy.USER_REQUEST, confidence=1.0)
        if intent in (intents.EMPTY, intents.GREETING, intents.THANKS):
            return self._smalltalk(intent)
        return self.answerer.answer(text, turn.filters, on_delta=turn.on_delta)

    @staticmethod
    def _smalltalk(intent: str) -> Reply:
        text = {intents.EMPTY: ASK_EXAMPLE, intents.GREETING: GREETING_TEXT, intents.THANKS: THANKS_TEXT}[intent]
        return Reply(text, kind="smalltalk", confidence=1.0)

    def _session(self, turn: Turn) -> Session:
        assert self.conv is not None
        if turn.session_id:
            session = self.conv.sessions.get(turn.session_id)
            if session is None:
                raise NotFound(f"会话 {turn.session_id} 不存在或已过期。请不带 session_id 重新开始对话。")
            return session
        return self.conv.sessions.create(turn.user_id, turn.channel)

    # -- a conversation -----------------------------------------------------------------------
    def _in_conversation(self, session: Session, text: str, turn: Turn) -> Reply:
        conv = self.conv
        assert conv is not None
        open_ticket = conv.tickets.open_for_session(session.id)
        if open_ticket is not None and open_ticket.status in (PENDING, CLAIMED):
            return Reply(WAITING_TEXT.format(ticket=open_ticket.id), kind="handoff", handoff=True,
                         reason=open_ticket.reason, confidence=1.0, ticket=self.ticket_view(open_ticket))
        if open_ticket is not None and open_ticket.status == ANSWERED and intents.classify(text) != intents.THANKS:
            reopened = conv.tickets.reopen(open_ticket.id)
            return Reply(REOPENED_TEXT.format(ticket=reopened.id), kind="handoff", handoff=True,
                         reason=reopened.reason, confidence=1.0, ticket=self.ticket_view(reopened))

        intent = intents.classify(text)
        if intent in (intents.EMPTY, intents.GREETING, intents.THANKS):
            return self._smalltalk(intent)
        dispute = intent != intents.HANDOFF and is_dispute(text)
        reply: Reply | None = None
        if intent == intents.HANDOFF:
            reply = Reply("", kind="handoff", confidence=1.0)  # the ticket notice below says it all
        elif dispute:
            reply = Reply(DISPUTE_TEXT + "\n\n" + self._official_channels(), kind="handoff", confidence=1.0)
        else:
            reply = self._faq_answer(text) or self._answer(session, text, turn)

        unhelpful = self._unhelpful_streak(session, text, reply)
        decision = policy.decide(
            asked_for_person=intent == intents.HANDOFF,
            dispute=dispute,
            answer_reason=reply.reason if reply.handoff else None,
            unhelpful_in_a_row=unhelpful,
        )
        reply.handoff, reply.reason = decision.handoff, decision.reason
        if decision.opens_ticket:
            ticket = self.open_ticket(session, decision.reason or policy.USER_REQUEST, question=self._last_question(session, text))
            reply.ticket = self.ticket_view(ticket)
            notice = conv.sla.notice(conv.sessions.db.now(), ticket.id)
            reply.answer = f"{reply.answer}\n\n{notice}" if reply.answer else notice
        return reply

    def _answer(self, session: Session, text: str, turn: Turn) -> Reply:
        conv = self.conv
        assert conv is not None
        topic = Topic.from_dict(session.topic)
        question = rewrite(text, topic)
        reply = self.answerer.answer(question, turn.filters, history=self._history(session), on_delta=turn.on_delta)
        if question != text:
            reply.extra["rewritten"] = question
        if reply.kind == "answer" and reply.citations:
            best = reply.citations[0]
            conv.sessions.set_topic(session.id, Topic(question, best.title, best.doc_number, best.label).to_dict())
        return reply

    def _history(self, session: Session) -> list[dict[str, str]] | None:
        """The conversation before this question, for a language model to understand follow-ups
        (None without one). Users speak as "user"; Chunfeng and human agents as "assistant"."""
        if self.answerer.writer is None:
            return None
        assert self.conv is not None
        earlier = self.conv.sessions.messages(session.id)[:-1]  # the last one is the question being answered
        return [{"role": "user" if m.role == "user" else "assistant", "content": m.text}
                for m in earlier if m.role in ("user", "assistant", "agent")]

    def _faq_answer(self, text: str) -> Reply | None:
        assert self.conv is not None
        match = self.conv.faq.match(text)
        if match is None:
            return None
        entry, score = match
        citations = [Citation(**{k: c.get(k, "") for k in ("source", "title", "doc_number", "section", "text")}, score=score)
                     for c in entry.citations if isinstance(c, dict)]
        return Reply(entry.answer, citations, round(score, 4), kind="faq", extra={"faq_id": entry.id})

    def _official_channels(self) -> str:
        """The 质疑/投诉 channel and time limits, as the regulations in the knowledge base state them."""
        lines = []
        for q in CHANNEL_QUERIES:
            result = self.answerer.search(q)
            picked = pick_sentence(result.hits, result.terms, q, depth=2)
            if picked is not None and self.answerer.confidence.confident(self.answerer.confidence_of(q, result)):
                lines.append(f"· {direct_sentence(picked.sentence)}（{picked.hit.chunk.citation_name()}）")
        return CHANNELS_HEAD + "\n" + ("\n".join(dict.fromkeys(lines)) if lines else CHANNELS_FALLBACK)

    def _unhelpful_streak(self, session: Session, text: str, reply: Reply) -> int:
        """Answers that did not help in a row: not found, or the user asked the same thing again."""
        assert self.conv is not None
        previous = [m for m in self.conv.sessions.messages(session.id) if m.role == "user"][:-1]
        rephrased = bool(previous) and similarity(text, previous[-1].text, self.conv.faq._embedder) >= REPHRASE
        unhelpful = reply.kind == "not_found" or rephrased
        count = session.unhelpful + 1 if unhelpful else 0
        self.conv.sessions.set_unhelpful(session.id, count)
        return count

    @staticmethod
    def _last_question(session: Session, text: str) -> str:
        return text if intents.classify(text) != intents.HANDOFF else (session.topic or {}).get("question", text)

    # -- handoffs opened outside a user turn --------------------------------------------------------
    def open_ticket(self, session: Session, reason: str, question: str = "") -> Ticket:
        conv = self.conv
        assert conv is not None
        transcript = [{"role": m.role, "text": m.text, "created_at": m.created_at} for m in conv.sessions.messages(session.id)]
        now = conv.sessions.db.now()
        ticket, created = conv.tickets.create(
            session_id=session.id, user_id=session.user_id, channel=session.channel, reason=reason,
            question=question or next((m["text"] for m in reversed(transcript) if m["role"] == "user"), ""),
            transcript=transcript, due_at=conv.sla.due(now),
        )
        return ticket

    def request_handoff(self, session_id: str, reason: str | None = None) -> Ticket:
        """A 转人工 button press: open (or return) the session's ticket and tell the user when."""
        conv = self.conv
        assert conv is not None
        session = conv.sessions.get(session_id)
        if session is None:
            raise NotFound(f"会话 {session_id} 不存在或已过期。")
        existing = conv.tickets.open_for_session(session_id)
        ticket = self.open_ticket(session, reason or policy.USER_REQUEST)
        if existing is None:
            conv.sessions.add(session_id, "system", conv.sla.notice(conv.sessions.db.now(), ticket.id), {"ticket": ticket.id})
        return ticket

    def feedback(self, message_id: str, helpful: bool, comment: str = "") -> Ticket | None:
        """有用/没用 on an answer; 没用 hands the conversation to a person."""
        conv = self.conv
        assert conv is not None
        msg = conv.sessions.message(message_id)
        if msg is None or msg.role != "assistant":
            raise NotFound(f"消息 {message_id} 不存在，或不是助手的答复。")
        conv.sessions.add_feedback(message_id, msg.session_id, helpful, comment)
        decision = policy.on_feedback(helpful)
        if not decision.opens_ticket:
            return None
        session = conv.sessions.get(msg.session_id)
        assert session is not None
        return self.request_handoff(session.id, decision.reason)

    def ticket_view(self, ticket: Ticket) -> dict:
        return {"ticket_id": ticket.id, "status": ticket.status, "reason": ticket.reason}
