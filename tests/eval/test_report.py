"""The evaluation report, rendered from a small hand-built result (no knowledge base needed)."""

from __future__ import annotations

import re

import pytest

from chunfeng.errors import ChunfengError
from eval import metrics
from eval.report import TARGETS, render_html, render_markdown, write_report
from eval.runner import EvalResult, SystemResult

XSS = "<script>alert(1)</script>"
GOOD = "notice.txt"


def passage(source, hit, section="第二章 > 第四条", score=0.5, text="条文内容"):
    return {"source": source, "section": section, "score": score, "hit": hit, "text": text}


def row(id, scope, *, rank=None, ok=None, handoff=False, latency=10.0, question=None, answer="答复", reason=None,
        retrieved=None):
    if scope == "in":
        passed = rank is not None and rank <= 5 and bool(ok) and not handoff
    else:
        passed = handoff
    return {
        "id": id, "question": question or f"问题{id}", "scope": scope, "answer": answer, "handoff": handoff,
        "reason": reason, "confidence": 0.42 if scope == "in" else None, "rank": rank, "answer_ok": ok,
        "passed": passed, "latency_ms": latency,
        "expect": [{"source": GOOD, "evidence": f"证据{id}"}] if scope == "in" else [],
        "answer_keywords": [["4个工作日", "四个工作日"]] if scope == "in" else [],
        "retrieved": retrieved if retrieved is not None else [passage(GOOD, True)],
    }


def system(name, label, rows):
    return SystemResult(name, label, metrics.summarize(rows), rows)


def chunfeng_rows():
    # in: 4 questions, ranks 1, 1, 1, 3; the last is handed off (and its question tries to inject a script)
    #   hit@1 = 3/4 = 75%, hit@5 = 4/4 = 100%, MRR = (1 + 1 + 1 + 1/3) / 4 = 0.833,
    #   answer accuracy = 3/4 = 75%, false handoff = 1/4 = 25%
    # out: 2 questions, one handed off -> no-fabrication 50%; handoff: 1 honoured -> 100%
    return [
        row("in-ok-1", "in", rank=1, ok=True),
        row("in-ok-2", "in", rank=1, ok=True),
        row("in-ok-3", "in", rank=1, ok=True),
        row("in-bad-4", "in", rank=3, ok=False, handoff=True, reason="low_confidence",
            question=f"合同几天内签？{XSS}", answer=f"抱歉{XSS}",
            retrieved=[passage("faq.md", False, section="五、保证金", text=f"片段{XSS}"),
                       passage("guide.html", False, section="四、付款"),
                       passage(GOOD, True, section="第二章 > 第四条", score=0.31)]),
        row("out-ok-5", "out", handoff=True, reason="low_confidence"),
        row("out-bad-6", "out", handoff=False, answer="编造的答复", retrieved=[passage("guide.html", False)]),
        row("hand-ok-7", "handoff", handoff=True, reason="user_request"),
    ]


def bm25_rows():
    # in: hit@1 = 2/4 = 50%, hit@5 = 3/4, accuracy 4/4 = 100% (ahead of Chunfeng), false handoff 0%
    # out: 0/2 handed off; handoff: 0/1; much faster (1 ms)
    return [
        row("in-ok-1", "in", rank=1, ok=True, latency=1),
        row("in-ok-2", "in", rank=1, ok=True, latency=1),
        row("in-ok-3", "in", rank=2, ok=True, latency=1),
        row("in-bad-4", "in", rank=None, ok=True, latency=1),
        row("out-ok-5", "out", latency=1),
        row("out-bad-6", "out", latency=1),
        row("hand-ok-7", "handoff", latency=1),
    ]


def chroma_rows():
    # in: hit@1 = 1/4 = 25%, accuracy 2/4 = 50%
    return [
        row("in-ok-1", "in", rank=1, ok=True, latency=2),
        row("in-ok-2", "in", rank=2, ok=True, latency=2),
        row("in-ok-3", "in", rank=4, ok=False, latency=2),
        row("in-bad-4", "in", rank=None, ok=False, latency=2),
        row("out-ok-5", "out", handoff=True, latency=2),
        row("out-bad-6", "out", latency=2),
        row("hand-ok-7", "handoff", latency=2),
    ]


def make_result(chunfeng=None, baselines=True):
    result = EvalResult(dataset="eval/gold/mini.jsonl", created="2026-03-01T02:30:00+00:00", kb="(temporary)",
                        corpus=["samples/policies"], embedder="hash-ngram-test")
    result.systems.append(system("chunfeng", "春风政采助手", chunfeng if chunfeng is not None else chunfeng_rows()))
    if baselines:
        result.systems.append(system("baseline_bm25", "LangChain 切分 + BM25（jieba）", bm25_rows()))
        result.systems.append(system("baseline_chroma", "LangChain 切分 + Chroma 向量", chroma_rows()))
        result.notes += ["LangChain 切分 + BM25（jieba）：取前 10 个片段。", "LangChain 切分 + Chroma 向量：取前 10 个片段。"]
    return result


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(make_result())


