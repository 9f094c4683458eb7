"""Replace the invented place names and project codes that writers reuse, before messages become training data.

    python -m eval.anonymise drafts.jsonl --seed 2 > eval/intents/case-train-more.jsonl

Writers asked for a few hundred messages invent a handful of places and reuse them (临川市 25 times in one
file of 240) and codes alike (QHCG-2024-0317). A character n-gram model would learn those names as a sign of
the file's class. A two-character name before 县/市/区 that occurs at least twice in the file, and every run of
two or more capital letters, is replaced at each occurrence by a random one, so that no name follows a class.
Pure apart from the CLI; the same seed gives the same output.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

_PLACE = re.compile(r"([\u4e00-\u9fff]{2})(?:县|市|区)")
_GENERIC = re.compile(r"[的了是在个一这那们小超城上社郊辖园景片新老本我该全各某]")  # 小区, 超市, 城市, 本市 … are no names
_CODE = re.compile(r"[A-Z]{2,}")
_NAME_CHARS = "安宁平和清河源山川江湖泉溪林石桥塘湾洲岭峰阳东西南北中新兴永长丰盛华荣昌泰福康乐德顺兰桂梅竹松柏云霞金银玉凤龙鹤鹿"
_CODE_CHARS = "ABCDEFGHJKLMNPQRSTWXYZ"


def reused_places(questions: list[str]) -> set[str]:
    """Two-character place names (before 县/市/区) that occur at least twice."""
    counts = Counter(m.group(1) for q in questions for m in _PLACE.finditer(q) if not _GENERIC.search(m.group(1)))
    return {name for name, n in counts.items() if n >= 2}


def anonymise(rows: list[dict], seed: int = 0) -> list[dict]:
    """The rows with reused place names and capital-letter codes replaced by random ones."""
    rng = random.Random(seed)
    names = sorted(reused_places([r["question"] for r in rows]))
    out = []
    for row in rows:
        q = row["question"]
        for name in names:
            while name in q:
                q = q.replace(name, rng.choice(_NAME_CHARS) + rng.choice(_NAME_CHARS), 1)
        q = _CODE.sub(lambda m: "".join(rng.choice(_CODE_CHARS) for _ in m.group(0)), q)
        out.append({**row, "question": q})
    return out


def read_rows(path: Path) -> list[dict]:
    """The file's messages, one JSON object with a "question" per line; an error names the line and the fix."""
    if not path.is_file():
        raise SystemExit(f"找不到文件 {path}。请给出一个 JSON Lines 文件（每行一个含 question 字段的对象）。")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path} 第 {n} 行不是合法的 JSON（{exc.msg}）。请改正该行后重试，其余各行未做任何处理。") from exc
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise SystemExit(f"{path} 第 {n} 行缺少文字类型的 question 字段。每行应形如 {{\"id\": \"…\", \"question\": \"…\"}}。")
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Replace reused invented place names and project codes in a JSON-lines file")
    ap.add_argument("file", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for row in anonymise(read_rows(args.file), args.seed):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
