"""Fluent answers from a language model, used only when every citation and number checks out.

The ``Answerer`` calls ``GroundedWriter.write`` only for a confident answer, with the provisions it
already cites; a question that was not found or is out of scope never reaches the model. Whatever
goes wrong — the model fails, runs out of time, or its answer does not pass ``grounded.verify`` —
the extractive answer stands. Each rejection is logged (logger ``chunfeng.llm``: reason, model,
running totals; never the user's text or the API key) and counted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from bot.grounded import build_messages, recent_history, render_answer, verify
from bot.llm import LLM, Message
from bot.types import Citation
from chunfeng.errors import LLMError, LLMTimeout
from chunfeng.masking import mask

log = logging.getLogger("chunfeng.llm")

TIMEOUT, LLM_ERROR = "timeout", "llm_error"  # generation failed; the other reasons are grounded.verify's


@dataclass
class Generation:
    """What happened when the model was asked: used, or rejected and why."""

    used: bool
    rejected: str | None  # timeout | llm_error | empty | no_citation | unknown_citation | unsupported_…
    model: str
    text: str = ""  # the verified answer as shown; empty when rejected
    detail: str = ""  # why it was rejected, in Chinese
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The record kept on the Reply (``reply.extra["generation"]``) for the evaluation and logs."""
        return {"used": self.used, "rejected": self.rejected, "model": self.model, "elapsed_ms": round(self.elapsed_ms, 1)}


class GroundedWriter:
    """Asks the model to answer from the numbered provisions and checks what it wrote."""

    def __init__(self, llm: LLM, *, timeout: float = 15.0, history_turns: int = 3) -> None:
        self.llm = llm
        self.timeout = timeout
        self.history_turns = history_turns
        self.counts: Counter[str] = Counter()  # used, rejected, rejected:<reason>
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.llm.model

    def write(
        self,
        question: str,
        provisions: Sequence[Citation],
        history: Sequence[Message] | None = None,
        on_delta: Callable[[str], None] | None = None,
    ) -> Generation:
        """The model's answer if it passes the check. With `on_delta`, the answer is streamed and
        each piece handed to it as written — before the check, so a caller that shows pieces must
        replace them with the final answer."""
        messages = build_messages(question, provisions, recent_history(history or (), self.history_turns))
        started = time.monotonic()
        try:
            if on_delta is None:
                raw = self.llm.complete(messages, timeout=self.timeout)
            else:
                parts: list[str] = []
                for piece in self.llm.stream(messages, timeout=self.timeout):
                    parts.append(piece)
                    on_delta(piece)
                raw = "".join(parts)
        except LLMTimeout as exc:
            return self._rejected(TIMEOUT, exc.message, started)
        except LLMError as exc:
            return self._rejected(LLM_ERROR, exc.message, started)
        verdict = verify(raw, provisions)
        if not verdict.ok:
            return self._rejected(verdict.reason or "rejected", verdict.detail, started)
        with self._lock:
            self.counts["used"] += 1
        return Generation(True, None, self.model, render_answer(raw, provisions), elapsed_ms=(time.monotonic() - started) * 1000)

    def _rejected(self, reason: str, detail: str, started: float) -> Generation:
        elapsed = (time.monotonic() - started) * 1000
        with self._lock:
            self.counts["rejected"] += 1
            self.counts[f"rejected:{reason}"] += 1
            used, rejected = self.counts["used"], self.counts["rejected"]
        log.warning("llm answer not used, extractive answer instead [reason=%s model=%s elapsed_ms=%.0f used=%d rejected=%d]: %s",
                    reason, self.model, elapsed, used, rejected, mask(detail))  # a model may echo a phone number
        return Generation(False, reason, self.model, detail=detail, elapsed_ms=elapsed)
