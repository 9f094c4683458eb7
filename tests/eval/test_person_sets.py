"""The hand-labelled person-request sets: the dev set is held at 100%, both ways."""

from eval.person import score
from tests.conftest import REPO

INTENTS = REPO / "eval" / "intents"


def test_every_request_for_a_person_in_the_dev_set_is_recognised():
    s = score(INTENTS / "person-dev.jsonl")
    assert s.requests >= 70 and s.missed == ()


def test_no_question_of_the_dev_set_is_taken_for_a_request():
    s = score(INTENTS / "person-dev.jsonl")
    assert s.questions >= 30 and s.wrongly_taken == ()


def test_the_blind_set_is_well_formed():
    s = score(INTENTS / "person-test.jsonl")
    assert s.requests == 49 and s.questions == 30
