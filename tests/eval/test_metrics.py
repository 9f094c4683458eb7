"""Hand-computed cases for every function in eval/metrics.py."""

from __future__ import annotations

import math

import pytest

from eval import metrics as m
from eval.gold import Expect

SRC = "notice.txt"
EXPECT = [Expect(SRC, "中标通知书 发出后4个工作日内")]


# --- is_hit -------------------------------------------------------------------------------------

def test_is_hit_removes_whitespace_on_both_sides():
    # the chunk has spaces and a line break inside the phrase; the evidence has a space too
    assert m.is_hit(SRC, "采购单位应当在中标\n通知书  发出后 4 个工作日内签订合同", EXPECT)


def test_is_hit_needs_the_expected_source():
    text = "中标通知书发出后4个工作日内"
    assert not m.is_hit("other.txt", text, EXPECT)
    assert m.is_hit(SRC, text, EXPECT)


def test_is_hit_needs_the_whole_evidence():
    assert not m.is_hit(SRC, "中标通知书发出后5个工作日内", EXPECT)


def test_is_hit_any_of_several_expectations():
    expect = [Expect("a.txt", "甲条"), Expect("b.txt", "乙条")]
    assert m.is_hit("b.txt", "这里是乙 条", expect)
    assert not m.is_hit("a.txt", "这里是乙条", expect)  # right text, wrong file for that text
    assert not m.is_hit(SRC, "甲条", [])


# --- first_hit_rank -----------------------------------------------------------------------------

HIT = (SRC, "中标通知书发出后4个工作日内")
MISS = (SRC, "无关条文")


def test_first_hit_rank_is_one_based():
    assert m.first_hit_rank([HIT, MISS], EXPECT) == 1
    assert m.first_hit_rank([MISS, MISS, HIT, HIT], EXPECT) == 3


def test_first_hit_rank_respects_depth():
    assert m.first_hit_rank([MISS, MISS, HIT], EXPECT, depth=2) is None
    assert m.first_hit_rank([MISS, MISS, HIT], EXPECT, depth=3) == 3
    assert m.first_hit_rank([MISS] * 10 + [HIT], EXPECT) is None  # default depth 10
    assert m.first_hit_rank([MISS] * 9 + [HIT], EXPECT) == 10


def test_first_hit_rank_none_without_hits():
    assert m.first_hit_rank([], EXPECT) is None
    assert m.first_hit_rank([MISS, ("other.txt", HIT[1])], EXPECT) is None


# --- hit_at / reciprocal_rank -------------------------------------------------------------------

def test_hit_at():
    assert m.hit_at(1, 1) == 1.0
    assert m.hit_at(2, 1) == 0.0
    assert m.hit_at(5, 5) == 1.0
    assert m.hit_at(6, 5) == 0.0
    assert m.hit_at(None, 5) == 0.0


def test_reciprocal_rank():
    assert m.reciprocal_rank(1) == 1.0
    assert m.reciprocal_rank(2) == 0.5
    assert m.reciprocal_rank(4) == 0.25
    assert m.reciprocal_rank(10) == pytest.approx(0.1)
    assert m.reciprocal_rank(11) == 0.0  # beyond the default depth 10
    assert m.reciprocal_rank(3, depth=2) == 0.0
    assert m.reciprocal_rank(None) == 0.0


# --- answer_correct -----------------------------------------------------------------------------

def test_answer_correct_no_groups_is_correct():
    assert m.answer_correct("随便什么", [])


def test_answer_correct_one_alternative_per_group():
    groups = [["4个工作日", "四个工作日"], ["签订合同", "签合同"]]
    assert m.answer_correct("应在四个工作日内签合同。", groups)
    assert m.answer_correct("应在4个工作日内签订合同。", groups)


def test_answer_correct_every_group_required():
    groups = [["4个工作日", "四个工作日"], ["签订合同", "签合同"]]
    assert not m.answer_correct("应在4个工作日内完成。", groups)  # second group missing
    assert not m.answer_correct("应尽快签合同。", groups)  # first group missing


def test_answer_correct_ignores_whitespace_on_both_sides():
    assert m.answer_correct("应在 4 个 工作日\n内签订", [["4个工作日"]])
    assert m.answer_correct("应在4个工作日内签订", [["4 个工作日"]])


