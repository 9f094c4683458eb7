"""Render an :class:`~eval.runner.EvalResult` as a report for people who do not read code.

``write_report(result, path)`` writes a self-contained HTML page (``.html``/``.htm``) or Markdown
(``.md``). Both are pure functions of the result: :func:`build_context` turns it into plain data
(summary sentences, targets, table cells, chart geometry, failures) and the two renderers only lay
that data out. The HTML goes through Jinja2 with autoescaping on, so questions, answers and passages
can never inject markup; the Markdown escapes them by hand.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2

from chunfeng.errors import ChunfengError
from eval import metrics as m
from eval.metrics import METRIC_NAMES

HIGHER_IS_BETTER = {**m.HIGHER_IS_BETTER, **m.GENERATION_HIGHER_IS_BETTER}

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: the issue's targets for Chunfeng; direction (≥ or ≤) comes from HIGHER_IS_BETTER
TARGETS: dict[str, float] = {
    "hit@1": 0.85,
    "hit@5": 0.97,
    "mrr@10": 0.90,
    "answer_accuracy": 0.85,
    "oos_no_fabrication": 0.95,
    "false_handoff_rate": 0.05,
    "handoff_request_rate": 1.00,
}

#: metrics on the 0–1 scale (the chart); latency is shown separately
RATE_METRICS = ["hit@1", "hit@5", "mrr@10", "answer_accuracy", "oos_no_fabrication", "handoff_request_rate", "false_handoff_rate"]
LATENCY_METRICS = ["latency_p50_ms", "latency_p95_ms"]
#: shown only when a language model wrote answers during the run
GENERATION_METRICS = ["generation_used_rate", "generation_rejection_rate"]
#: why a model's answer was not used (bot.generate / bot.grounded reason codes)
REJECTIONS = {
    "timeout": "超时", "llm_error": "接口出错", "empty": "空答复", "no_citation": "没有标注出处",
    "unknown_citation": "引用了不存在的条文", "unsupported_number": "数字与条文不符", "unsupported_doc_number": "文号与条文不符",
    "unsupported_article": "条款号与条文不符", "unsupported_source": "文件名与条文不符",
}

EXPLAIN = {
    "hit@1": "第一条引用就来自正确文件、且含有正确条文的问题所占比例。",
    "hit@5": "前五条引用中至少有一条是正确出处的问题所占比例。",
    "mrr@10": "正确出处排得越靠前得分越高：排第 1 位得 1 分，第 2 位得 0.5 分，第 3 位得 1/3 分……前 10 条都没有得 0 分，再取平均；满分 1。",
    "answer_accuracy": "答复中包含标准答案要点（如期限、比例、金额）的问题所占比例；转了人工、没有作答的算答错。",
    "oos_no_fabrication": "知识库里没有答案的问题中，系统如实说明并转人工、没有编造答复的比例。",
    "handoff_request_rate": "用户明确要求找人工时，系统确实转给人工的比例。",
    "false_handoff_rate": "知识库本可以回答、系统却转给了人工的问题所占比例。",
    "latency_p50_ms": "一半的问题在这个时间内得到答复（毫秒）。",
    "latency_p95_ms": "95% 的问题在这个时间内得到答复（毫秒）。",
    "generation_used_rate": "答复由大模型撰写、并通过出处与数字核验的问题所占比例。",
    "generation_rejection_rate": "交给大模型撰写的答复中，未通过核验或调用失败、改用抽取式答复的比例。",
}

SCOPE_TITLES = {
    "in": "可由知识库回答的问题",
    "out": "超出知识库范围的问题",
    "handoff": "用户要求转人工的问题",
}

REASONS = {
    "user_request": "用户要求转人工",
    "low_confidence": "把握不足，未作答并建议转人工",
    "low_score": "检索得分低于阈值，未作答",
}

#: how the report names the runner's systems (the baselines' long labels stay in their notes)
SHORT_LABELS = {
    "baseline_bm25": "朴素 BM25 基线",
    "baseline_chroma": "朴素 Chroma 向量基线",
}

BEIJING = timezone(timedelta(hours=8))

# fills for the chart and legend: strongly different lightness, plus patterns, so greyscale prints
# still tell the systems apart
PALETTE = [
    {"color": "#1d4e89", "pattern": None},
    {"color": "#e8891d", "pattern": "stripes"},
    {"color": "#a8d69a", "pattern": "dots"},
    {"color": "#7a3e9d", "pattern": "cross"},
    {"color": "#d9d9d9", "pattern": None},
]


# ---------------------------------------------------------------------------------------------
# formatting


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(key: str, value: float | None, unit: bool = True) -> str:
    """A metric value as a reader sees it: rates in %, MRR as a 0–1 score, latency in ms."""
    if _missing(value):
        return "—"
    if key.startswith("latency"):
        number = f"{value:.1f}" if value >= 10 else f"{value:.2f}"
        return f"{number} 毫秒" if unit else number
    if key == "mrr@10":
        return f"{value:.3f}"
    return f"{value * 100:.1f}%"


def fmt_diff(key: str, diff: float) -> str:
    """An absolute difference: percentage points for rates, score for MRR, ms for latency."""
    diff = abs(diff)
    if key.startswith("latency"):
        return f"{diff:.1f} 毫秒" if diff >= 10 else f"{diff:.2f} 毫秒"
    if key == "mrr@10":
        return f"{diff:.3f}"
    return f"{diff * 100:.1f} 个百分点"


def metric_name(key: str) -> str:
    """The metric's Chinese name without the direction or unit notes of METRIC_NAMES."""
    return METRIC_NAMES[key].replace("（越低越好）", "").replace("（毫秒）", "")


