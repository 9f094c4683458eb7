"""With a language model, the evaluation counts how often its answers were used or rejected and the
report shows both rates; without one, nothing changes."""

from __future__ import annotations

from eval import metrics
from eval.report import render_html, render_markdown
from eval.runner import EvalResult, SystemResult
from tests.eval.test_report import bm25_rows, chunfeng_rows


def generated(rows):
    # 4 in-scope answers went to the model: 3 used, 1 rejected (a changed number); the rest never did
    outcomes = [{"used": True, "rejected": None}, {"used": True, "rejected": None}, {"used": True, "rejected": None},
                {"used": False, "rejected": "unsupported_number"}]
    for r, g in zip(rows, outcomes):
        r["generation"] = {**g, "model": "qwen-test", "elapsed_ms": 120.0}
    return rows


def result(rows) -> EvalResult:
    r = EvalResult(dataset="sample", created="2026-01-02T03:04:05+00:00", kb="(temporary)", corpus=[], embedder="hash")
    r.systems = [SystemResult("chunfeng", "春风政采助手", metrics.summarize(rows), rows),
                 SystemResult("baseline_bm25", "LangChain+BM25", metrics.summarize(bm25_rows()), bm25_rows())]
    return r


def test_rates_count_attempts_and_all_questions():
    m = metrics.summarize(generated(chunfeng_rows()))
    assert m["generation_attempts"] == 4
    assert m["generation_rejection_rate"] == 1 / 4  # of the answers the model wrote
    assert m["generation_used_rate"] == 3 / 7  # of all questions


def test_no_model_no_rates():
    assert not any(k.startswith("generation") for k in metrics.summarize(chunfeng_rows()))


def test_report_shows_the_rates_when_a_model_wrote_answers():
    html = render_html(result(generated(chunfeng_rows())))
    assert "大模型（qwen-test）为 4 个问题撰写了答复，其中 25.0% 未通过核验或调用失败，改用抽取式答复（数字与条文不符 1 题）" in html
    assert "大模型答复拒绝率" in html and "大模型答复采用率" in html
    md = render_markdown(result(generated(chunfeng_rows())))
    line = next(l for l in md.splitlines() if l.startswith("| 大模型答复拒绝率"))
    assert line.endswith("| **25.0%** | — |")  # Chunfeng's rate; the baseline has none

    plain = render_markdown(result(chunfeng_rows()))
    assert "大模型" not in plain
