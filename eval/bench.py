"""Benchmark (not a test): ingest time and warm `ask` latency, as numbers in a report.

    python -m eval.bench [--corpus DIR ...] [--questions FILE.jsonl] [--out report.md] [--json]

Defaults: ../shared/corpus and ../shared/seeds when present (else the bundled sample), and the
questions of eval/gold/dev.jsonl. The knowledge base is built in a temporary folder with the
configured embedder; latency is measured through ``Assistant.reply`` in one warm process, the same
path as ``chunfeng ask``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bot.types import Turn
from chunfeng.factory import build_assistant, chunker_for, open_kb
from chunfeng.settings import Settings
from eval.metrics import percentile
from ingest.pipeline import Ingestor

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def default_corpus() -> list[Path]:
    if (SHARED / "corpus").is_dir():
        return [SHARED / "corpus", SHARED / "seeds"]
    return [REPO / "samples" / "policies"]


def load_questions(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["question"])
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(corpus: list[Path], questions: list[str], repeat: int = 3) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(data_dir=Path(tmp) / "kb")
        kb = open_kb(settings, create=True)
        t0 = time.perf_counter()
        report = Ingestor(kb, chunker_for(settings)).run(corpus)
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        Ingestor(kb, chunker_for(settings)).run(corpus)
        reingest_s = time.perf_counter() - t0
        kb.close()

        t0 = time.perf_counter()
        assistant = build_assistant(settings)
        assistant.reply(Turn(text="预热"))  # loads jieba, the keyword index and the lookup table
        warmup_s = time.perf_counter() - t0
        latencies = []
        for _ in range(repeat):
            for q in questions:
                t = time.perf_counter()
                assistant.reply(Turn(text=q))
                latencies.append((time.perf_counter() - t) * 1000)
        return {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {platform.python_version()}, {__import__('os').cpu_count()} CPU",
            "embedder": assistant.answerer.retriever.kb.embedder.name,
            "corpus": [str(p) for p in corpus],
            "files": len(report.files),
            "documents": report.documents,
            "chunks": report.chunks,
            "ingest_seconds": round(ingest_s, 2),
            "ingest_chunks_per_second": round(report.chunks / ingest_s, 1) if ingest_s else None,
            "reingest_unchanged_seconds": round(reingest_s, 2),
            "warmup_seconds": round(warmup_s, 2),
            "questions": len(questions) * repeat,
            "ask_p50_ms": round(percentile(latencies, 50), 1),
            "ask_p95_ms": round(percentile(latencies, 95), 1),
            "ask_mean_ms": round(statistics.mean(latencies), 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }


def markdown(r: dict) -> str:
    rows = [
        ("Corpus", f"{r['documents']} documents, {r['chunks']} chunks ({r['files']} files)"),
        ("Embedder", r["embedder"]),
        ("Ingest (cold)", f"{r['ingest_seconds']} s ({r['ingest_chunks_per_second']} chunks/s)"),
        ("Re-ingest, nothing changed", f"{r['reingest_unchanged_seconds']} s"),
        ("First answer (warm-up)", f"{r['warmup_seconds']} s"),
        ("`ask` latency, warm", f"p50 {r['ask_p50_ms']} ms · p95 {r['ask_p95_ms']} ms · mean {r['ask_mean_ms']} ms over {r['questions']} questions"),
        ("Peak memory (RSS)", f"{r['peak_rss_mb']} MB"),
    ]
    lines = [f"Measured {r['date']} on {r['machine']}.", "", "| measure | value |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Chunfeng ingest/ask benchmark")
    ap.add_argument("--corpus", action="append", type=Path, help="folder to ingest (repeatable)")
    ap.add_argument("--questions", type=Path, default=REPO / "eval" / "gold" / "dev.jsonl")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, help="write a Markdown report here")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = run(args.corpus or default_corpus(), load_questions(args.questions), args.repeat)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(markdown(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("# Benchmarks\n\n## Ingest and ask (shared corpus + seed)\n\n" + markdown(result), encoding="utf-8")


if __name__ == "__main__":
    main()