def _direction(key: str) -> str:
    return "越高越好" if HIGHER_IS_BETTER[key] else "越低越好"


def _target_text(key: str) -> str:
    value = TARGETS[key]
    op = ("=" if value >= 1.0 else "≥") if HIGHER_IS_BETTER[key] else "≤"
    shown = f"{value:.2f}" if key == "mrr@10" else f"{value * 100:g}%"
    return f"{op} {shown}"


def _better(key: str, a: float, b: float) -> bool:
    return a > b if HIGHER_IS_BETTER[key] else a < b


def label(system) -> str:
    return SHORT_LABELS.get(system.name, system.label)


def _date(created: str) -> str:
    try:
        when = datetime.fromisoformat(created)
    except ValueError:
        return created
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    when = when.astimezone(BEIJING)
    return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}（北京时间）"


# ---------------------------------------------------------------------------------------------
# the report's content as plain data


def targets(metrics: dict[str, float]) -> list[dict]:
    """Each target with Chunfeng's value and whether it is met (None when there is no such question)."""
    rows = []
    for key, goal in TARGETS.items():
        value = metrics.get(key)
        met = None if _missing(value) else (value >= goal - 1e-9 if HIGHER_IS_BETTER[key] else value <= goal + 1e-9)
        rows.append({"key": key, "name": metric_name(key), "target": _target_text(key), "value": fmt(key, value), "met": met})
    return rows


def headline(rows: list[dict]) -> str:
    """One sentence on the targets: how many are met, and which are not (with value and target)."""
    judged = [t for t in rows if t["met"] is not None]
    unmet = [t for t in judged if not t["met"]]
    text = f"{len(TARGETS)} 项目标中 {len(judged) - len(unmet)} 项达标"
    if unmet:
        text += "；未达标：" + "、".join(f"{t['name']}（{t['value']}，目标 {t['target']}）" for t in unmet)
    skipped = len(TARGETS) - len(judged)
    if skipped:
        text += f"；另有 {skipped} 项因评测集中没有相应问题，无法判断"
    return text + "。"