# --- mean / percentile --------------------------------------------------------------------------

def test_mean():
    assert m.mean([1.0, 0.0, 0.5]) == 0.5
    assert m.mean(x for x in [2.0, 4.0]) == 3.0  # generators work
    assert math.isnan(m.mean([]))


def test_percentile_nearest_rank():
    values = [3, 1, 2, 10, 9, 8, 7, 6, 5, 4]  # 1..10, unsorted on purpose
    assert m.percentile(values, 50) == 5  # ceil(0.5 * 10) = 5th smallest
    assert m.percentile(values, 95) == 10  # ceil(9.5) = 10th
    assert m.percentile(values, 90) == 9
    assert m.percentile(values, 100) == 10
    assert m.percentile(values, 0) == 1  # rank is at least 1


def test_percentile_single_value_and_empty():
    assert m.percentile([7.5], 50) == 7.5
    assert m.percentile([7.5], 95) == 7.5
    assert math.isnan(m.percentile([], 50))


# --- summarize ----------------------------------------------------------------------------------

def row(scope, handoff, latency, rank=None, answer_ok=None):
    return {"scope": scope, "handoff": handoff, "latency_ms": latency, "rank": rank, "answer_ok": answer_ok}


ROWS = [
    row("in", False, 10, rank=1, answer_ok=True),      # r1: hit@1, correct
    row("in", False, 20, rank=2, answer_ok=True),      # r2: hit@5 only, correct
    row("in", False, 30, rank=None, answer_ok=False),  # r3: no hit, wrong
    row("in", True, 40, rank=1, answer_ok=True),       # r4: hit@1, keywords present but handed off -> wrong
    row("in", False, 50, rank=7, answer_ok=True),      # r5: beyond top 5 but within 10, correct
    row("out", True, 60),                              # r6: handed off -> no fabrication
    row("out", False, 70),                             # r7: answered -> fabrication
    row("handoff", True, 80),                          # r8: request honoured
]


def test_summarize_by_hand():
    s = m.summarize(ROWS)
    # counts
    assert (s["questions"], s["in_scope"], s["out_of_scope"], s["handoff_requests"]) == (8, 5, 2, 1)
    # hit@1: r1, r4 -> 2/5
    assert s["hit@1"] == pytest.approx(0.4)
    # hit@5: r1, r2, r4 -> 3/5 (r5 is at rank 7)
    assert s["hit@5"] == pytest.approx(0.6)
    # MRR@10: (1 + 1/2 + 0 + 1 + 1/7) / 5
    assert s["mrr@10"] == pytest.approx((1 + 0.5 + 0 + 1 + 1 / 7) / 5)
    # answer accuracy: r1, r2, r5 -> 3/5 (r3 wrong keywords, r4 handed off)
    assert s["answer_accuracy"] == pytest.approx(0.6)
    # out-of-scope no-fabrication = share of out questions handed off: r6 of r6, r7 -> 1/2
    assert s["oos_no_fabrication"] == pytest.approx(0.5)
    # handoff requests honoured: r8 -> 1/1
    assert s["handoff_request_rate"] == pytest.approx(1.0)
    # false handoff = in-scope handed off: r4 -> 1/5
    assert s["false_handoff_rate"] == pytest.approx(0.2)
    # latency over all 8 rows, nearest rank: p50 = 4th of 8 = 40, p95 = ceil(7.6) = 8th = 80
    assert s["latency_p50_ms"] == 40
    assert s["latency_p95_ms"] == 80


def test_summarize_missing_scopes_are_nan():
    s = m.summarize([row("in", False, 5, rank=1, answer_ok=True)])
    assert s["hit@1"] == 1.0 and s["answer_accuracy"] == 1.0 and s["false_handoff_rate"] == 0.0
    assert math.isnan(s["oos_no_fabrication"])
    assert math.isnan(s["handoff_request_rate"])


def test_every_reported_metric_has_a_name_and_direction():
    s = m.summarize(ROWS)
    for key in m.HIGHER_IS_BETTER:
        assert key in s and key in m.METRIC_NAMES
    assert m.HIGHER_IS_BETTER["false_handoff_rate"] is False
    assert m.HIGHER_IS_BETTER["hit@1"] is True
