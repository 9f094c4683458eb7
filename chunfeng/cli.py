"""The `chunfeng` command. Each command is thin: parse options, call one library function, render.

Exit codes: 0 success; 1 some files failed to ingest (the rest were ingested) or some batch lines
were bad; 2 a configuration or knowledge-base error (the message says how to fix it); 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chunfeng.errors import ChunfengError
from chunfeng.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="春风政采助手 Chunfeng：政府采购政策知识库与问答。")
err = Console(stderr=True)
out = Console(soft_wrap=True)

KbOption = Annotated[Optional[Path], typer.Option("--kb", help="知识库目录（默认 CHUNFENG_DATA_DIR，即 ./data）")]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON")]

_STATUS_STYLE = {"ingested": "green", "unchanged": "dim", "skipped": "yellow", "failed": "red", "removed": "cyan"}


def _settings(kb: Path | None) -> Settings:
    return Settings.load(data_dir=kb)


def _fail(exc: ChunfengError) -> None:
    err.print(f"[red]错误：[/red]{exc.message}")
    raise typer.Exit(2)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="政策文件或文件夹（.txt .md .html .htm .docx .pdf）")],
    kb: KbOption = None,
    prune: Annotated[bool, typer.Option("--prune", help="移除知识库中原文件已不存在的文档")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="清空知识库后重新导入（更换向量模型后使用）")] = False,
    as_json: JsonOption = False,
) -> None:
    """导入政策文件：未变化的文件跳过，修改过的文件整体替换。"""
    from chunfeng.factory import chunker_for, open_kb
    from ingest.pipeline import STATUS_NAMES, Ingestor

    try:
        settings = _settings(kb)
        knowledge = open_kb(settings, create=True) if not rebuild else _rebuild_kb(settings)
    except ChunfengError as exc:
        _fail(exc)
        return
    progress = Progress(
        TextColumn("[bold]导入[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"),
        console=err, transient=True,
    )
    with progress:
        task = progress.add_task("", total=None)

        def on_progress(i: int, total: int, name: str) -> None:
            progress.update(task, total=total, completed=i - 1, description=name)

        report = Ingestor(knowledge, chunker_for(settings), on_progress).run(list(paths), prune=prune)
        progress.update(task, completed=progress.tasks[0].total or 0)

    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for f in report.files:
            style = _STATUS_STYLE.get(f.status, "")
            detail = f"{f.chunks} 个片段" if f.status in ("ingested", "unchanged") else f.reason
            out.print(f"[{style}]{STATUS_NAMES[f.status]:<4}[/{style}] {f.source}  {detail}", highlight=False)
        summary = "，".join(f"{STATUS_NAMES[s]} {report.count(s)}" for s in STATUS_NAMES if report.count(s))
        out.print(
            f"\n共 {len(report.files)} 个文件：{summary or '无'}。知识库 {settings.data_dir} 现有 {report.documents} 个文档、"
            f"{report.chunks} 个片段。用时 {report.seconds:.1f} 秒。",
            highlight=False,
        )
        if report.interrupted:
            out.print("[yellow]导入被中断：已完成的文件可正常使用，未完成的文件保持原样。重新运行同一命令即可继续。[/yellow]")
    raise typer.Exit(report.exit_code)


def _rebuild_kb(settings: Settings):
    from chunfeng.factory import open_kb
    from kb.manifest import MANIFEST_NAME

    manifest = Path(settings.data_dir) / MANIFEST_NAME
    if manifest.exists():
        manifest.unlink()  # the old embedder's name must not block the rebuild
    knowledge = open_kb(settings, create=True)
    knowledge.wipe()
    return knowledge


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="要咨询的问题")] = None,
    kb: KbOption = None,
    batch: Annotated[Optional[Path], typer.Option("--batch", help="批量提问：每行一个 JSON {\"id\", \"question\"}")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="只在这些文件中查找（文件名，可重复）")] = None,
    level: Annotated[Optional[list[str]], typer.Option("--level", help="只查这些层级：national / provincial / city（可重复）")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="只查该日期及以后发布的文件，如 2020-01-01")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="只查该日期及以前发布的文件")] = None,
    as_json: JsonOption = False,
) -> None:
    """提问：给出直接答复、引用的条文和来源。"""
    from bot.types import Turn
    from chunfeng.factory import build_assistant
    from kb.retrieve import Filters

    bad_levels = [x for x in (level or []) if x not in ("national", "provincial", "city")]
    if bad_levels:
        err.print(f"--level 的值 {bad_levels[0]!r} 无效：只能是 national（国家）、provincial（省级）或 city（市县）。")
        raise typer.Exit(2)
    filters = Filters(
        sources=frozenset(source) if source else None,
        jurisdictions=frozenset(level) if level else None,
        date_from=since,
        date_to=until,
    )

    if (question is None) == (batch is None):
        err.print("请给出一个问题，或用 --batch 文件 批量提问（二者选一）。例如：chunfeng ask \"中标后多久签合同？\"")
        raise typer.Exit(2)
    try:
        assistant = build_assistant(_settings(kb))
    except ChunfengError as exc:
        _fail(exc)
        return
    if batch is not None:
        raise typer.Exit(_ask_batch(assistant, batch, filters))
    reply = assistant.reply(Turn(text=question or "", channel="cli", filters=filters))
    if as_json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
        return
    out.print(reply.answer, highlight=False)
    if reply.citations and not reply.handoff:
        out.print("\n[bold]引用来源[/bold]（按相关度排序）：", highlight=False)
        for i, c in enumerate(reply.citations, 1):
            out.print(f"  {i}. {c.name}  [dim]{c.source} · {c.section} · {c.score:.3f}[/dim]", highlight=False)
    out.print(f"\n[dim]置信度 {reply.confidence:.2f}{'；建议转人工：' + (reply.reason or '') if reply.handoff else ''}[/dim]", highlight=False)


def _ask_batch(assistant, path: Path, filters=None) -> int:
    from bot.types import Turn

    if not path.is_file():
        err.print(f"找不到批量提问文件 {path}。文件应为 JSONL，每行形如 {{\"id\": \"q1\", \"question\": \"…\"}}。")
        return 2
    bad = 0
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                qid, text = item.get("id"), item["question"]
                if not isinstance(text, str):
                    raise TypeError("question 不是字符串")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                bad += 1
                print(json.dumps({"id": None, "line": n, "error": f"第 {n} 行不是有效的 {{\"id\", \"question\"}} JSON：{exc}"}, ensure_ascii=False))
                continue
            reply = assistant.reply(Turn(text=text, channel="cli", id=str(qid) if qid is not None else "", filters=filters))
            data = reply.to_dict()
            data["id"] = qid
            print(json.dumps(data, ensure_ascii=False), flush=True)
    return 1 if bad else 0


@app.command(name="eval")
def eval_command(
    dataset: Annotated[Path, typer.Option("--dataset", help="评测集（JSONL，格式见 eval/README）")],
    corpus: Annotated[Optional[list[Path]], typer.Option("--corpus", help="要导入的政策文件夹（可重复）；不给则使用现有知识库")] = None,
    kb: KbOption = None,
    baselines: Annotated[bool, typer.Option("--baselines", help="同时运行朴素 LangChain 基线（BM25、Chroma）")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="写出评测报告（.html 或 .md）")] = None,
    calibrate_on: Annotated[Optional[Path], typer.Option("--calibrate-on", help="基线拒答阈值的校准集（默认 eval/gold/dev.jsonl）")] = None,
    as_json: JsonOption = False,
) -> None:
    """评测：命中率、MRR、答复准确率、拒答与转人工、延迟；可与基线对比并生成报告。"""
    from eval import gold, runner
    from eval.metrics import METRIC_NAMES

    if report is not None and report.suffix.lower() not in (".html", ".htm", ".md"):
        err.print(f"无法生成 {report.suffix or '（无扩展名）'} 格式的评测报告：报告文件名须以 .html 或 .md 结尾（如 report.html）。")
        raise typer.Exit(2)
    try:
        items = gold.load(dataset)
        default_cal = Path(__file__).resolve().parents[1] / "eval" / "gold" / "dev.jsonl"
        cal_path = calibrate_on or (default_cal if default_cal.is_file() else None)
        calibration = gold.load(cal_path) if (baselines and cal_path) else None
        if not corpus and kb is None:
            kb = Settings.load().data_dir
        progress = Progress(TextColumn("[bold]{task.description}[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=err, transient=True)
        with progress:
            tasks: dict[str, int] = {}

            def on_progress(name: str, i: int, n: int) -> None:
                if name not in tasks:
                    tasks[name] = progress.add_task(name, total=n)
                progress.update(tasks[name], completed=i)

            result = runner.run(items, dataset=str(dataset), corpus=list(corpus or []), kb_dir=kb,
                                baselines=baselines, calibration=calibration, on_progress=on_progress)
    except ChunfengError as exc:
        _fail(exc)
        return
    except RuntimeError as exc:
        err.print(f"[red]错误：[/red]{exc}")
        raise typer.Exit(2)
    if report is not None:
        from eval.report import write_report

        write_report(result, report)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    names = [s.label for s in result.systems]
    widths = [max(12, cell_len(n)) + 2 for n in names]
    out.print(f"评测集 {dataset}（{result.systems[0].metrics['questions']} 题），向量：{result.embedder}", highlight=False)
    out.print(_pad("指标", 24) + "".join(_pad(n, w) for n, w in zip(names, widths)), highlight=False)
    for key, label in METRIC_NAMES.items():
        if not any(key in s.metrics for s in result.systems):
            continue  # e.g. the language-model rates, when no model is configured
        values = "".join(_pad(_metric_cell(s.metrics, key), w) for s, w in zip(result.systems, widths))
        out.print(_pad(label, 24) + values, highlight=False)
    failures = [r for r in result.systems[0].rows if not r["passed"]]
    out.print(f"\n未通过 {len(failures)} 题" + (f"；报告：{report}" if report else "（加 --report report.html 查看每一题）"), highlight=False)


def _metric_cell(metrics: dict, key: str) -> str:
    """One cell of the console table: "—" where a system has no such figure (a baseline never asks a model)."""
    if key not in metrics:
        return "—"
    return f"{metrics[key]:.1f}" if "latency" in key else f"{metrics[key]:.3f}"


def _pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns (a Chinese character takes two: rich's cell_len)."""
    return text + " " * max(1, width - cell_len(text))


