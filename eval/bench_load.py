"""Load benchmark (not a test): many simulated users chatting with a real `chunfeng serve` at once.

    python -m eval.bench_load [--users 50] [--seconds 60] [--kb DIR] [--questions FILE.jsonl]
                              [--out docs/benchmarks-load.md] [--json]

1. The knowledge base: ``--kb DIR`` is reused when it already holds one (``manifest.json``), and
   otherwise the sample corpus (samples/policies) is ingested into it with ``chunfeng ingest``;
   without ``--kb`` a temporary folder is used and removed afterwards.
2. ``chunfeng serve`` is started as a subprocess on a free 127.0.0.1 port with
   ``CHUNFENG_RATE_LIMIT_PER_MINUTE=0`` (every simulated user comes from 127.0.0.1) and is warmed up
   with a few requests that are not counted.
3. ``--users`` threads, each with its own HTTP connection, run for ``--seconds``: a user opens a new
   session with a question of the gold set (eval/gold/sample.jsonl: in-scope, out-of-scope and
   转人工 questions alike), asks 1–3 more in the same session (short follow-ups such as "这个要多久？"
   or another question of the gold set), then starts over. There is no think time: a user sends
   the next message as soon as the answer arrives, so this is far more traffic than the same
   number of people would make. Requests under way at the deadline are finished and counted.
4. It reports requests completed, throughput, latency p50/p95/p99/max (nearest rank,
   ``eval.metrics.percentile``), errors (any non-200 answer or exception, with the first examples
   and the tail of the server log), the server's peak RSS (``VmHWM`` of /proc/<pid>/status) and CPU
   time, as a Markdown table printed (or JSON with ``--json``) and written to ``--out``.

Exit code 0 when there were no errors, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx

from eval.metrics import percentile

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "policies"
GOLD = REPO / "eval" / "gold" / "sample.jsonl"
FOLLOW_UPS = ("这个要多久？", "那小微企业呢？", "那中小企业呢？", "这个有什么要求？", "那备案呢？", "那验收呢？", "第十条呢？")
REQUEST_TIMEOUT = 60.0
WARM_UP = ("中标通知书发出后多久要签合同？", "那小微企业呢？", "投标还要交保证金吗？")


# -- the server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chunfeng.cli", *args], capture_output=True, text=True, timeout=600, cwd=REPO)


def prepare_kb(kb: Path) -> str:
    """Reuse the knowledge base in `kb`, or ingest the sample corpus into it. Returns what was done."""
    if (kb / "manifest.json").is_file():
        return "reused"
    res = cli("ingest", str(SAMPLES), "--kb", str(kb))
    if res.returncode != 0:
        raise SystemExit(f"ingesting {SAMPLES} into {kb} failed (exit {res.returncode}):\n{res.stdout}\n{res.stderr}")
    return "ingested the sample corpus"


class ServerProcess:
    def __init__(self, kb: Path, log: Path) -> None:
        self.kb = kb
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        env = {**os.environ, "CHUNFENG_RATE_LIMIT_PER_MINUTE": "0", "CHUNFENG_LOG_LEVEL": os.environ.get("CHUNFENG_LOG_LEVEL", "WARNING")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chunfeng.cli", "serve", "--kb", str(self.kb), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT, env=env, cwd=REPO,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not answer /healthz within 120 s:\n{self.log_tail()}")

    def status(self) -> dict[str, int]:
        """VmHWM / VmRSS in kB from /proc/<pid>/status."""
        out = {}
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
        return out

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# -- the users ---------------------------------------------------------------------------------
@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    sessions: int = 0
    handoffs: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, ms: float, kind: str, ticket: bool) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            self.kinds[kind] += 1
            self.handoffs += bool(ticket)

    def error(self, ms: float, what: str, example: str) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            self.errors[what] += 1
            if len(self.examples) < 10:
                self.examples.append(example)


def load_questions(path: Path) -> list[str]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            questions.append(json.loads(line)["question"])
    if not questions:
        raise SystemExit(f"no questions in {path}")
    return questions


def simulate_user(n: int, url: str, questions: list[str], deadline: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed * 1000 + n)
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT) as http:
        while time.monotonic() < deadline:
            session_id = None
            with tally.lock:
                tally.sessions += 1
            turns = [rng.choice(questions)] + [
                rng.choice(FOLLOW_UPS) if rng.random() < 0.6 else rng.choice(questions) for _ in range(rng.randint(1, 3))
            ]
            for text in turns:
                if time.monotonic() >= deadline:
                    return
                body = {"message": text, **({"session_id": session_id} if session_id else {})}
                start = time.perf_counter()
                try:
                    r = http.post("/api/chat", json=body)
                except Exception as exc:  # a timeout, a refused or reset connection …
                    ms = (time.perf_counter() - start) * 1000
                    tally.error(ms, type(exc).__name__, f"{type(exc).__name__}: {exc} (message {text!r})")
                    session_id = None
                    break
                ms = (time.perf_counter() - start) * 1000
                if r.status_code != 200:
                    tally.error(ms, f"HTTP {r.status_code}", f"HTTP {r.status_code} for {text!r}: {r.text[:300]}")
                    session_id = None
                    break
                data = r.json()
                tally.ok(ms, data.get("kind") or "?", bool(data.get("handoff")))
                session_id = data["session_id"]


def run_load(url: str, users: int, seconds: float, questions: list[str], seed: int) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=simulate_user, args=(i, url, questions, deadline, tally, seed), daemon=True)
               for i in range(users)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.monotonic() - start


# -- the report --------------------------------------------------------------------------------
def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def summarize(tally: Tally, elapsed: float, users: int, seconds: float, rss: dict, cpu: float, extra: dict) -> dict:
    lat = tally.latencies_ms
    errors = sum(tally.errors.values())
    return {
        "users": users,
        "seconds": seconds,
        "elapsed_s": round(elapsed, 2),
        "requests": len(lat),
        "ok": len(lat) - errors,
        "errors": errors,
        "error_kinds": dict(tally.errors),
        "error_examples": tally.examples,
        "throughput_rps": round(len(lat) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {
            "p50": round(percentile(lat, 50), 1), "p95": round(percentile(lat, 95), 1), "p99": round(percentile(lat, 99), 1),
            "max": round(max(lat), 1) if lat else float("nan"), "mean": round(sum(lat) / len(lat), 1) if lat else float("nan"),
        },
        "sessions": tally.sessions,
        "reply_kinds": dict(tally.kinds),
        "tickets_opened_or_waiting": tally.handoffs,
        "server_peak_rss_mb": round(rss.get("VmHWM", 0) / 1024, 1),
        "server_rss_at_end_mb": round(rss.get("VmRSS", 0) / 1024, 1),
        "server_cpu_s": round(cpu, 1),
        **extra,
    }


def markdown(s: dict) -> str:
    lat = s["latency_ms"]
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(s["reply_kinds"].items(), key=lambda kv: -kv[1])) or "—"
    lines = [
        "# Load benchmark",
        "",
        f"Measured {s['measured_at']} on {s['machine']}, Python {s['python']}, {s['cpus']} CPU (working tree of commit "
        f"{s['commit'] or '?'}); one `chunfeng serve` process (uvicorn, 1 worker) on 127.0.0.1 with "
        f"`CHUNFENG_RATE_LIMIT_PER_MINUTE=0`, default settings otherwise (embedder {s['embedder']}); knowledge base: "
        f"{s['documents']} documents, {s['chunks']} chunks ({s['kb']}). The simulated users run on the same machine.",
        "",
        f"{s['users']} simulated users for {s['seconds']:g} s, each on its own connection, without think time: a new session "
        f"with a question of `{s['questions_file']}` ({s['questions']} questions: in-scope, out-of-scope and 转人工), then 1–3 "
        f"follow-ups in the same session (short ones such as “这个要多久？” or another gold question), then a new session. "
        f"Every request is `POST /api/chat`; latency is measured by the client, from sending to the whole answer, "
        f"nearest-rank percentiles. Load average (1 min) before / after: {s['loadavg_before']} / {s['loadavg_after']}.",
        "",
        "| users | duration | requests | throughput | p50 | p95 | p99 | max | errors | server peak RSS | server CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {s['users']} | {s['elapsed_s']:.1f} s | {s['requests']:,} | {s['throughput_rps']:.1f} req/s | {lat['p50']:.0f} ms | "
        f"{lat['p95']:.0f} ms | {lat['p99']:.0f} ms | {lat['max']:.0f} ms | {s['errors']} | {s['server_peak_rss_mb']:.1f} MB | "
        f"{s['server_cpu_s']:.0f} s ({s['server_cpu_s'] / s['elapsed_s']:.2f} cores) |",
        "",
        f"Sessions started: {s['sessions']:,}. Replies by kind: {kinds}; replies carrying a ticket (转人工, low confidence, "
        f"or waiting for a person): {s['tickets_opened_or_waiting']:,}. Server RSS after warm-up {s['server_rss_before_mb']:.1f} MB, "
        f"at the end {s['server_rss_at_end_mb']:.1f} MB. Peak RSS is `VmHWM` of the server process.",
    ]
    if s["errors"]:
        lines += ["", "## Errors", "", *(f"- {k}: {v}" for k, v in s["error_kinds"].items()), "",
                  "First examples:", "", *(f"- {e}" for e in s["error_examples"])]
    lines += ["", "Reproduce: `python -m eval.bench_load --users {0} --seconds {1:g} --out docs/benchmarks-load.md`.".format(
        s["users"], s["seconds"]), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Chunfeng load benchmark: concurrent users against POST /api/chat of a real server")
    ap.add_argument("--users", type=int, default=50, help="simulated users at once (default 50)")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long to run (default 60)")
    ap.add_argument("--kb", type=Path, help="data folder to reuse, or to ingest the sample corpus into (default: a temporary one)")
    ap.add_argument("--questions", type=Path, default=GOLD, help="gold set the questions are drawn from (JSONL)")
    ap.add_argument("--out", type=Path, help="write the Markdown report here (e.g. docs/benchmarks-load.md)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    ap.add_argument("--seed", type=int, default=20260101, help="seed of the users' choices")
    args = ap.parse_args(argv)
    if args.users < 1 or args.seconds <= 0:
        ap.error("--users must be at least 1 and --seconds more than 0")

    questions = load_questions(args.questions)
    tmp = Path(tempfile.mkdtemp(prefix="chunfeng-load-"))
    kb = args.kb.resolve() if args.kb else tmp / "data"
    kb.mkdir(parents=True, exist_ok=True)
    server = None
    summary: dict = {}
    try:
        kb_state = prepare_kb(kb)
        print(f"knowledge base {kb}: {kb_state}", file=sys.stderr)
        server = ServerProcess(kb, tmp / "server.log").start()
        health = httpx.get(f"{server.url}/healthz", timeout=10).json()
        with httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT) as http:
            sid = None
            for text in WARM_UP:
                r = http.post("/api/chat", json={"message": text, **({"session_id": sid} if sid else {})})
                r.raise_for_status()
                sid = r.json()["session_id"]
        before = server.status()
        cpu_before = server.cpu_seconds()
        load_before = os.getloadavg()[0]
        print(f"server {server.url} (pid {server.proc.pid}); {args.users} users for {args.seconds:g} s …", file=sys.stderr)
        tally, elapsed = run_load(server.url, args.users, args.seconds, questions, args.seed)
        rss = server.status()
        cpu = server.cpu_seconds() - cpu_before
        manifest = json.loads((kb / "manifest.json").read_text(encoding="utf-8")) if (kb / "manifest.json").is_file() else {}
        extra = {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "commit": git_commit(), "kb": f"{kb_state} in {'--kb' if args.kb else 'a temporary folder'}",
            "embedder": manifest.get("embedder") or manifest.get("embedder_name") or "default",
            "documents": health.get("documents"), "chunks": health.get("chunks"),
            "questions": len(questions), "questions_file": os.path.relpath(args.questions, REPO),
            "loadavg_before": f"{load_before:.2f}", "loadavg_after": f"{os.getloadavg()[0]:.2f}",
            "server_rss_before_mb": round(before.get("VmRSS", 0) / 1024, 1),
        }
        summary = summarize(tally, elapsed, args.users, args.seconds, rss, cpu, extra)
        if summary["errors"]:
            summary["server_log_tail"] = server.log_tail()
    finally:
        if server is not None:
            server.stop()
        if summary and not summary["errors"]:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} (server log: {tmp / 'server.log'})", file=sys.stderr)

    report = markdown(summary)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else report)
    if summary["errors"]:
        print("\nserver log (tail):\n" + summary.get("server_log_tail", ""), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
