"""Draft question-bank entries (kb.questions) for a city's own documents with its language model.

The built-in bank covers the national texts. A city's own measures need questions too, and writing
fifteen per article by hand is slow; a local model (Qwen, DeepSeek, GLM … behind the OpenAI-compatible
endpoint of CHUNFENG_LLM_BASE_URL) can draft them from each passage: `chunfeng bank draft`. The
drafts are a file an officer reads and edits before pointing CHUNFENG_QUESTION_BANK at it; nothing is
used unseen.

Each entry's evidence is the passage's own opening words, so it attaches to that passage whatever
the model writes. A passage the model fails on is reported and skipped; the others go on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from bot.llm import LLM, LLMError, Message
from kb.models import Chunk
from kb.questions import MIN_EVIDENCE, BankEntry
from kb.textnorm import compact

EVIDENCE_CHARS = 30  # the passage's opening words that tie a drafted question to it
MIN_PASSAGE = 20  # characters; headings and signatures get no questions

SYSTEM = (
    "你为政府采购政策问答系统编写“问题库”：针对给出的一条政策规定，写出供应商、中小企业老板、12345 来电群众、"
    "采购单位经办人会怎么问，答案就在这条规定里。要求：用提问人自己的口语说法，不照抄条文措辞，不提条文序号和文号；"
    "每个问题换一种身份或说法（讲自己处境的、口语的、简短搜索式的、带具体数字日期的）；每行一个问题，不要编号，不要其他内容。"
)

_NUMBERING = re.compile(r"^\s*(?:[-*•·]|\d+[.、)）]|[（(]\d+[)）]|问题?\d*[:：])\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def prompt(chunk: Chunk, per: int) -> list[Message]:
    """The messages that ask for `per` questions about one passage."""
    where = " > ".join(p for p in (chunk.title, chunk.label) if p)
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"规定出处：{where}\n规定原文：\n{chunk.text.strip()}\n\n请写 {per} 个问题。"},
    ]


def parse_questions(text: str, per: int) -> list[str]:
    """The questions of a model's answer: one per line, numbering and quotes removed, at most `per`,
    no repeats, none without Chinese or shorter than six characters."""
    out: list[str] = []
    for line in text.splitlines():
        q = _NUMBERING.sub("", line).strip().strip("“”\"'「」")
        if len(q) >= 6 and _CJK.search(q) and q not in out:
            out.append(q)
        if len(out) == per:
            break
    return out


def evidence_of(chunk: Chunk) -> str:
    """The passage's opening words, verbatim (they tie a question to this passage)."""
    return chunk.text.strip().splitlines()[0][:EVIDENCE_CHARS] if chunk.text.strip() else ""


@dataclass
class DraftReport:
    entries: list[BankEntry] = field(default_factory=list)
    failures: list[tuple[Chunk, str]] = field(default_factory=list)  # (passage, reason)
    skipped: int = 0  # passages too short to ask about


def draft_bank(llm: LLM, chunks: Iterable[Chunk], per: int = 5,
               on_progress: Callable[[int, int, Chunk], None] | None = None) -> DraftReport:
    """Ask the model for `per` questions about each passage; a failure skips that passage only."""
    chunks = list(chunks)
    report = DraftReport()
    for i, c in enumerate(chunks, 1):
        if on_progress:
            on_progress(i, len(chunks), c)
        evidence = evidence_of(c)
        if len(compact(c.text)) < MIN_PASSAGE or len(compact(evidence)) < MIN_EVIDENCE:
            report.skipped += 1
            continue
        try:
            questions = parse_questions(llm.complete(prompt(c, per)), per)
        except LLMError as exc:
            report.failures.append((c, str(exc)))
            continue
        if not questions:
            report.failures.append((c, "模型没有给出可用的问题"))
        report.entries += [BankEntry(c.title, evidence, q, f"{c.source}:{c.label or c.ordinal}") for q in questions]
    return report


def write_bank(entries: Iterable[BankEntry], folder: Path, name: str) -> Path:
    """The entries as a bank file (JSON Lines) in `folder`, ready for CHUNFENG_QUESTION_BANK."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps({"document": e.document, "evidence": e.evidence, "question": e.question},
                                       ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    return path