def summary(result) -> tuple[list[str], list[str]]:
    """(plain-Chinese summary sentences, one sentence per metric where Chunfeng is not ahead)."""
    main = result.systems[0]
    c = main.metrics
    bases = result.systems[1:]
    n_in, n_out, n_hand = int(c["in_scope"]), int(c["out_of_scope"]), int(c["handoff_requests"])
    name = label(main)
    lines = [
        f"本次评测共 {int(c['questions'])} 个问题：{n_in} 个可由知识库回答，{n_out} 个超出知识库范围，{n_hand} 个是用户要求转人工。"
    ]

    def versus(key: str) -> str:
        parts = []
        for b in bases:
            value, other = c[key], b.metrics[key]
            if _missing(value) or _missing(other):
                continue
            diff = value - other
            if abs(diff) < 1e-9:
                parts.append(f"与{label(b)}持平")
            else:
                parts.append(f"比{label(b)}{'高' if diff > 0 else '低'} {fmt_diff(key, diff)}")
        return "，".join(parts)

    def paren(key: str) -> str:
        inner = versus(key)
        return f"（{inner}）" if inner else ""

    if n_in:
        false_vs = versus("false_handoff_rate")
        lines.append(
            f"在 {n_in} 个可由知识库回答的问题中，{name}有 {fmt('hit@1', c['hit@1'])} 的问题第一条引用就是正确出处{paren('hit@1')}；"
            f"{fmt('hit@5', c['hit@5'])} 的问题在前五条引用里能找到正确出处{paren('hit@5')}。"
        )
        lines.append(
            f"答复包含标准答案要点的比例（答复准确率）为 {fmt('answer_accuracy', c['answer_accuracy'])}{paren('answer_accuracy')}；"
            f"有 {fmt('false_handoff_rate', c['false_handoff_rate'])} 的可回答问题被转给了人工（误转人工率，越低越好{'；' + false_vs if false_vs else ''}）。"
        )
    if n_out:
        lines.append(
            f"在 {n_out} 个超出知识库范围的问题中，{name}有 {fmt('oos_no_fabrication', c['oos_no_fabrication'])} 没有编造答复，"
            f"而是如实说明并转人工{paren('oos_no_fabrication')}。"
        )
    if n_hand:
        lines.append(f"{n_hand} 个要求转人工的请求中，{fmt('handoff_request_rate', c['handoff_request_rate'])} 得到了转接{paren('handoff_request_rate')}。")
    if not _missing(c.get("latency_p50_ms")):
        lines.append(
            f"一半的问题在 {fmt('latency_p50_ms', c['latency_p50_ms'])}内答复，95% 的问题在 {fmt('latency_p95_ms', c['latency_p95_ms'])}内答复。"
        )
    generated = generation_line(main)
    if generated:
        lines.append(generated)
    failed = sum(1 for r in main.rows if not r["passed"])
    lines.append(f"共有 {failed} 个问题未通过，逐题明细见下文“未通过的问题”一节。" if failed else "所有问题均通过。")

    behind = []
    for key in RATE_METRICS + LATENCY_METRICS:
        value = c.get(key)
        if _missing(value):
            continue
        others = [b for b in bases if not _missing(b.metrics.get(key))]
        not_ahead = [b for b in others if not _better(key, value, b.metrics[key])]
        if not not_ahead:
            continue
        parts = []
        for b in not_ahead:
            other = b.metrics[key]
            if abs(value - other) < 1e-9:
                parts.append(f"与{label(b)}持平")
            elif key.startswith("latency"):
                parts.append(f"慢于{label(b)}的 {fmt(key, other)}")
            elif HIGHER_IS_BETTER[key]:
                parts.append(f"低于{label(b)}的 {fmt(key, other)}（低 {fmt_diff(key, value - other)}）")
            else:
                parts.append(f"高于{label(b)}的 {fmt(key, other)}（高 {fmt_diff(key, value - other)}；此项{_direction(key)}）")
        behind.append(f"{metric_name(key)}：{name}为 {fmt(key, value)}，{'；'.join(parts)}。")
    return lines, behind


def generation_line(system) -> str:
    """One summary sentence on the language model's answers, or "" when none was asked."""
    c = system.metrics
    if not c.get("generation_attempts"):
        return ""
    asked = [r["generation"] for r in system.rows if r.get("generation")]
    model = next((g.get("model") for g in asked if g.get("model")), "")
    reasons: dict[str, int] = {}
    for g in asked:
        if not g.get("used"):
            name = REJECTIONS.get(g.get("rejected") or "", g.get("rejected") or "其他")
            reasons[name] = reasons.get(name, 0) + 1
    why = "（" + "，".join(f"{k} {v} 题" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])) + "）" if reasons else ""
    return (f"大模型{'（' + model + '）' if model else ''}为 {int(c['generation_attempts'])} 个问题撰写了答复，"
            f"其中 {fmt('generation_rejection_rate', c['generation_rejection_rate'])} 未通过核验或调用失败，改用抽取式答复{why}；"
            f"全部问题中 {fmt('generation_used_rate', c['generation_used_rate'])} 的答复由大模型撰写。")


