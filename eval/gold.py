"""Gold sets in the project's evaluation format (see ../shared/eval/README.md).

One JSON object per line: ``id``, ``question``, ``scope`` (in | out | handoff), ``expect`` (for in:
acceptable ``{source, evidence}``), ``answer_keywords`` (for in: groups of alternatives).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from chunfeng.errors import ChunfengError

SCOPES = ("in", "out", "handoff")


class GoldSetError(ChunfengError):
    code = "gold_set"


@dataclass(frozen=True)
class Expect:
    source: str
    evidence: str


@dataclass
class GoldItem:
    id: str
    question: str
    scope: str
    expect: list[Expect] = field(default_factory=list)
    answer_keywords: list[list[str]] = field(default_factory=list)


def load(path: Path, require_expect: bool = True) -> list[GoldItem]:
    """Read and validate a gold set; errors name the line and what is wrong. The labelled message sets
    of eval/intents/ have the same lines without ``expect`` (``require_expect=False``)."""
    if not path.is_file():
        raise GoldSetError(f"找不到评测集文件 {path}。请检查路径（评测集放在 eval/gold/ 下）。")
    items: list[GoldItem] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            item = GoldItem(
                id=str(data["id"]),
                question=str(data["question"]),
                scope=str(data["scope"]),
                expect=[Expect(e["source"], e["evidence"]) for e in data.get("expect") or []],
                answer_keywords=[list(map(str, g)) for g in data.get("answer_keywords") or []],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise GoldSetError(f"{path} 第 {n} 行格式错误（{type(exc).__name__}: {exc}）；格式见 ../shared/eval/README.md。") from exc
        if item.scope not in SCOPES:
            raise GoldSetError(f"{path} 第 {n} 行的 scope 为 {item.scope!r}，应为 in、out 或 handoff。")
        if require_expect and item.scope == "in" and not item.expect:
            raise GoldSetError(f"{path} 第 {n} 行是 in 问题，但没有 expect。")
        if item.id in seen:
            raise GoldSetError(f"{path} 第 {n} 行的 id {item.id!r} 重复。")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise GoldSetError(f"评测集 {path} 是空的。")
    return items
