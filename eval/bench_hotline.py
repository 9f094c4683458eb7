"""Operator-search latency benchmark (not a test): how fast a 12345 operator gets the standard answer.

    python -m eval.bench_hotline [--corpus DIR ...] [--questions FILE.jsonl] [--repeat 3] [--k 5]
                                 [--no-http] [--out docs/benchmarks-hotline.md] [--json]

1. The knowledge base: ../shared/corpus and ../shared/seeds when present (else samples/policies),
   ingested into a temporary folder with the configured embedder (``chunfeng ingest``'s code path).
2. In-process: ``OperatorSearch.search`` (hotline/search.py, what ``GET /api/hotline/search``
   calls), warmed up with a few queries that are not counted, then every question of
   eval/gold/dev.jsonl ``--repeat`` times.
3. Over HTTP: ``chunfeng serve`` on a free 127.0.0.1 port over the same folder, an operator account
   signed in, the same queries as ``GET /api/hotline/search`` on one keep-alive connection (the
   operator's console), timed from request to the parsed JSON, after the same warm-up.
4. It reports p50/p95/max (nearest rank) in ms and the target: warm p95 ≤ 50 ms on the shared
   corpus, as a Markdown table printed (or JSON with ``--json``) and written to ``--out``.

Exit code 0 when every measured p95 meets the target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

from chunfeng.factory import build_answerer, chunker_for, open_kb
from chunfeng.settings import Settings
from eval.bench import default_corpus, load_questions, peak_rss_mb
from eval.bench_load import ServerProcess, cli
from eval.metrics import percentile
from hotline.search import OperatorSearch
from ingest.pipeline import Ingestor

REPO = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 50.0
WARM_UP = ("中标通知书发出后多久要签合同？", "履约保证金", "小微企业价格扣除比例", "质疑的期限")
OPERATOR = ("bench_operator", "bench-operator-pass")


def stats(latencies: list[float]) -> dict[str, float]:
    return {"n": len(latencies), "p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            "max_ms": round(max(latencies), 2), "mean_ms": round(statistics.mean(latencies), 2)}


def ingest(corpus: list[Path], kb_dir: Path) -> dict:
    settings = Settings.load(data_dir=kb_dir)
    kb = open_kb(settings, create=True)
    t0 = time.perf_counter()
    report = Ingestor(kb, chunker_for(settings)).run(corpus)
    seconds = time.perf_counter() - t0
    info = {"files": len(report.files), "documents": report.documents, "chunks": report.chunks,
            "ingest_seconds": round(seconds, 2), "embedder": kb.embedder.name}
    kb.close()
    return info


def in_process(kb_dir: Path, queries: list[str], k: int) -> dict:
    settings = Settings.load(data_dir=kb_dir)
    kb = open_kb(settings)
    try:
        search = OperatorSearch(build_answerer(settings, kb))
        t0 = time.perf_counter()
        for q in WARM_UP:
            search.search(q, k)
        warm_up = time.perf_counter() - t0
        latencies, empty = [], 0
        for q in queries:
            t = time.perf_counter()
            found = search.search(q, k)
            latencies.append((time.perf_counter() - t) * 1000)
            empty += not found["results"]
        return {**stats(latencies), "warmup_seconds": round(warm_up, 2), "no_result": empty}
    finally:
        kb.close()


def over_http(kb_dir: Path, queries: list[str], k: int, log: Path) -> dict:
    res = cli("user", "add", OPERATOR[0], "--role", "operator", "--password", OPERATOR[1], "--kb", str(kb_dir))
    if res.returncode != 0:
        raise SystemExit(f"adding the operator account failed (exit {res.returncode}):\n{res.stdout}\n{res.stderr}")
    server = ServerProcess(kb_dir, log).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            r = client.post("/api/agent/login", json={"username": OPERATOR[0], "password": OPERATOR[1]})
            r.raise_for_status()
            client.headers["Authorization"] = f"Bearer {r.json()['token']}"
            for q in WARM_UP:
                client.get("/api/hotline/search", params={"q": q, "k": k}).raise_for_status()
            latencies, errors = [], []
            for q in queries:
                t = time.perf_counter()
                r = client.get("/api/hotline/search", params={"q": q, "k": k})
                body = r.json()
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200 or "results" not in body:
                    errors.append(f"{r.status_code} {q}: {str(body)[:200]}")
        rss = server.status()
        return {**stats(latencies), "errors": len(errors), "error_examples": errors[:3],
                "server_rss_mb": round(rss.get("VmHWM", 0) / 1024, 1)}
    finally:
        server.stop()


def _shown(path: Path) -> str:
    """A corpus folder as the report shows it: relative to the repository when it can be."""
    try:
        return os.path.relpath(path.resolve(), REPO)
    except ValueError:
        return str(path)


def run(corpus: list[Path], questions: list[str], repeat: int, k: int, http: bool) -> dict:
    queries = [q for _ in range(repeat) for q in questions]
    with tempfile.TemporaryDirectory() as tmp:
        kb_dir = Path(tmp) / "kb"
        kb_info = ingest(corpus, kb_dir)
        result = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} CPU",
            "corpus": [_shown(p) for p in corpus], **kb_info, "questions": len(questions), "repeat": repeat, "k": k,
            "target_p95_ms": TARGET_P95_MS,
            "in_process": in_process(kb_dir, queries, k),
        }
        if http:
            result["http"] = over_http(kb_dir, queries, k, Path(tmp) / "server.log")
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["meets_target"] = all(result[m]["p95_ms"] <= TARGET_P95_MS for m in ("in_process", "http") if m in result)
    return result


def markdown(r: dict) -> str:
    def row(name: str, s: dict) -> str:
        verdict = "✅" if s["p95_ms"] <= r["target_p95_ms"] else "❌"
        return f"| {name} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['max_ms']} | {s['mean_ms']} | {verdict} |"

    lines = [
        f"Measured {r['date']} on {r['machine']}.",
        "",
        f"Corpus: {', '.join(r['corpus'])} — {r['documents']} documents, {r['chunks']} chunks ({r['files']} files); "
        f"embedder {r['embedder']}; ingest {r['ingest_seconds']} s.",
        f"Queries: the {r['questions']} questions of eval/gold/dev.jsonl × {r['repeat']}, top {r['k']} results, warm "
        f"(warm-up queries not counted). Target: warm p95 ≤ {r['target_p95_ms']:.0f} ms.",
        "",
        "| path | queries | p50 ms | p95 ms | max ms | mean ms | p95 target |",
        "|---|---|---|---|---|---|---|",
        row("in-process `OperatorSearch.search`", r["in_process"]),
    ]
    if "http" in r:
        lines.append(row("HTTP `GET /api/hotline/search` (127.0.0.1, keep-alive)", r["http"]))
    lines += ["", f"In-process warm-up: {r['in_process']['warmup_seconds']} s; queries without any result: "
                  f"{r['in_process']['no_result']}."]
    if "http" in r:
        lines.append(f"HTTP errors: {r['http']['errors']}; server peak RSS {r['http']['server_rss_mb']} MB.")
    lines.append(f"Benchmark process peak RSS: {r['peak_rss_mb']} MB.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Chunfeng 12345 operator-search latency benchmark")
    ap.add_argument("--corpus", action="append", type=Path, help="folder to ingest (repeatable)")
    ap.add_argument("--questions", type=Path, default=REPO / "eval" / "gold" / "dev.jsonl")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--no-http", action="store_true", help="measure in-process only")
    ap.add_argument("--out", type=Path, help="write a Markdown report here")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = run(args.corpus or default_corpus(), load_questions(args.questions), args.repeat, args.k, not args.no_http)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else markdown(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("# Benchmarks: 12345 operator search\n\n`python -m eval.bench_hotline --out docs/benchmarks-hotline.md`"
                            "\n\n" + markdown(result), encoding="utf-8")
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