def comparison(result) -> list[dict]:
    """Rows of the comparison table, with the best value(s) of each row marked."""
    rows = []
    generation = [k for k in GENERATION_METRICS if not _missing(result.systems[0].metrics.get(k))]
    for key in RATE_METRICS + generation + LATENCY_METRICS:
        values = [s.metrics.get(key) for s in result.systems]
        present = [v for v in values if not _missing(v)]
        best = (max(present) if HIGHER_IS_BETTER[key] else min(present)) if present else None
        cells = [
            {"text": fmt(key, v, unit=False), "best": len(result.systems) > 1 and best is not None and not _missing(v) and abs(v - best) < 1e-9}
            for v in values
        ]
        name = metric_name(key) + ("（毫秒）" if key.startswith("latency") else "")
        rows.append({"key": key, "name": name, "explain": EXPLAIN[key], "direction": _direction(key),
                     "higher": HIGHER_IS_BETTER[key], "cells": cells})
    return rows


def _failure_reasons(row: dict) -> list[str]:
    scope = row["scope"]
    if scope == "out":
        return ["没有转人工，给出了知识库以外的答复（可能是编造）"]
    if scope == "handoff":
        return ["用户要求转人工，但没有转接"]
    reasons = []
    if row["handoff"]:
        reasons.append("可以回答却转给了人工")
    rank = row.get("rank")
    if rank is None:
        reasons.append("前十条引用里没有正确出处")
    elif rank > 5:
        reasons.append(f"正确出处排在第 {rank} 位，不在前五")
    if not row.get("answer_ok") and not row["handoff"]:
        reasons.append("答复缺少标准答案要点")
    return reasons or ["未通过"]