@app.command()
def serve(
    kb: KbOption = None,
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
) -> None:
    """启动聊天页面、坐席工作台和 JSON 接口。"""
    import uvicorn

    from chunfeng.server import build_app

    from chunfeng.masking import configure_logging

    try:
        settings = _settings(kb)
        configure_logging(settings.log_level)
        application = build_app(settings)
    except ChunfengError as exc:
        _fail(exc)
        return
    err.print(f"春风政采助手已启动：聊天页面 http://{host}:{port}/ ，坐席工作台 http://{host}:{port}/console ，热线检索 http://{host}:{port}/hotline ，接口文档 http://{host}:{port}/docs")
    # X-Forwarded-For is honoured only behind a proxy we were told about (CHUNFENG_TRUST_PROXY)
    uvicorn.run(application, host=host, port=port, log_level=settings.log_level.lower(), log_config=None,
                proxy_headers=settings.trust_proxy, forwarded_allow_ips="127.0.0.1" if settings.trust_proxy else None)


@app.command()
def bank(
    kb: KbOption = None,
    show: Annotated[int, typer.Option("--show", help="列出多少条有问题的条目")] = 20,
    as_json: JsonOption = False,
) -> None:
    """检查问题库：每个问题是否对应到了知识库中的条文（按文件统计）。有问题时退出码为 1。"""
    from chunfeng.factory import open_kb, question_banks
    from kb.questions import bank_report

    try:
        settings = _settings(kb)
        builtin, own = question_banks(settings)
        knowledge = open_kb(settings)
    except ChunfengError as exc:
        _fail(exc)
        return
    report = bank_report(builtin, own, knowledge.registry.iter_chunks())
    problems = report["problems"]
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        out.print(f"问题库共 {report['questions']} 个问题（内置 {report['builtin']}，自建 {report['own']}），"
                  f"{report['attached']} 个对应到 {report['passages']} 段条文。", highlight=False)
        for doc, n in sorted(report["documents"].items()):
            out.print(f"  {doc}\t{n['attached']}/{n['total']}", highlight=False)
        if report["builtin_documents_not_imported"]:
            out.print(f"[dim]内置问题库中另有 {len(report['builtin_documents_not_imported'])} 份文件不在本知识库（未导入，无需处理）。[/dim]", highlight=False)
        for p in problems[:show]:
            out.print(f"[yellow]未对应[/yellow] {p['origin']}：{p['document']}“{p['evidence']}”——{p['reason']}", highlight=False)
        if len(problems) > show:
            out.print(f"……另有 {len(problems) - show} 条（--show 调整条数，--json 看全部）。", highlight=False)
    raise typer.Exit(1 if problems else 0)


