"""The hand-labelled person-request sets: the dev set is held at 100%, both ways."""

import pytest

from eval import gold
from eval.gold import GoldSetError
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


def test_message_sets_are_gold_lines_without_expect(tmp_path):
    f = tmp_path / "m.jsonl"
    f.write_text('{"id": "a", "question": "人工客服的人工费怎么算", "scope": "in"}\n', encoding="utf-8")
    assert gold.load(f, require_expect=False)[0].scope == "in"
    with pytest.raises(GoldSetError, match="第 1 行是 in 问题，但没有 expect"):
        gold.load(f)
    f.write_text('{"id": "a", "question": "转人工", "scope": "person"}\n', encoding="utf-8")
    with pytest.raises(GoldSetError, match="应为 in、out 或 handoff"):
        score(f)