def _clip(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def failures(rows: list[dict]) -> list[dict]:
    """Failed rows grouped by scope (in, out, handoff), each group with its items."""
    groups = []
    for scope, title in SCOPE_TITLES.items():
        scoped = [r for r in rows if r["scope"] == scope]
        items = []
        for r in scoped:
            if r["passed"]:
                continue
            conf = r.get("confidence")
            items.append({
                "id": r["id"],
                "question": r["question"],
                "reasons": _failure_reasons(r),
                "expect": r.get("expect") or [],
                "keywords": [" 或 ".join(g) for g in r.get("answer_keywords") or []],
                "answer": _clip(r.get("answer", ""), 200),
                "confidence": "—" if _missing(conf) else f"{conf:.2f}",
                "handoff": "是" if r["handoff"] else "否",
                "reason": (f"{REASONS.get(r['reason'], r['reason'])}（{r['reason']}）" if r.get("reason") else "—"),
                "rank": r.get("rank"),
                "retrieved": [
                    {"n": i, "source": p.get("source", ""), "section": p.get("section", ""),
                     "score": f"{float(p.get('score') or 0):.3f}", "hit": bool(p.get("hit")), "text": _clip(p.get("text", ""), 120)}
                    for i, p in enumerate((r.get("retrieved") or [])[:5], 1)
                ],
            })
        groups.append({"scope": scope, "title": title, "total": len(scoped), "cases": items})
    return groups


def failure_tally(rows: list[dict]) -> list[tuple[str, int]]:
    """How often each failure reason occurs among the failed rows, most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        if not r["passed"]:
            for reason in _failure_reasons(r):
                if reason.startswith("正确出处排在第"):
                    reason = "正确出处排在第 6–10 位，不在前五"
                counts[reason] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def per_source(rows: list[dict]) -> list[dict]:
    """Chunfeng's hit@1/hit@5/answer accuracy per expected source file, weakest first."""
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["scope"] != "in":
            continue
        for source in dict.fromkeys(e["source"] for e in r.get("expect") or []):
            by[source].append(r)
    table = []
    for source, rs in by.items():
        h1 = m.mean(m.hit_at(r["rank"], 1) for r in rs)
        h5 = m.mean(m.hit_at(r["rank"], 5) for r in rs)
        acc = m.mean(1.0 if (r["answer_ok"] and not r["handoff"]) else 0.0 for r in rs)
        table.append({"source": source, "n": len(rs), "h1": h1, "h5": h5, "acc": acc,
                      "hit1": fmt("hit@1", h1), "hit5": fmt("hit@5", h5), "accuracy": fmt("answer_accuracy", acc)})
    table.sort(key=lambda t: (t["h5"], t["h1"], t["acc"], t["source"]))
    return table


def chart(result) -> dict:
    """Geometry of a horizontal grouped bar chart of the rate metrics (SVG user units)."""
    systems = result.systems
    width, left, right = 400, 12, 56
    plot_w = width - left - right
    bar_h, gap, label_h, group_gap = 15, 3, 23, 13
    top = 8
    groups = []
    y = top
    for key in RATE_METRICS:
        group_label = METRIC_NAMES[key] if key != "mrr@10" else "平均倒数排名 MRR@10（0–1 得分）"
        bars = []
        by = y + label_h
        for i, s in enumerate(systems):
            value = s.metrics.get(key)
            w = 0.0 if _missing(value) else max(0.0, min(1.0, value)) * plot_w
            text = fmt(key, value) if not _missing(value) else "无此类问题"
            text_w = sum(11.5 if ord(ch) > 255 else 6.7 for ch in text)  # rough, for the label's backdrop
            bars.append({"x": left, "y": by, "w": round(w, 2), "h": bar_h, "fill": f"url(#fill{i % len(PALETTE)})",
                         "text": text, "tx": round(left + w + 4, 2), "ty": by + bar_h - 3.5, "tw": round(text_w + 2, 1)})
            by += bar_h + gap
        target = TARGETS.get(key)
        groups.append({
            "key": key, "label": group_label, "ly": y + label_h - 7, "bars": bars,
            "target_x": round(left + target * plot_w, 2) if target is not None else None,
            "target_y1": y + label_h - 3, "target_y2": by - gap + 2,
        })
        y = by - gap + group_gap
    axis_y = y
    ticks = [{"x": round(left + t / 4 * plot_w, 2), "label": f"{t * 25}%"} for t in range(5)]
    fills = [{"id": f"fill{i}", **p} for i, p in enumerate(PALETTE[: len(systems)])]
    legend = [{"label": label(s), "fill": f"url(#fill{i % len(PALETTE)})"} for i, s in enumerate(systems)]
    return {"width": width, "height": axis_y + 40, "left": left, "plot_w": plot_w, "top": top, "axis_y": axis_y,
            "ticks": ticks, "groups": groups, "fills": fills, "legend": legend}


def build_context(result) -> dict:
    """Everything both renderers show, as plain data."""
    main = result.systems[0]
    c = main.metrics
    lines, behind = summary(result)
    goal_rows = targets(c)
    return {
        "title": "春风政采助手 评测报告",
        "dataset": result.dataset,
        "date": _date(result.created),
        "embedder": result.embedder,
        "corpus": "、".join(result.corpus) if result.corpus else "（使用现有知识库）",
        "kb": "评测时临时新建" if result.kb == "(temporary)" else result.kb,
        "counts": {"total": int(c["questions"]), "in": int(c["in_scope"]), "out": int(c["out_of_scope"]),
                   "handoff": int(c["handoff_requests"])},
        "main": label(main),
        "systems": [{"name": s.name, "label": label(s), "full": s.label} for s in result.systems],
        "has_baselines": len(result.systems) > 1,
        "summary": lines,
        "behind": behind,
        "targets": goal_rows,
        "headline": headline(goal_rows),
        "comparison": comparison(result),
        "notes": list(result.notes),
        "failures": failures(main.rows),
        "failed_total": sum(1 for r in main.rows if not r["passed"]),
        "failure_tally": failure_tally(main.rows),
        "per_source": per_source(main.rows),
        "chart": chart(result),
    }


# ---------------------------------------------------------------------------------------------
# renderers


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(result) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, nothing fetched)."""
    return _env().get_template("report.html.j2").render(**build_context(result))


def _md(text: object) -> str:
    """Escape text for a Markdown table cell or paragraph: no raw HTML, no table or emphasis breaks."""
    out = str(text).replace("&", "&amp;").replace("<", "&lt;")
    for ch in "\\`*[]|":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def render_markdown(result) -> str:
    """The same content as the HTML page, as Markdown (tables instead of the chart)."""
    ctx = build_context(result)
    out: list[str] = [f"# {ctx['title']}", ""]
    counts = ctx["counts"]
    out += [
        f"- 评测集：{_md(ctx['dataset'])}",
        f"- 生成时间：{ctx['date']}",
        f"- 问题数：共 {counts['total']} 个（可由知识库回答 {counts['in']}，超出范围 {counts['out']}，要求转人工 {counts['handoff']}）",
        "- 参评系统：" + "；".join(_md(s["label"] if s["label"] == s["full"] else f"{s['label']}（{s['full']}）") for s in ctx["systems"]),
        f"- 向量模型：{_md(ctx['embedder'])}",
        f"- 政策语料：{_md(ctx['corpus'])}；知识库：{_md(ctx['kb'])}",
        "",
        "## 1. 结论摘要",
        "",
        f"**{_md(ctx['headline'])}**",
        "",
    ]
    for line in ctx["summary"]:
        out += [_md(line), ""]
    if ctx["has_baselines"]:
        out += [f"### {_md(ctx['main'])}未领先基线的指标", ""]
        out += [f"- {_md(b)}" for b in ctx["behind"]] or [f"- 在所有指标上，{_md(ctx['main'])}都领先于基线。"]
        out.append("")
    out += ["### 目标达成情况", "", "| 指标 | 目标 | 实际 | 结果 |", "|---|---|---|---|"]
    for t in ctx["targets"]:
        status = "无数据" if t["met"] is None else ("✔ 达标" if t["met"] else "✘ 未达标")
        out.append(f"| {_md(t['name'])} | {t['target']} | {t['value']} | {status} |")
    out += ["", "## 2. 各系统对比", "", "每行最佳值加粗。", ""]
    out.append("| 指标 | 说明 | " + " | ".join(_md(s["label"]) for s in ctx["systems"]) + " |")
    out.append("|---|---|" + "---|" * len(ctx["systems"]))
    for row in ctx["comparison"]:
        cells = [f"**{c['text']}**" if c["best"] else c["text"] for c in row["cells"]]
        out.append(f"| {_md(row['name'])} | {_md(row['explain'])}{row['direction']}。 | " + " | ".join(cells) + " |")
    if ctx["notes"]:
        out += ["", "基线说明："]
        out += [f"- {_md(n)}" for n in ctx["notes"]]
    out += ["", f"## 3. {_md(ctx['main'])}未通过的问题", ""]
    if not ctx["failed_total"]:
        out += ["全部通过。", ""]
    else:
        out += [f"共 {ctx['failed_total']} 个问题未通过，原因分布（一题可有多个原因）：", ""]
        out += [f"- {reason}：{n} 题" for reason, n in ctx["failure_tally"]]
        out.append("")
    for g in ctx["failures"]:
        if not g["total"]:
            continue
        out += [f"### {g['title']}（未通过 {len(g['cases'])} / {g['total']}）", ""]
        if not g["cases"]:
            out += ["全部通过。", ""]
        for it in g["cases"]:
            out += [f"#### {_md(it['id'])}：{_md(it['question'])}", ""]
            out.append(f"- 问题所在：{_md('；'.join(it['reasons']))}")
            for e in it["expect"]:
                out.append(f"- 应引用：{_md(e['source'])} —— “{_md(e['evidence'])}”")
            if it["keywords"]:
                out.append(f"- 答案要点：{_md('；'.join(it['keywords']))}")
            out.append(f"- 答复：{_md(it['answer']) or '（空）'}")
            out.append(f"- 置信度（0–1，越高越有把握）：{it['confidence']}；转人工：{it['handoff']}；原因：{_md(it['reason'])}")
            out.append("")
            if it["retrieved"]:
                out += ["| 排名 | 来源 | 章节 | 得分 | 命中 |", "|---|---|---|---|---|"]
                for p in it["retrieved"]:
                    out.append(f"| {p['n']} | {_md(p['source'])} | {_md(p['section'])} | {p['score']} | {'✓' if p['hit'] else ''} |")
            else:
                out.append("（没有检索到任何片段）")
            out.append("")
    if ctx["per_source"]:
        out += [f"## 4. 按出处文件统计（{_md(ctx['main'])}）", "", "表现较弱的文件排在前面。", "",
                "| 文件 | 题数 | 首位命中率 | 前五命中率 | 答复准确率 |", "|---|---|---|---|---|"]
        for s in ctx["per_source"]:
            out.append(f"| {_md(s['source'])} | {s['n']} | {s['hit1']} | {s['hit5']} | {s['accuracy']} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_report(result, path: Path) -> None:
    """Write the report; the format follows the suffix (.html/.htm or .md)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        text = render_html(result)
    elif suffix == ".md":
        text = render_markdown(result)
    else:
        shown = path.suffix or "（无后缀）"
        raise ChunfengError(f"无法生成 {shown} 格式的评测报告：报告文件名须以 .html 或 .md 结尾（如 report.html）。", code="report_format")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
