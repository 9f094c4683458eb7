"""The assistant: the one call every channel makes, ``Assistant.reply(turn) -> Reply``."""

from __future__ import annotations

from bot import intents
from bot.answer import Answerer
from bot.types import Reply, Turn

ASK_EXAMPLE = "请输入您要咨询的政府采购问题，例如：“中标通知书发出后多久要签合同？”"
HANDOFF_TEXT = "好的，已为您转接人工客服。工作人员会在工作时间尽快回复您，请保持关注。"
GREETING_TEXT = "您好，我是春风政采助手，可以帮您查询政府采购政策法规。" + ASK_EXAMPLE
THANKS_TEXT = "不客气！还有其他政府采购方面的问题，随时问我。"


class Assistant:
    """Channel-agnostic core. Adapters turn their payloads into a Turn and render the Reply."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer

    def reply(self, turn: Turn) -> Reply:
        text = turn.text.strip()
        intent = intents.classify(text)
        if intent == intents.EMPTY:
            reply = Reply(ASK_EXAMPLE, kind="smalltalk", confidence=1.0)
        elif intent == intents.HANDOFF:
            reply = Reply(HANDOFF_TEXT, kind="handoff", handoff=True, reason="user_request", confidence=1.0)
        elif intent == intents.GREETING:
            reply = Reply(GREETING_TEXT, kind="smalltalk", confidence=1.0)
        elif intent == intents.THANKS:
            reply = Reply(THANKS_TEXT, kind="smalltalk", confidence=1.0)
        else:
            reply = self.answerer.answer(text, turn.filters)
        reply.id = turn.id
        reply.question = text
        return reply
