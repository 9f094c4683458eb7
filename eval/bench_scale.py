"""Benchmark at scale (not a test): ingest and warm `ask` latency on synthetic knowledge bases.

    python -m eval.bench_scale [--sizes 2000,20000,100000] [--questions FILE.jsonl]
                               [--out docs/benchmarks-scale.md] [--json]
                               [--ingest-budget SECONDS] [--profile DIR]

For every target size (a number of chunks) the benchmark

1. writes synthetic policy documents into a temporary folder until the knowledge base would hold
   about that many chunks. They are recombined from the real texts (../shared/corpus and
   ../shared/seeds, else the bundled samples): the articles (第X条) of the real documents, grouped by
   their chapter (第X章), are drawn into new "measures" of 30–80 articles, with a distinct title
   ("XX市政府采购管理办法（合成第N号）"), 文号 (合成财〔2026〕N号), issuing date, signature and
   varied numbers (amounts, 时限, counts). The chunk count is taken from the real parser and
   chunker, so chunks are what ingesting real files gives. Generation is seeded (reproducible) and
   is not part of any measured time;
2. in a separate process (so peak memory is per size) creates a knowledge base in a temporary
   folder with the default settings (built-in hash-ngram embedder, embedded Chroma), times a cold
   ingest, builds the assistant through ``chunfeng.factory.build_assistant`` and times the warm-up
   (building it and the first reply), asks every question of the question file ``--repeat`` times
   through ``Assistant.reply`` (the path of ``chunfeng ask``), then times a re-ingest with nothing
   changed in a freshly opened knowledge base (as a new ``chunfeng ingest`` run would); it reports
   peak RSS (``ru_maxrss`` of that process) and the data folder's size on disk;
3. prints a Markdown table (one row per size), or JSON with ``--json``, and with ``--out`` writes
   the table as the section "## Scale (synthetic documents)".

``--ingest-budget`` stops a cold ingest that runs longer (the files committed so far stay, and the
row is marked as partial). ``--profile DIR`` writes cProfile statistics of the ingest and of the
questions for every size (``ingest-<size>.prof``, ``ask-<size>.prof``) and prints their top entries
to stderr; profiling slows everything down, so do not publish numbers from a profiled run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from eval.metrics import percentile
from kb.cn_numerals import NUMERAL_CHARS

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_SIZES = (2000, 20000, 100000)
TARGETS_P95_MS = {20000: 100.0, 100000: 300.0}  # the project's latency targets at these sizes
SECTION = "## Scale (synthetic documents)"


# ------------------------------------------------------------------------------------------------
# synthetic documents
# ------------------------------------------------------------------------------------------------

_CN = NUMERAL_CHARS
_CHAPTER = re.compile(rf"^第\s*[{_CN}\d]+\s*章\s*(.*)$")
_SECTION = re.compile(rf"^第\s*[{_CN}\d]+\s*[编节]\s*(.*)$")
_ARTICLE = re.compile(rf"^第\s*([{_CN}\d]+)\s*条\s*(.*)$")
_MARKUP = re.compile(r"^\s*#{1,6}\s*|\*\*|__")
_ARABIC = re.compile(r"(?P<date>\d{4}年\d{1,2}月\d{1,2}日)|\d+(?:\.\d+)?")
_CN_AMOUNT = re.compile(r"(?<![第])([一二三四五六七八九十]{1,3})(?=(?:个)?(?:工作日|日|天|个月|月|年|家|名|人|次|倍))")
_CN_SMALL = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十五", "二十", "三十", "四十五", "六十", "九十"]

CITIES = [
    "春江", "临川", "北湖", "南屿", "青石", "白河", "东岭", "西津", "云台", "金沙", "清源", "宁远",
    "安平", "长乐", "永和", "新城", "丰泽", "桐乡", "柳川", "梅岭", "松阳", "雁门", "鹤山", "凤台",
    "龙泉", "石桥", "秀水", "碧溪", "明湖", "嘉禾", "瑞安", "兴宁", "平阳", "怀远", "建德", "崇阳",
]
TOPICS = [
    "政府采购管理办法", "政府采购货物和服务招标投标实施细则", "政府采购质疑和投诉处理办法",
    "政府采购促进中小企业发展实施办法", "政府采购合同履约验收管理规定", "政府采购非招标采购方式实施细则",
    "政府采购框架协议采购管理办法", "政府采购需求管理实施办法", "政府采购信息公开管理办法",
    "政府采购代理机构监督管理办法", "政府采购评审专家管理办法", "政府采购内部控制管理规定",
    "优化政府采购营商环境若干措施", "政府采购资金支付管理办法", "政府采购意向公开实施细则",
]
SYNONYMS = [("采购人", "采购单位"), ("供应商", "投标供应商"), ("财政部门", "财政主管部门"), ("应当", "须"), ("本法", "本办法"), ("本条例", "本办法")]


@dataclass
class Article:
    chapter: str  # the chapter's name ("总则"), "" when the document has no chapters
    lines: list[str]  # first line without its "第X条", then its 款/项 lines


def _source_files(roots: list[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        files += [p for p in candidates if p.suffix.lower() in (".md", ".txt") and p.stem.upper() != "README"]
    return files


def harvest_articles(roots: list[Path]) -> list[Article]:
    """Every article (第X条 up to the next article or heading) of the real documents, with its chapter."""
    out: list[Article] = []
    for path in _source_files(roots):
        chapter = ""
        current: Article | None = None
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            heading = raw.lstrip().startswith("#")
            line = _MARKUP.sub("", raw).strip()
            if not line:
                continue
            m = _CHAPTER.match(line)
            if m:
                chapter, current = re.sub(r"\s+", "", m.group(1)), None
                continue
            if _SECTION.match(line):
                current = None
                continue
            m = _ARTICLE.match(line)
            if m and m.group(2).strip():
                current = Article(chapter, [m.group(2).strip()])
                out.append(current)
            elif heading:
                current = None
            elif current is not None:
                current.lines.append(line)
    return out


def _vary_number(m: re.Match, rng: random.Random) -> str:
    text = m.group(0)
    if m.group("date"):
        return f"{rng.randint(2015, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    if "." in text:
        return f"{rng.uniform(0.5, 2.0) * float(text):.1f}"
    value = int(text)
    if 1949 <= value <= 2100:
        return str(rng.randint(2015, 2026))
    return str(rng.randint(max(1, value // 2), value * 2 + 1))


def perturb(line: str, rng: random.Random) -> str:
    """Other amounts, 时限 and counts, and now and then another wording."""
    line = _ARABIC.sub(lambda m: _vary_number(m, rng), line)
    line = _CN_AMOUNT.sub(lambda m: rng.choice(_CN_SMALL), line)
    for a, b in SYNONYMS:
        if a in line and rng.random() < 0.25:
            line = line.replace(a, b)
    return line


class Generator:
    """Seeded synthetic measures built from the real articles."""

    def __init__(self, articles: list[Article], seed: int = 20260101) -> None:
        if not articles:
            raise SystemExit("no articles (第X条) found in the source documents")
        self.rng = random.Random(seed)
        self.by_chapter: dict[str, list[Article]] = {}
        for a in articles:
            self.by_chapter.setdefault(a.chapter, []).append(a)
        self.chapters = sorted(c for c in self.by_chapter if c and c != "总则" and c != "附则")
        self.all = articles

    def _pick(self, chapter: str, n: int) -> list[Article]:
        pool = self.by_chapter.get(chapter) or self.all
        if len(pool) < n:
            pool = pool + self.rng.sample(self.all, min(len(self.all), n))
        return self.rng.sample(pool, n)

    def document(self, n: int) -> tuple[str, str]:
        """(file name, text) of synthetic measure number n."""
        from kb.cn_numerals import int_to_cn

        rng = self.rng
        city = rng.choice(CITIES) + rng.choice(["市", "市", "县", "区"])
        title = f"{city}{rng.choice(TOPICS)}（合成第{n}号）"
        issuer = f"{city}财政局"
        year = rng.randint(2018, 2026)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        total = rng.randint(30, 80)
        # chapters: 总则, a few drawn from the real documents' chapters, 附则
        middle = rng.sample(self.chapters, min(len(self.chapters), max(1, total // 12)))
        plan = [("总则", max(2, total // 10))]
        rest = total - plan[0][1] - 2
        for i, ch in enumerate(middle):
            share = rest // len(middle) + (1 if i < rest % len(middle) else 0)
            plan.append((ch, share))
        plan.append(("附则", 2))

        lines = [
            f"{issuer}文件",
            "",
            f"合成财〔2026〕{n}号",
            "",
            title,
            "",
            f"（{year}年{month}月{day}日{issuer}印发，自{year}年{month}月{day}日起施行。）",
            "",
        ]
        number = 0
        for c, (chapter, count) in enumerate(plan, 1):
            lines += [f"第{int_to_cn(c)}章 {chapter}", ""]
            for art in self._pick(chapter, count):
                number += 1
                first, *more = art.lines
                lines.append(f"第{int_to_cn(number)}条 {perturb(first, rng)}")
                lines += [perturb(x, rng) for x in more]
                lines.append("")
        lines += ["", issuer, f"{year}年{month}月{day}日", ""]
        return f"synthetic-{n:06d}.txt", "\n".join(lines)


def count_chunks(name: str, text: str, chunker) -> int:
    """Chunks the ingest pipeline will make of this text (same parser and chunker)."""
    from ingest.chunker import DocInfo
    from ingest.clean import clean_text
    from ingest.metadata import extract
    from ingest.structure import parse

    lines = clean_text(text)
    root = parse(lines, default_title=Path(name).stem)
    meta = extract(lines, root, fallback_title=Path(name).stem)
    info = DocInfo("x" * 16, name, meta.title, meta.doc_number, meta.issuer, meta.date, meta.jurisdiction)
    return len(chunker.run(root, info))


def generate(folder: Path, target: int, sources: list[Path], seed: int) -> dict:
    """Write synthetic documents into `folder` until they make about `target` chunks."""
    from chunfeng.factory import chunker_for
    from chunfeng.settings import Settings

    t0 = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    chunker = chunker_for(Settings.load())
    gen = Generator(harvest_articles(sources), seed=seed)
    chunks = files = size = 0
    while chunks < target:
        files += 1
        name, text = gen.document(files)
        n = count_chunks(name, text, chunker)
        if chunks + n > target and target - chunks < n // 2:
            break  # closer to the target without this document
        data = text.encode("utf-8")
        (folder / name).write_bytes(data)
        chunks += n
        size += len(data)
    return {"files": len(list(folder.iterdir())), "expected_chunks": chunks, "bytes": size, "generate_seconds": round(time.perf_counter() - t0, 1)}


# ------------------------------------------------------------------------------------------------
# the measurement (one process per size)
# ------------------------------------------------------------------------------------------------


def load_questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def folder_mb(folder: Path) -> float:
    total = 0
    for p in folder.rglob("*"):
        if p.is_file():
            st = p.stat()
            total += min(st.st_size, st.st_blocks * 512) if st.st_blocks else st.st_size  # sparse files
    return total / 1e6


def _profiled(prof, fn):
    if prof is None:
        return fn()
    prof.enable()
    try:
        return fn()
    finally:
        prof.disable()


def _dump_profile(prof, path: Path) -> None:
    if prof is None:
        return
    import pstats

    prof.dump_stats(str(path))
    print(f"\n=== {path.name} (top 25 by cumulative time) ===", file=sys.stderr)
    pstats.Stats(str(path), stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    print(f"=== {path.name} (top 25 by own time) ===", file=sys.stderr)
    pstats.Stats(str(path), stream=sys.stderr).sort_stats("tottime").print_stats(25)


def measure(folder: Path, questions: list[str], repeat: int, budget: float | None, profile_dir: Path | None, label: str) -> dict:
    """Cold ingest, warm-up, warm asks and an unchanged re-ingest, in this process."""
    from bot.types import Turn
    from chunfeng.factory import build_assistant, chunker_for, open_kb
    from chunfeng.settings import Settings
    from ingest.pipeline import Ingestor

    prof_ingest = prof_ask = None
    if profile_dir is not None:
        import cProfile

        profile_dir.mkdir(parents=True, exist_ok=True)
        prof_ingest, prof_ask = cProfile.Profile(), cProfile.Profile()

    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="chunfeng-scale-kb-") as tmp:
        data_dir = Path(tmp) / "kb"
        settings = Settings.load(data_dir=data_dir)
        kb = open_kb(settings, create=True)
        started = time.perf_counter()
        last = [started]

        def progress(i: int, total: int, name: str) -> None:
            now = time.perf_counter()
            if now - last[0] >= 30:
                last[0] = now
                print(f"[{label}] ingest {i}/{total} files, {now - started:.0f} s", file=sys.stderr, flush=True)
            if budget is not None and now - started > budget:
                raise KeyboardInterrupt  # the Ingestor keeps what is committed and stops

        t0 = time.perf_counter()
        report = _profiled(prof_ingest, lambda: Ingestor(kb, chunker_for(settings), on_progress=progress).run([folder]))
        ingest_s = time.perf_counter() - t0
        _dump_profile(prof_ingest, profile_dir / f"ingest-{label}.prof" if profile_dir else None)
        embedder = kb.embedder.name
        kb.close()
        rss_ingest = peak_rss_mb()
        done = sum(1 for f in report.files if f.status == "ingested")

        t0 = time.perf_counter()
        assistant = build_assistant(Settings.load(data_dir=data_dir))
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        assistant.reply(Turn(text="预热"))  # loads jieba, the keyword index and the lookup table
        warmup_s = time.perf_counter() - t0
        first_reply_s = time.perf_counter() - t1

        latencies: list[float] = []

        def ask_all() -> None:
            for _ in range(repeat):
                for q in questions:
                    t = time.perf_counter()
                    assistant.reply(Turn(text=q))
                    latencies.append((time.perf_counter() - t) * 1000)

        _profiled(prof_ask, ask_all)
        _dump_profile(prof_ask, profile_dir / f"ask-{label}.prof" if profile_dir else None)
        rss_ask = peak_rss_mb()

        kb2 = open_kb(settings)
        t0 = time.perf_counter()
        again = Ingestor(kb2, chunker_for(settings)).run([folder])
        reingest_s = time.perf_counter() - t0
        kb2.close()
        unchanged = sum(1 for f in again.files if f.status == "unchanged")
        disk = folder_mb(data_dir)

    return {
        "files": len(report.files),
        "files_ingested": done,
        "documents": report.documents,
        "chunks": report.chunks,
        "interrupted": report.interrupted,
        "failed": report.count("failed"),
        "ingest_seconds": round(ingest_s, 2),
        "ingest_chunks_per_second": round(report.chunks / ingest_s, 1) if ingest_s else None,
        "build_seconds": round(build_s, 2),
        "first_reply_seconds": round(first_reply_s, 2),
        "warmup_seconds": round(warmup_s, 2),
        "questions": len(latencies),
        "ask_p50_ms": round(percentile(latencies, 50), 1),
        "ask_p95_ms": round(percentile(latencies, 95), 1),
        "ask_mean_ms": round(statistics.mean(latencies), 1) if latencies else None,
        "ask_max_ms": round(max(latencies), 1) if latencies else None,
        "reingest_unchanged_seconds": round(reingest_s, 2),
        "reingest_unchanged_files": unchanged,
        "peak_rss_after_ingest_mb": round(rss_ingest, 1),
        "peak_rss_after_ask_mb": round(rss_ask, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "data_dir_mb": round(disk, 1),
        "embedder": embedder,
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }


def run_size(target: int, args: argparse.Namespace) -> dict:
    """Generate the documents here, measure them in a child process."""
    with tempfile.TemporaryDirectory(prefix="chunfeng-scale-docs-") as tmp:
        folder = Path(tmp) / "docs"
        print(f"[{target}] generating documents …", file=sys.stderr, flush=True)
        gen = generate(folder, target, args.source or default_sources(), args.seed)
        print(f"[{target}] {gen['files']} files, {gen['expected_chunks']} chunks expected ({gen['generate_seconds']} s); measuring …", file=sys.stderr, flush=True)
        cmd = [
            sys.executable, "-m", "eval.bench_scale", "--worker", str(folder), "--label", str(target),
            "--questions", str(args.questions), "--repeat", str(args.repeat),
        ]
        if args.ingest_budget is not None:
            cmd += ["--ingest-budget", str(args.ingest_budget)]
        if args.profile is not None:
            cmd += ["--profile", str(args.profile.resolve())]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"[{target}] measurement process failed (exit {proc.returncode})")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    p95_target = TARGETS_P95_MS.get(target)
    return {
        "target_chunks": target,
        **gen,
        **result,
        "process_seconds": round(wall, 1),
        "p95_target_ms": p95_target,
        "p95_target_met": None if p95_target is None else result["ask_p95_ms"] <= p95_target,
    }


def default_sources() -> list[Path]:
    if (SHARED / "corpus").is_dir():
        return [p for p in (SHARED / "corpus", SHARED / "seeds") if p.is_dir()]
    return [REPO / "samples" / "policies"]


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------


def markdown(rows: list[dict], meta: dict) -> str:
    head = (
        "| target | files | chunks | ingest (cold) | chunks/s | re-ingest, unchanged | warm-up | "
        "`ask` p50 | `ask` p95 | `ask` mean | p95 target | peak RSS | data dir |"
    )
    lines = [
        f"Measured {meta['date']} on {meta['machine']} (working tree of commit {meta['commit']}); embedder {meta['embedder']}, embedded Chroma, default settings. "
        f"Synthetic measures recombined from the real articles (seed {meta['seed']}); "
        f"`ask` = {meta['repeat']}× every question of `{meta['questions_file']}` through `Assistant.reply`, warm. "
        "Each size runs in its own process; peak RSS is that process's `ru_maxrss`. "
        f"Load average while measuring: {meta['load']}.",
        "",
        head,
        "|" + "---|" * (head.count("|") - 1),
    ]
    for r in rows:
        target = "—" if r["p95_target_ms"] is None else f"≤ {r['p95_target_ms']:.0f} ms: {'met' if r['p95_target_met'] else '**missed**'}"
        partial = " (stopped by budget)" if r["interrupted"] else ""
        lines.append(
            f"| ~{r['target_chunks']:,} | {r['files_ingested']}/{r['files']} | {r['chunks']:,} | {r['ingest_seconds']} s{partial} | "
            f"{r['ingest_chunks_per_second']} | {r['reingest_unchanged_seconds']} s | {r['warmup_seconds']} s | "
            f"{r['ask_p50_ms']} ms | {r['ask_p95_ms']} ms | {r['ask_mean_ms']} ms | {target} | "
            f"{r['peak_rss_mb']} MB | {r['data_dir_mb']} MB |"
        )
    return "\n".join(lines) + "\n"


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Chunfeng ingest/ask benchmark on synthetic knowledge bases of several sizes")
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="target chunk counts, comma-separated")
    ap.add_argument("--questions", type=Path, default=REPO / "eval" / "gold" / "dev.jsonl")
    ap.add_argument("--repeat", type=int, default=3, help="times every question is asked")
    ap.add_argument("--source", action="append", type=Path, help="folder of real documents to recombine (repeatable)")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--ingest-budget", type=float, help="stop a cold ingest after this many seconds (row marked partial)")
    ap.add_argument("--profile", type=Path, help="write cProfile statistics here (slows the run)")
    ap.add_argument("--out", type=Path, help="write the Markdown section here (e.g. docs/benchmarks-scale.md)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # internal: measure this folder
    ap.add_argument("--label", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker is not None:
        result = measure(args.worker, load_questions(args.questions), args.repeat, args.ingest_budget, args.profile, args.label)
        print(json.dumps(result, ensure_ascii=False))
        return

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    rows = [run_size(n, args) for n in sizes]
    try:
        questions_file = str(args.questions.resolve().relative_to(REPO))
    except ValueError:
        questions_file = str(args.questions)
    loads = [x for r in rows for x in (r["loadavg_start"][0], r["loadavg_end"][0])]
    meta = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} CPU",
        "embedder": rows[0]["embedder"] if rows else "",
        "seed": args.seed,
        "repeat": args.repeat,
        "questions_file": questions_file,
        "load": f"{min(loads):.1f}–{max(loads):.1f} (1-min)" if loads else "n/a",
    }
    table = markdown(rows, meta)
    if args.json:
        print(json.dumps({"meta": meta, "rows": rows}, ensure_ascii=False, indent=2))
    else:
        print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(f"# Benchmarks at scale\n\n{SECTION}\n\n{table}", encoding="utf-8")


if __name__ == "__main__":
    main()