@pytest.fixture(scope="module")
def markdown() -> str:
    return render_markdown(make_result())


def section(html: str, start: str, end: str | None = None) -> str:
    part = html.split(f'id="{start}"', 1)[1]
    return part.split(f'id="{end}"', 1)[0] if end else part


def text_of(html: str) -> str:
    """Roughly what a reader sees: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- header and summary -------------------------------------------------------------------------

def test_header(page):
    assert "<title>春风政采助手 评测报告" in page
    seen = text_of(page.split('id="summary"', 1)[0])  # the header, above the summary
    assert "eval/gold/mini.jsonl" in seen
    assert "2026年3月1日 10:30（北京时间）" in seen  # 02:30 UTC
    assert "共 7 个：可由知识库回答 4 个，超出知识库范围 2 个，要求转人工 1 个" in seen
    assert "hash-ngram-test" in seen and "samples/policies" in seen


def test_summary_numbers(page):
    seen = text_of(section(page, "summary", "chart"))
    assert "在 4 个可由知识库回答的问题中，春风政采助手有 75.0% 的问题第一条引用就是正确出处" in seen
    assert "比朴素 BM25 基线高 25.0 个百分点" in seen  # 75% vs 50%
    assert "比朴素 Chroma 向量基线高 50.0 个百分点" in seen  # 75% vs 25%
    assert "在 2 个超出知识库范围的问题中，春风政采助手有 50.0% 没有编造答复" in seen
    assert "共有 2 个问题未通过" in seen


def test_summary_is_honest_where_chunfeng_is_not_ahead(page):
    seen = text_of(section(page, "summary", "chart"))
    # answer accuracy 75% vs BM25 100%: behind
    assert "答复准确率：春风政采助手为 75.0%，低于朴素 BM25 基线的 100.0%（低 25.0 个百分点）" in seen
    # false handoff 25% vs 0%: behind (lower is better)
    assert "误转人工率：春风政采助手为 25.0%，高于朴素 BM25 基线的 0.0%" in seen
    # latency 10 ms vs 1 ms and 2 ms: slower than both
    assert "响应时间 p50：春风政采助手为 10.0 毫秒，慢于朴素 BM25 基线的 1.00 毫秒；慢于朴素 Chroma 向量基线的 2.00 毫秒" in seen
    # ahead of every baseline on hit@1: no such sentence
    assert "首位命中率 hit@1：" not in seen


def test_targets_met_and_not_met(page):
    tiles = re.findall(r'<div class="tile (\w+)">\s*<div class="name">([^<]+)</div>\s*<div class="value">([^<]+)</div>', page)
    status = {name: (cls, value) for cls, name, value in tiles}
    assert len(status) == len(TARGETS) == 7
    assert status["首位命中率 hit@1"] == ("unmet", "75.0%")  # target 85%
    assert status["前五命中率 hit@5"] == ("met", "100.0%")  # target 97%
    assert status["平均倒数排名 MRR@10"] == ("unmet", "0.833")  # target 0.90
    assert status["范围外问题不编造率"] == ("unmet", "50.0%")
    assert status["误转人工率"] == ("unmet", "25.0%")  # target ≤ 5%
    assert status["转人工请求响应率"] == ("met", "100.0%")
    assert "✘ 未达标" in page and "✔ 达标" in page
    # and one headline sentence at the top of the summary
    assert "7 项目标中 2 项达标；未达标：首位命中率 hit@1（75.0%，目标 ≥ 85%）、" in text_of(page)


def test_best_value_highlighted_per_row(page):
    table = section(page, "compare", "failures")
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)

    def best_in(name):
        row = next(r for r in rows if name in r)
        return re.findall(r'class="num best" data-label="([^"]+)">★ ([^<]+)</td>', row)

    assert best_in("首位命中率 hit@1") == [("春风政采助手", "75.0%")]
    assert best_in("答复准确率") == [("朴素 BM25 基线", "100.0%")]
    # lower is better, and a tie highlights every system sharing the best value (both baselines 0%)
    assert best_in("误转人工率") == [("朴素 BM25 基线", "0.0%"), ("朴素 Chroma 向量基线", "0.0%")]
    assert best_in("响应时间 p50") == [("朴素 BM25 基线", "1.00")]
    assert best_in("前五命中率 hit@5") == [("春风政采助手", "100.0%")]
    assert "LangChain 切分 + BM25（jieba）：取前 10 个片段。" in table  # the notes underneath


def test_chart_has_one_bar_per_system_and_metric(page):
    chart = section(page, "chart", "compare")
    assert chart.count('fill="url(#fill0)"') >= 7 and chart.count('fill="url(#fill2)"') >= 7
    assert ">75.0%</text>" in chart and ">0.833</text>" in chart
    assert "比例（0–100%）" in chart
    for label in ("春风政采助手", "朴素 BM25 基线", "朴素 Chroma 向量基线"):
        assert label in chart
    assert "响应时间 p95（毫秒）" in chart  # latency in its own table


def test_failures_listed_with_retrieved_sources(page):
    fails = section(page, "failures", "sources")
    assert fails.count('<details class="fail">') == 2
    assert "in-bad-4" in fails and "out-bad-6" in fails
    assert "in-ok-1" not in fails and "out-ok-5" not in fails and "hand-ok-7" not in fails
    item = fails.split("in-bad-4", 1)[1].split("</details>", 1)[0]
    for source in ("faq.md", "guide.html", GOOD):
        assert source in item
    assert "✓ 正确出处" in item and "得分 0.310" in item
    assert "证据in-bad-4" in item  # what was expected
    assert "可以回答却转给了人工" in item
    assert "把握不足" in item and "0.42" in item
    # grouped by scope
    assert fails.index("可由知识库回答的问题") < fails.index("in-bad-4") < fails.index("超出知识库范围的问题") < fails.index("out-bad-6")
    assert "没有转人工" in fails.split("out-bad-6", 1)[1]


def test_user_text_is_escaped(page, markdown):
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # only the report's own print helper
    assert "<script>" not in markdown and "&lt;script>alert(1)&lt;/script>" in markdown


def test_label_and_notes_are_escaped_too():
    result = make_result()
    result.systems[1].name = "other"
    result.systems[1].label = "<b>坏标签</b>"
    result.notes.append("<img src=x onerror=alert(1)>")
    page = render_html(result)
    assert "<b>坏标签</b>" not in page and "&lt;b&gt;坏标签&lt;/b&gt;" in page
    assert "<img src=x" not in page


def test_all_passed():
    rows = [row("a", "in", rank=1, ok=True), row("b", "out", handoff=True), row("c", "handoff", handoff=True)]
    result = make_result(chunfeng=rows)
    assert "全部通过" in section(render_html(result), "failures")
    assert "全部通过" in render_markdown(result)


def test_without_baselines_and_missing_scopes():
    rows = [row("a", "in", rank=1, ok=True), row("b", "in", rank=None, ok=False)]
    result = make_result(chunfeng=rows, baselines=False)
    page = render_html(result)
    assert "未领先基线" not in page
    assert "★" not in section(page, "compare", "failures")
    assert "无此类问题" in page  # no out-of-scope / handoff questions: their targets cannot be judged
    md = render_markdown(result)
    assert "无数据" in md
    assert "另有 2 项因评测集中没有相应问题，无法判断" in md


def test_per_source_breakdown(page):
    sources = text_of(section(page, "sources"))
    # notice.txt is expected by all 4 in-scope questions: hit@1 3/4, hit@5 4/4
    assert "notice.txt 4 75.0% 100.0% 75.0%" in sources


# --- markdown -------------------------------------------------------------------------------------

def test_markdown_has_the_same_content(markdown):
    assert markdown.startswith("# 春风政采助手 评测报告")
    assert "春风政采助手有 75.0% 的问题第一条引用就是正确出处" in markdown
    assert "| 首位命中率 hit@1 | ≥ 85% | 75.0% | ✘ 未达标 |" in markdown
    assert "| 前五命中率 hit@5 | ≥ 97% | 100.0% | ✔ 达标 |" in markdown
    line = next(l for l in markdown.splitlines() if l.startswith("| 答复准确率 | 答复中"))  # the comparison table
    assert line.endswith("| 75.0% | **100.0%** | 50.0% |")
    assert "in-bad-4" in markdown and "out-bad-6" in markdown and "in-ok-1" not in markdown
    assert "| 1 | faq.md |" in markdown and "| 3 | notice.txt |" in markdown
    assert "<svg" not in markdown


# --- write_report -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["r.html", "r.htm", "R.HTML"])
def test_write_report_html(tmp_path, name):
    path = tmp_path / "deep" / "er" / name
    write_report(make_result(), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "春风政采助手 评测报告" in text


def test_write_report_markdown(tmp_path):
    path = tmp_path / "out" / "report.md"
    write_report(make_result(), path)
    assert path.read_text(encoding="utf-8").startswith("# 春风政采助手 评测报告")


@pytest.mark.parametrize("name", ["report.pdf", "report"])
def test_write_report_refuses_other_formats(tmp_path, name):
    path = tmp_path / name
    with pytest.raises(ChunfengError) as info:
        write_report(make_result(), path)
    message = info.value.message
    assert ".html" in message and ".md" in message and "报告" in message
    if name.endswith(".pdf"):
        assert ".pdf" in message
    assert not path.exists()
