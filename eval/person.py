"""How well requests for a person are recognised, on a set of messages labelled by hand.

    python -m eval.person eval/intents/person-test.jsonl

Each line is ``{"id", "question", "scope"}`` with scope ``handoff`` (the user wants a person) or
``in`` (a question that mentions people, phones or the assistant, and must be answered). Prints the
share of requests recognised and the number of questions taken for requests. ``person-dev.jsonl``
is tuned on (tests hold it at 100%); ``person-test.jsonl`` was written blind and is only reported.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from bot import intents
from eval import gold


@dataclass(frozen=True)
class PersonScore:
    requests: int
    recognised: int
    questions: int
    taken_for_requests: int
    missed: tuple[str, ...]
    wrongly_taken: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.recognised / self.requests if self.requests else float("nan")


def score(path: Path) -> PersonScore:
    missed: list[str] = []
    wrong: list[str] = []
    items = gold.load(path, require_expect=False)
    for item in items:
        asked = intents.classify(item.question) == intents.HANDOFF
        if item.scope == "handoff" and not asked:
            missed.append(item.question)
        elif item.scope != "handoff" and asked:
            wrong.append(item.question)
    requests = sum(1 for it in items if it.scope == "handoff")
    return PersonScore(requests, requests - len(missed), len(items) - requests, len(wrong), tuple(missed), tuple(wrong))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Recognition of requests for a person on a labelled message set")
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--show", action="store_true", help="list the misses (do not use on a held-out set you still want blind)")
    args = ap.parse_args(argv)
    s = score(args.dataset)
    print(f"转人工请求识别 {s.recognised}/{s.requests} = {s.recall:.3f}；被误判为转人工的问题 {s.taken_for_requests}/{s.questions}")
    if args.show:
        for q in s.missed:
            print("漏识别:", q)
        for q in s.wrongly_taken:
            print("误判:", q)


if __name__ == "__main__":
    main()
