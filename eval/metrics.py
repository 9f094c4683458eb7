"""Evaluation metrics as pure functions (hand-checked in tests/eval/test_metrics.py).

* a retrieved chunk is a **hit** when it comes from an expected ``source`` and its text, with all
  whitespace removed, contains that entry's ``evidence`` with all whitespace removed;
* **hit@k**: the first hit is within the top k; **MRR@10**: mean of 1/rank of the first hit in the
  top 10 (0 when none);
* an answer is **accurate** when, for every keyword group, it contains at least one alternative;
* **out-of-scope no-fabrication**: an ``out`` question is handed off or answered "not found";
* **handoff-request rate**: a ``handoff`` question opens a handoff;
* **false handoff**: an ``in`` question is handed off;
* latency percentiles by nearest rank;
* with a language model (rows carrying ``generation``): **generation rejection rate** — of the
  answers the model was asked to write, the share rejected by verification or failed (timeout, error),
  so the extractive answer was given; **generation used rate** — of all questions, the share answered
  with the model's verified text.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from eval.gold import Expect
from kb.textnorm import compact


def is_hit(source: str, text: str, expect: Iterable[Expect]) -> bool:
    body = compact(text)
    return any(source == e.source and compact(e.evidence) in body for e in expect)


def first_hit_rank(retrieved: Sequence[tuple[str, str]], expect: Sequence[Expect], depth: int = 10) -> int | None:
    """1-based rank of the first hit among (source, text) pairs, within `depth`, or None."""
    for rank, (source, text) in enumerate(retrieved[:depth], 1):
        if is_hit(source, text, expect):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None, depth: int = 10) -> float:
    return 1.0 / rank if rank is not None and rank <= depth else 0.0


def answer_correct(answer: str, keyword_groups: Sequence[Sequence[str]]) -> bool:
    if not keyword_groups:
        return True
    text = compact(answer)
    return all(any(compact(alt) in text for alt in group) for group in keyword_groups)


def mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in 0..100."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(rows: Sequence[dict]) -> dict[str, float]:
    """The report's metrics from per-question rows.

    Each row has ``scope``, ``handoff`` (bool), ``latency_ms``; ``in`` rows also ``rank`` (int|None)
    and ``answer_ok`` (bool).
    """
    inscope = [r for r in rows if r["scope"] == "in"]
    out = [r for r in rows if r["scope"] == "out"]
    handoff = [r for r in rows if r["scope"] == "handoff"]
    return {
        "questions": len(rows),
        "in_scope": len(inscope),
        "out_of_scope": len(out),
        "handoff_requests": len(handoff),
        "hit@1": mean(hit_at(r["rank"], 1) for r in inscope),
        "hit@5": mean(hit_at(r["rank"], 5) for r in inscope),
        "mrr@10": mean(reciprocal_rank(r["rank"]) for r in inscope),
        "answer_accuracy": mean(1.0 if (r["answer_ok"] and not r["handoff"]) else 0.0 for r in inscope),
        "oos_no_fabrication": mean(1.0 if r["handoff"] else 0.0 for r in out),
        "handoff_request_rate": mean(1.0 if r["handoff"] else 0.0 for r in handoff),
        "false_handoff_rate": mean(1.0 if r["handoff"] else 0.0 for r in inscope),
        "latency_p50_ms": percentile([r["latency_ms"] for r in rows], 50),
        "latency_p95_ms": percentile([r["latency_ms"] for r in rows], 95),
        **generation_rates(rows),
    }


def generation_rates(rows: Sequence[dict]) -> dict[str, float]:
    """Rejection and use of the language model's answers; empty when no row asked one."""
    asked = [r["generation"] for r in rows if r.get("generation")]
    if not asked:
        return {}
    used = sum(1 for g in asked if g.get("used"))
    return {
        "generation_attempts": len(asked),
        "generation_rejection_rate": (len(asked) - used) / len(asked),
        "generation_used_rate": used / len(rows),
    }


# direction of each metric, for "is this system ahead?" and for the report
HIGHER_IS_BETTER = {
    "hit@1": True, "hit@5": True, "mrr@10": True, "answer_accuracy": True, "oos_no_fabrication": True,
    "handoff_request_rate": True, "false_handoff_rate": False, "latency_p50_ms": False, "latency_p95_ms": False,
}
# reported only when a language model wrote answers (see generation_rates)
GENERATION_HIGHER_IS_BETTER = {"generation_used_rate": True, "generation_rejection_rate": False}

METRIC_NAMES = {
    "hit@1": "首位命中率 hit@1",
    "hit@5": "前五命中率 hit@5",
    "mrr@10": "平均倒数排名 MRR@10",
    "answer_accuracy": "答复准确率",
    "oos_no_fabrication": "范围外问题不编造率",
    "handoff_request_rate": "转人工请求响应率",
    "false_handoff_rate": "误转人工率（越低越好）",
    "latency_p50_ms": "响应时间 p50（毫秒）",
    "latency_p95_ms": "响应时间 p95（毫秒）",
    "generation_used_rate": "大模型答复采用率",
    "generation_rejection_rate": "大模型答复拒绝率（越低越好）",
}
