"""GroundedWriter with the in-process ScriptedLLM: what is used, what is rejected, what is counted."""

from __future__ import annotations

import logging

from bot.generate import GroundedWriter
from bot.llm import ScriptedLLM
from chunfeng.errors import LLMError, LLMTimeout
from tests.bot.test_grounded import FIVE, P53

FAITHFUL = "采购人应当在收到书面质疑后七个工作日内作出答复[1]。"


def test_a_verified_answer_is_used_and_rendered_with_its_sources():
    llm = ScriptedLLM(FAITHFUL, model="qwen")
    gen = GroundedWriter(llm).write("多久答复质疑？", FIVE)
    assert gen.used and gen.rejected is None and gen.model == "qwen"
    assert gen.text == FAITHFUL + "\n\n依据：\n[1] 《中华人民共和国政府采购法》第五十三条"
    assert gen.to_dict() == {"used": True, "rejected": None, "model": "qwen", "elapsed_ms": gen.to_dict()["elapsed_ms"]}


def test_streaming_hands_every_piece_over_before_the_check():
    pieces: list[str] = []
    llm = ScriptedLLM(FAITHFUL.replace("七", "十"), piece_size=5)
    gen = GroundedWriter(llm).write("多久答复质疑？", [P53], on_delta=pieces.append)
    assert "".join(pieces) == FAITHFUL.replace("七", "十") and len(pieces) > 1
    assert not gen.used and gen.rejected == "unsupported_number" and gen.text == ""


def test_failures_are_rejections_with_their_reason_logged_and_counted(caplog):
    writer = GroundedWriter(ScriptedLLM(error=LLMTimeout("超时")), timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="chunfeng.llm"):
        assert writer.write("问题 13812345678", FIVE).rejected == "timeout"
        writer.llm = ScriptedLLM(error=LLMError("HTTP 500"))
        assert writer.write("问题", FIVE).rejected == "llm_error"
        writer.llm = ScriptedLLM("请拨打13812345678[1]。")
        assert writer.write("问题", FIVE).rejected == "unsupported_number"
    assert writer.counts == {"rejected": 3, "rejected:timeout": 1, "rejected:llm_error": 1, "rejected:unsupported_number": 1}
    assert "reason=timeout" in caplog.text and "rejected=3" in caplog.text
    assert "13812345678" not in caplog.text  # neither the user's nor the model's phone number


def test_the_model_gets_recent_history_between_the_rules_and_the_question():
    llm = ScriptedLLM(FAITHFUL)
    history = [{"role": "user", "content": f"问{i}"} if i % 2 == 0 else {"role": "assistant", "content": f"答{i}"} for i in range(8)]
    GroundedWriter(llm, history_turns=1).write("那投诉呢？", FIVE, history)
    assert llm.calls[0][1:] == [{"role": "user", "content": "问6"}, {"role": "assistant", "content": "答7"},
                                {"role": "user", "content": "那投诉呢？"}]