@app.command(name="bank-draft")
def bank_draft(
    folder: Annotated[Path, typer.Option("--out", help="草稿写到这个文件夹（每份文件一个 .jsonl），审核修改后再设为 CHUNFENG_QUESTION_BANK")],
    document: Annotated[Optional[list[str]], typer.Option("--document", help="只为这些文件起草（标题或文件名，可重复）；默认：问题库中还没有问题的文件")] = None,
    per: Annotated[int, typer.Option("--per", min=1, max=20, help="每段条文起草几个问题")] = 5,
    kb: KbOption = None,
) -> None:
    """用配置的大模型为自己的政策文件起草问题库（需要 CHUNFENG_LLM_BASE_URL）。"""
    from bot.bank_writer import draft_bank, write_bank
    from chunfeng.factory import llm_for, open_kb, question_bank
    from kb.questions import attach, match_key

    try:
        settings = _settings(kb)
        llm = llm_for(settings)
        if llm is None:
            err.print("起草问题库需要大模型：请设置 CHUNFENG_LLM_BASE_URL 和 CHUNFENG_LLM_MODEL（本地 OpenAI 兼容接口，如 Qwen、DeepSeek）。")
            raise typer.Exit(2)
        knowledge = open_kb(settings)
        chunks = list(knowledge.registry.iter_chunks())
        covered = set(attach(question_bank(settings), chunks).questions)
    except ChunfengError as exc:
        _fail(exc)
        return
    docs: dict[str, list] = {}
    for c in chunks:
        docs.setdefault(c.doc_id, []).append(c)
    if document:
        wanted = {match_key(d) for d in document}
        chosen = {i: cs for i, cs in docs.items() if wanted & {match_key(cs[0].title), match_key(cs[0].source)}}
        if len(chosen) < len(wanted):
            names = "、".join(sorted({cs[0].source for cs in docs.values()}))
            err.print(f"--document 中有文件不在知识库里。知识库中的文件：{names}")
            raise typer.Exit(2)
    else:
        chosen = {i: cs for i, cs in docs.items() if not covered & {c.id for c in cs}}
    if not chosen:
        out.print("知识库中的文件都已有问题库，没有需要起草的。（用 --document 指定文件可重新起草）", highlight=False)
        return
    failures = 0
    for cs in chosen.values():
        with Progress(TextColumn(f"[bold]起草[/bold] {cs[0].source}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("", total=len(cs))
            report = draft_bank(llm, cs, per, on_progress=lambda i, n, c: progress.update(task, completed=i - 1))
        path = write_bank(report.entries, folder, Path(cs[0].source).stem + ".jsonl")
        failures += len(report.failures)
        out.print(f"{cs[0].title}：{len(report.entries)} 个问题 → {path}"
                  + (f"；{len(report.failures)} 段失败" if report.failures else ""), highlight=False)
        for c, why in report.failures[:5]:
            out.print(f"  [yellow]失败[/yellow] {c.label or c.ordinal}：{why}", highlight=False)
    out.print("请审核、修改草稿后，把 CHUNFENG_QUESTION_BANK 设为该文件夹，并用 `chunfeng bank` 检查。", highlight=False)
    raise typer.Exit(1 if failures else 0)


user_app = typer.Typer(help="管理坐席、话务员和管理员账号。")
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名（2–32 个英文字母、数字或 _ . -）")],
    role: Annotated[str, typer.Option("--role", help="agent（客服坐席）/ operator（热线话务员）/ admin（管理员）")],
    password: Annotated[Optional[str], typer.Option("--password", help="密码（不给则提示输入，不会回显）")] = None,
    kb: KbOption = None,
) -> None:
    """添加账号。"""
    from bot.accounts import AccountStore
    from chunfeng.factory import open_database

    if password is None:
        password = typer.prompt("密码", hide_input=True, confirmation_prompt=True, confirmation_prompt_text="再输入一次")
    try:
        db = open_database(_settings(kb))
        account = AccountStore(db).create(name, password, role)
    except ChunfengError as exc:
        _fail(exc)
        return
    out.print(f"已添加账号 {account.username}（{account.role}）。", highlight=False)


@user_app.command("list")
def user_list(kb: KbOption = None) -> None:
    """列出账号。"""
    from bot.accounts import ROLE_NAMES, AccountStore
    from chunfeng.factory import open_database

    for acc in AccountStore(open_database(_settings(kb))).list():
        out.print(f"{acc.username}\t{ROLE_NAMES.get(acc.role, acc.role)}\t{'已停用' if acc.disabled else '正常'}", highlight=False)


def main() -> None:
    try:
        app()
    except ChunfengError as exc:  # anything not caught by a command
        err.print(f"[red]错误：[/red]{exc.message}")
        sys.exit(2)


if __name__ == "__main__":
    main()
