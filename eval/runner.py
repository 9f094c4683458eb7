"""Run a gold set through Chunfeng (and optionally the naive baselines) and collect per-question rows.

Chunfeng is asked through ``Assistant.reply`` — exactly the path of ``chunfeng ask`` — with
``top_k=10`` so MRR@10 can be computed from the citations. Every system answers every question; the
rows and the metrics computed from them form an :class:`EvalResult`, which the report renders.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol

from bot.types import Turn
from chunfeng.factory import build_assistant, chunker_for, open_kb
from chunfeng.settings import Settings
from eval import metrics
from eval.gold import GoldItem
from ingest.pipeline import Ingestor

DEPTH = 10


@dataclass
class Retrieved:
    source: str
    text: str
    section: str = ""
    score: float = 0.0


@dataclass
class SystemAnswer:
    answer: str
    handoff: bool
    reason: str | None
    confidence: float | None
    retrieved: list[Retrieved]
    generation: dict | None = None  # {"used", "rejected", "model", …} when a language model was asked


class System(Protocol):
    name: str
    label: str

    def ask(self, question: str) -> SystemAnswer: ...


class ChunfengSystem:
    name = "chunfeng"
    label = "春风政采助手"

    def __init__(self, settings: Settings) -> None:
        self.assistant = build_assistant(settings)

    def ask(self, question: str) -> SystemAnswer:
        reply = self.assistant.reply(Turn(text=question, channel="eval"))
        return SystemAnswer(
            reply.answer,
            reply.handoff,
            reply.reason,
            reply.confidence,
            [Retrieved(c.source, c.text, c.section, c.score) for c in reply.citations],
            reply.extra.get("generation"),
        )


@dataclass
class SystemResult:
    name: str
    label: str
    metrics: dict[str, float]
    rows: list[dict]


@dataclass
class EvalResult:
    dataset: str
    created: str
    kb: str
    corpus: list[str]
    embedder: str
    systems: list[SystemResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def system(self, name: str) -> SystemResult:
        return next(s for s in self.systems if s.name == name)

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(system: System, items: list[GoldItem], on_progress: Callable[[int, int], None] | None = None) -> SystemResult:
    rows: list[dict] = []
    for i, item in enumerate(items, 1):
        started = time.perf_counter()
        ans = system.ask(item.question)
        latency = (time.perf_counter() - started) * 1000
        retrieved = ans.retrieved[:DEPTH]
        rank = metrics.first_hit_rank([(r.source, r.text) for r in retrieved], item.expect) if item.scope == "in" else None
        answer_ok = metrics.answer_correct(ans.answer, item.answer_keywords) if item.scope == "in" else None
        if item.scope == "in":
            passed = rank is not None and rank <= 5 and bool(answer_ok) and not ans.handoff
        else:
            passed = ans.handoff
        rows.append(
            {
                "id": item.id,
                "question": item.question,
                "scope": item.scope,
                "answer": ans.answer,
                "handoff": ans.handoff,
                "reason": ans.reason,
                "confidence": ans.confidence,
                "rank": rank,
                "answer_ok": answer_ok,
                "passed": passed,
                "latency_ms": round(latency, 2),
                "generation": ans.generation,
                "expect": [asdict(e) for e in item.expect],
                "answer_keywords": item.answer_keywords,
                "retrieved": [
                    {"source": r.source, "section": r.section, "score": round(float(r.score), 4),
                     "hit": bool(item.scope == "in" and metrics.is_hit(r.source, r.text, item.expect)),
                     "text": r.text[:300]}
                    for r in retrieved
                ],
            }
        )
        if on_progress:
            on_progress(i, len(items))
    return SystemResult(system.name, system.label, metrics.summarize(rows), rows)


def prepare_kb(settings: Settings, corpus: list[Path]) -> None:
    """Build or bring up to date the knowledge base in settings.data_dir from the corpus folders."""
    kb = open_kb(settings, create=True)
    try:
        report = Ingestor(kb, chunker_for(settings)).run(corpus)
    finally:
        kb.close()
    failed = [f for f in report.files if f.status == "failed"]
    if failed:
        names = "、".join(f"{f.source}（{f.reason}）" for f in failed[:5])
        raise RuntimeError(f"评测语料中有文件导入失败：{names}")


def run(
    items: list[GoldItem],
    *,
    dataset: str,
    corpus: list[Path],
    kb_dir: Path | None,
    baselines: bool = False,
    calibration: list[GoldItem] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> EvalResult:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = kb_dir or Path(tmp) / "kb"
        settings = Settings.load(data_dir=data_dir, top_k=DEPTH)
        if corpus:
            prepare_kb(settings, corpus)
        chunfeng = ChunfengSystem(settings)
        result = EvalResult(
            dataset=dataset,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            kb=str(kb_dir) if kb_dir else "(temporary)",
            corpus=[str(p) for p in corpus],
            embedder=chunfeng.assistant.answerer.retriever.kb.embedder.name,
        )
        progress = (lambda name: (lambda i, n: on_progress(name, i, n))) if on_progress else (lambda name: None)
        result.systems.append(evaluate(chunfeng, items, progress(chunfeng.label)))
        if baselines:
            from eval.baselines import build_baselines

            docs = [d.path for d in chunfeng.assistant.answerer.retriever.kb.documents()]
            for base in build_baselines([Path(p) for p in docs], chunfeng.assistant.answerer.retriever.kb.embedder, Path(tmp)):
                base.calibrate(calibration or items)
                result.systems.append(evaluate(base, items, progress(base.label)))
                result.notes.append(base.note)
        return result
