"""Turn writers' question-bank drafts into the built-in bank (kb/data/questions), keeping it apart
from every gold set.

    python -m eval.curate_bank DRAFT.jsonl ... --kb KB_DIR [--kb KB_DIR] [--out kb/data/questions]

A draft line is ``{"source": file name, "evidence": verbatim text, "question": ...}`` (what a writer
sees). Each line gets its document's title from the knowledge base (so the bank does not depend on
file names), and a line is dropped when its question is a near-duplicate of any question of
``eval/gold`` or ``../shared/eval`` (character-bigram Jaccard above 0.5, the rule every training file
follows): the bank must never carry a question the system is measured on. A line whose evidence
no passage of its document holds is dropped too. One file per document.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from chunfeng.factory import open_kb
from chunfeng.settings import Settings
from kb.questions import BankEntry, attach, read_bank

REPO = Path(__file__).resolve().parents[1]
GOLD_DIRS = (REPO / "eval" / "gold", REPO.parent / "shared" / "eval")
NEAR = 0.5
_HAN = re.compile(r"[\u4e00-\u9fff]")


def bigrams(text: str) -> frozenset[str]:
    han = "".join(_HAN.findall(text))
    return frozenset(han[i : i + 2] for i in range(len(han) - 1))


def gold_questions(dirs=GOLD_DIRS) -> list[frozenset[str]]:
    out = []
    for d in dirs:
        for f in sorted(Path(d).glob("*.jsonl")) if Path(d).is_dir() else []:
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    q = json.loads(line).get("question")
                    if q:
                        out.append(bigrams(q))
    return out


class NearDuplicates:
    """Finds questions whose bigram Jaccard with any of a set of questions exceeds ``limit``
    (an inverted index over the bigrams, so thousands of questions are checked in a second)."""

    def __init__(self, questions: list[frozenset[str]], limit: float = NEAR) -> None:
        self.questions = questions
        self.limit = limit
        self._postings: dict[str, list[int]] = defaultdict(list)
        for j, q in enumerate(questions):
            for b in q:
                self._postings[b].append(j)

    def __contains__(self, question: str) -> bool:
        b = bigrams(question)
        shared = Counter(j for x in b for j in self._postings.get(x, ()))
        return any(n / (len(b) + len(self.questions[j]) - n) > self.limit for j, n in shared.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("drafts", type=Path, nargs="+")
    ap.add_argument("--kb", type=Path, action="append", required=True, help="knowledge base(s) holding the drafts' documents")
    ap.add_argument("--out", type=Path, default=REPO / "kb" / "data" / "questions")
    args = ap.parse_args()

    kbs = [open_kb(Settings.load(data_dir=k)) for k in args.kb]
    titles = {d.source: d.title for kb in kbs for d in kb.documents()}
    gold = NearDuplicates(gold_questions())
    rows: dict[str, list[dict]] = defaultdict(list)
    dropped = unknown = 0
    for draft in args.drafts:
        for line in draft.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            title = titles.get(row["source"])
            if title is None:
                unknown += 1
                continue
            if row["question"] in gold:
                dropped += 1
                continue
            rows[row["source"]].append({"document": title, "evidence": row["evidence"], "question": row["question"]})
    # a line whose evidence no passage holds (a piece copied across two articles or table cells)
    # would only be reported by `chunfeng bank` at every deployment: it is dropped here
    chunks = [c for kb in kbs for c in kb.registry.iter_chunks()]
    entries = [BankEntry(r["document"], r["evidence"], r["question"], src) for src, items in rows.items() for r in items]
    missed = {id(e) for e, _ in attach(entries, chunks).unattached}
    kept: dict[str, list[dict]] = defaultdict(list)
    for e in entries:
        if id(e) not in missed:
            kept[e.origin].append({"document": e.document, "evidence": e.evidence, "question": e.question})
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.jsonl"):
        old.unlink()
    for source, items in sorted(kept.items()):
        (args.out / (Path(source).stem + ".jsonl")).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items), encoding="utf-8")
    result = attach(read_bank([args.out]), chunks)
    print(f"{sum(map(len, kept.values()))} questions written to {args.out} ({len(kept)} documents, {len(result.questions)} passages); "
          f"dropped: {dropped} near-duplicates of gold questions, {unknown} of unknown documents, {len(missed)} not found in their document")


if __name__ == "__main__":
    main()
