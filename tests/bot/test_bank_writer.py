"""Drafting question-bank entries with a language model (bot.bank_writer), and `chunfeng bank-draft`
against a real OpenAI-compatible server on 127.0.0.1."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.bank_writer import draft_bank, evidence_of, parse_questions, prompt, write_bank
from bot.llm import LLMError, ScriptedLLM
from kb.models import Chunk
from kb.questions import attach, read_bank
from tests.conftest import SAMPLES
from tests.fixtures.fake_openai import FakeOpenAI


def chunk(cid, text, label="第三条"):
    return Chunk(id=cid, doc_id="d", source="local.txt", ordinal=0, kind="article", text=text, section="", label=label,
                 title="春风市示例办法", doc_number="", headings="", parents="", article=None, group="", part=0, parts=0,
                 issuer="", date="", jurisdiction="city")


ARTICLE = "第三条 采购单位应当自收到发票之日起8个工作日内完成支付，不得以内部审批为由拖延。"


def test_questions_are_read_one_per_line_without_numbering_or_repeats():
    text = "1. 发票交了多久能拿到钱？\n2、发票交了多久能拿到钱？\n- “单位说要走审批，能拖着不付吗”\n\n好的\n(3) 付款最晚几天\n问题4：多出来的"
    assert parse_questions(text, 5) == ["发票交了多久能拿到钱？", "单位说要走审批，能拖着不付吗", "付款最晚几天"]  # "好的", "多出来的": too short
    assert parse_questions(text, 2) == ["发票交了多久能拿到钱？", "单位说要走审批，能拖着不付吗"]


def test_each_passage_gets_its_questions_tied_to_its_opening_words(tmp_path):
    llm = ScriptedLLM("发票交了多久能拿到钱？\n单位说要走审批，能拖着不付吗？\n付款最晚几天")
    chunks = [chunk("c3", ARTICLE), chunk("h", "第二章 附则", label="")]
    report = draft_bank(llm, chunks, per=2)
    assert [e.question for e in report.entries] == ["发票交了多久能拿到钱？", "单位说要走审批，能拖着不付吗？"]
    assert report.skipped == 1 and not report.failures  # a heading gets no questions
    assert "请写 2 个问题" in llm.calls[0][1]["content"] and ARTICLE in llm.calls[0][1]["content"]
    assert prompt(chunks[0], 2)[0]["role"] == "system"
    folder = tmp_path / "bank"
    write_bank(report.entries, folder, "local.jsonl")
    entries = read_bank([folder])
    assert attach(entries, chunks).questions["c3"] == entries  # the evidence is the passage's own words
    assert evidence_of(chunks[0]) == ARTICLE[:30]


def test_a_failing_model_skips_only_that_passage():
    calls = []

    def reply(messages):
        calls.append(1)
        if len(calls) == 1:
            raise LLMError("模型接口 http://127.0.0.1:9/v1 返回 500")
        return "付款最晚几天？"

    class Flaky(ScriptedLLM):
        def complete(self, messages, timeout=None):
            return reply(messages)

    report = draft_bank(Flaky(), [chunk("a", ARTICLE), chunk("b", ARTICLE.replace("8个", "10个"), "第四条")], per=3)
    assert [c.id for c, _ in report.failures] == ["a"] and "500" in report.failures[0][1]
    assert [e.question for e in report.entries] == ["付款最晚几天？"]


def run(*args, env):
    full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}  # None: unset
    return subprocess.run([sys.executable, "-m", "chunfeng.cli", *args], capture_output=True, text=True, env=full, timeout=300)


def test_bank_draft_command_against_a_local_model_server(tmp_path: Path):
    kb = tmp_path / "kb"
    assert run("ingest", str(SAMPLES), "--kb", str(kb), env={}).returncode == 0
    no_llm = run("bank-draft", "--out", str(tmp_path / "drafts"), "--kb", str(kb), env={"CHUNFENG_LLM_BASE_URL": None})
    assert no_llm.returncode == 2 and "起草问题库需要大模型" in no_llm.stderr
    with FakeOpenAI() as fake:
        fake.reply_with("投标还要交押金吗？\n保证金什么时候退？")
        env = {"CHUNFENG_LLM_BASE_URL": fake.base + "/v1", "CHUNFENG_LLM_MODEL": "qwen-test"}
        # every sample document is in the built-in bank: nothing to draft unless one is named
        nothing = run("bank-draft", "--out", str(tmp_path / "drafts"), "--kb", str(kb), env=env)
        assert nothing.returncode == 0 and "没有需要起草的" in nothing.stdout
        done = run("bank-draft", "--out", str(tmp_path / "drafts"), "--kb", str(kb), "--document", "chunfeng-supplier-faq.md",
                   "--per", "2", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert fake.requests and fake.requests[0].body["model"] == "qwen-test"
    drafted = [json.loads(x) for x in (tmp_path / "drafts" / "chunfeng-supplier-faq.jsonl").read_text(encoding="utf-8").splitlines()]
    assert drafted and {d["question"] for d in drafted} == {"投标还要交押金吗？", "保证金什么时候退？"}
    assert {d["document"] for d in drafted} == {"供应商常见问题解答（示例）"}
    check = run("bank", "--kb", str(kb), "--json", env={"CHUNFENG_QUESTION_BANK": str(tmp_path / "drafts")})
    report = json.loads(check.stdout)
    assert check.returncode == 0 and report["own"] == len(drafted) and report["problems"] == []
