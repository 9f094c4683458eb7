"""When a person should take over — a pure function with a recorded reason.

The *when* lives here; the *how* (tickets, notices, delivery) lives in bot.assistant and bot.desk.
"""

from __future__ import annotations

from dataclasses import dataclass

USER_REQUEST = "user_request"
DISPUTE = "dispute"
LOW_CONFIDENCE = "low_confidence"
OUT_OF_SCOPE = "out_of_scope"
REPEATED_UNHELPFUL = "repeated_unhelpful"
NEGATIVE_FEEDBACK = "negative_feedback"

# reasons that open a ticket at once; an out-of-scope question is only offered a person
OPENS_TICKET = {USER_REQUEST, DISPUTE, LOW_CONFIDENCE, REPEATED_UNHELPFUL, NEGATIVE_FEEDBACK}
UNHELPFUL_LIMIT = 2


@dataclass(frozen=True)
class Decision:
    handoff: bool
    reason: str | None = None

    @property
    def opens_ticket(self) -> bool:
        return self.handoff and self.reason in OPENS_TICKET


def decide(*, asked_for_person: bool, dispute: bool, answer_reason: str | None, unhelpful_in_a_row: int) -> Decision:
    """The handoff decision for one user turn, given what the assistant could do with it."""
    if asked_for_person:
        return Decision(True, USER_REQUEST)
    if dispute:
        return Decision(True, DISPUTE)
    if answer_reason in (LOW_CONFIDENCE, OUT_OF_SCOPE):
        return Decision(True, answer_reason)
    if unhelpful_in_a_row >= UNHELPFUL_LIMIT:
        return Decision(True, REPEATED_UNHELPFUL)
    return Decision(False)


def on_feedback(helpful: bool) -> Decision:
    return Decision(False) if helpful else Decision(True, NEGATIVE_FEEDBACK)
