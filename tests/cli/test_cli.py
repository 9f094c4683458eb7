"""The `chunfeng` command, run as a real subprocess the way a user runs it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES


def run(*args, cwd=None, env=None):
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}  # None: unset
    return subprocess.run(
        [sys.executable, "-m", "chunfeng.cli", *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300
    )


def test_ingest_then_ask_json(tmp_path: Path):
    kb = tmp_path / "kb"
    first = run("ingest", str(SAMPLES), "--kb", str(kb), "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["summary"]["ingested"] == 3 and report["summary"]["failed"] == 0
    chunks = report["chunks"]

    again = json.loads(run("ingest", str(SAMPLES), "--kb", str(kb), "--json").stdout)
    assert again["summary"]["unchanged"] == 3 and again["chunks"] == chunks

    asked = run("ask", "中标以后多久签合同？", "--kb", str(kb), "--json")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["question"] == "中标以后多久签合同？" and data["citations"]
    assert {"id", "answer", "handoff", "reason", "confidence"} <= set(data)

    human = run("ask", "中标以后多久签合同？", "--kb", str(kb))
    assert "依据" in human.stdout and "引用来源" in human.stdout


def test_batch_answers_every_line_in_one_process(tmp_path: Path):
    kb = tmp_path / "kb"
    assert run("ingest", str(SAMPLES), "--kb", str(kb)).returncode == 0
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a", "question": "预付款比例是多少"}\n{"id": "b", "question": "转人工"}\nnot json\n{"id": 3, "question": "明天下雨吗"}\n',
        encoding="utf-8",
    )
    res = run("ask", "--batch", str(batch), "--kb", str(kb), "--json")
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x.get("id") for x in lines] == ["a", "b", None, 3]
    assert lines[1]["handoff"] and lines[1]["reason"] == "user_request"
    assert "第 3 行" in lines[2]["error"]
    assert res.returncode == 1


def test_errors_are_plain_chinese_with_exit_code_2(tmp_path: Path):
    res = run("ask", "问题", "--kb", str(tmp_path / "none"))
    assert res.returncode == 2 and "还没有建立" in res.stderr and "chunfeng ingest" in res.stderr
    res = run("ask", "--kb", str(tmp_path))
    assert res.returncode == 2
    bad = run("ask", "问题", "--kb", str(tmp_path), env={"CHUNFENG_TOP_K": "0"})
    assert bad.returncode == 2 and "CHUNFENG_TOP_K" in bad.stderr


def test_ingest_reports_failures_with_exit_code_1(tmp_path: Path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("示例通知\n第一条 采购人不得收取保证金。", encoding="utf-8")
    (corpus / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    res = run("ingest", str(corpus), "--kb", str(tmp_path / "kb"))
    assert res.returncode == 1
    assert "bad.pdf" in res.stdout and "失败" in res.stdout and "已导入" in res.stdout


def test_ask_filters_by_source_and_level(tmp_path: Path):
    kb = tmp_path / "kb"
    assert run("ingest", str(SAMPLES), "--kb", str(kb)).returncode == 0
    res = run("ask", "预付款", "--kb", str(kb), "--json", "--source", "chunfeng-supplier-faq.md")
    data = json.loads(res.stdout)
    assert data["citations"] and {c["source"] for c in data["citations"]} == {"chunfeng-supplier-faq.md"}
    none = json.loads(run("ask", "预付款", "--kb", str(kb), "--json", "--level", "national").stdout)
    assert none["citations"] == [] and none["handoff"]
    bad = run("ask", "预付款", "--kb", str(kb), "--level", "county")
    assert bad.returncode == 2 and "--level" in bad.stderr


def test_bank_reports_which_questions_found_their_provision(tmp_path: Path):
    kb = tmp_path / "kb"
    assert run("ingest", str(SAMPLES), "--kb", str(kb)).returncode == 0
    bank = tmp_path / "bank"
    bank.mkdir()
    rows = [
        {"document": "chunfeng-supplier-faq.md", "evidence": "免费注册账号", "question": "在平台上注册要不要交钱？"},
        {"document": "chunfeng-supplier-faq.md", "evidence": "这句话不在文件里出现", "question": "这个问题对应不上吧？"},
        {"document": "某市不存在的办法", "evidence": "这句话不在文件里出现", "question": "这个文件根本没导入吧？"},
    ]
    (bank / "mine.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    env = {"CHUNFENG_QUESTION_BANK": str(bank), "CHUNFENG_BUILTIN_QUESTIONS": "false"}
    report = run("bank", "--kb", str(kb), "--json", env=env)
    assert report.returncode == 1, report.stderr  # something did not attach: the operator should look
    data = json.loads(report.stdout)
    assert (data["questions"], data["own"], data["attached"]) == (3, 3, 1)
    assert [(u["origin"], u["reason"]) for u in data["problems"]] == [
        ("mine.jsonl:2", "文件中找不到这段原文（条文可能已修改）"), ("mine.jsonl:3", "知识库中没有这份文件")]
    human = run("bank", "--kb", str(kb), env=env)
    assert "问题库共 3 个问题（内置 0，自建 3），1 个对应到" in human.stdout and "mine.jsonl:3" in human.stdout

    # the built-in bank: documents this knowledge base has not imported are no problem
    builtin = run("bank", "--kb", str(kb), "--json")
    assert builtin.returncode == 0, builtin.stdout[-2000:]
    data = json.loads(builtin.stdout)
    assert data["own"] == 0 and data["attached"] > 100 and data["problems"] == []
    assert "中华人民共和国政府采购法" in data["builtin_documents_not_imported"]

    (bank / "broken.jsonl").write_text('{"document": "x"\n', encoding="utf-8")
    broken = run("bank", "--kb", str(kb), env=env)
    assert broken.returncode == 2 and "broken.jsonl第1行不是合法的JSON" in "".join(broken.stderr.split())


def test_eval_prints_the_comparison_and_writes_the_report(tmp_path: Path):
    """The human-readable run the issue's acceptance command makes (with --baselines and --report)."""
    rows = [json.loads(x) for x in (Path(__file__).resolve().parents[2] / "eval" / "gold" / "sample.jsonl").read_text(encoding="utf-8").splitlines()]
    small = tmp_path / "small.jsonl"
    picked = [r for r in rows if r["scope"] == "in"][:3] + [r for r in rows if r["scope"] == "out"][:1] + [r for r in rows if r["scope"] == "handoff"][:1]
    small.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked), encoding="utf-8")
    report = tmp_path / "report.html"
    done = run("eval", "--dataset", str(small), "--corpus", str(SAMPLES), "--kb", str(tmp_path / "kb"), "--baselines",
               "--report", str(report), env={"CHUNFENG_LLM_BASE_URL": None})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "首位命中率 hit@1" in done.stdout and "误转人工率" in done.stdout and "大模型答复采用率" not in done.stdout
    assert report.is_file() and "LangChain" in report.read_text(encoding="utf-8")
    # the systems are named in full, and every row's figures start in the same terminal column (a Chinese character is two)
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("指标"))
    assert "LangChain 切分 + BM25（jieba）" in header and "LangChain 切分 + Chroma 向量" in header
    width = lambda text: sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    starts = {width(line[: re.search(r"\d+\.\d+", line).start()]) for line in lines if line.startswith(("首位命中率", "误转人工率"))}
    assert starts == {width(header[: header.index("春风政采助手")])}
