"""Fit the n-gram checks of bot.ngram_model — never on a held-out set.

    python -m eval.train_ngram            # all: bot/data/person.json, everyday.json, case.json, private.json
    python -m eval.train_ngram person     # one of them

- **person**: positives are messages that ask for a person; negatives are questions (in scope or not).
  Data: ``eval/intents/person-train.jsonl``, ``person-dev.jsonl`` and the gold sets tuned on.
- **everyday**: positives are out-of-scope questions (everyday matters, near-misses that use business
  words); negatives are in-scope questions. Data: ``eval/intents/scope-train.jsonl`` and the in- and
  out-of-scope questions of the gold sets tuned on.
- **case**: positives are procurement-sounding questions about one case that no policy text answers
  (``eval/intents/case-train.jsonl``); negatives are the in-scope questions of all the files above.
- **private**: positives are questions about buying, tendering or quoting inside private firms and between
  private people (``eval/intents/private-train.jsonl``); negatives as for case.
- Both also learn from **long messages** that tell a story before asking (letters, long WeChat messages, 12345
  call transcripts): in-scope ones in ``eval/intents/letters-train.jsonl`` are negatives, and the case and
  private training files hold such messages among their positives. Their invented place names and project
  codes were replaced by random ones (``python -m eval.anonymise``), so that no name is learned as a sign of
  either class.

``eval/intents/person-test.jsonl``, the test split, the unseen sets, dev-3, dev-4 and probes 4, 7, 8 and 9 are never read here
(their near-duplicates were removed from the training files). Each threshold is the highest score of
an in-scope training question scored out of fold (``--margin`` above it): no policy question, scored
by a model that never saw it, is taken for a request or an everyday matter. The case check's is the
99.9th percentile of those scores instead (``QUANTILE``).
"""

from __future__ import annotations

import argparse
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from bot.ngram_model import CASE, EVERYDAY, PERSON, PRIVATE, NgramModel, data_path, grams
from eval import gold
from eval.train import fit_logistic

REPO = Path(__file__).resolve().parents[1]
TRAINED_ON = ("dev.jsonl", "dev-2.jsonl", "probe-scope.jsonl", "probe-scope-2.jsonl", "probe-scope-3.jsonl", "probe-scope-5.jsonl")
FILES = {
    PERSON: ("person-train.jsonl", "person-dev.jsonl"),
    EVERYDAY: ("scope-train.jsonl",),
    # case questions against every in-scope question of the other files (people, everyday words)
    CASE: ("case-train.jsonl", "scope-train.jsonl", "person-train.jsonl", "person-dev.jsonl", "letters-train.jsonl"),
    PRIVATE: ("private-train.jsonl", "scope-train.jsonl", "person-train.jsonl", "person-dev.jsonl", "letters-train.jsonl"),
}
POSITIVE = {PERSON: "handoff", EVERYDAY: "out", CASE: "out", PRIVATE: "out"}
# the case check's threshold leaves out the top 0.1% of in-scope scores: one voice-transcribed question
# ("喂喂 请问一下 那个招标 保证金…") scores twice as high as any other, and the maximum would let through
# only a tenth of the case questions; at run time the coverage condition stands guard as well
QUANTILE = {PERSON: 1.0, EVERYDAY: 1.0, CASE: 0.999, PRIVATE: 1.0}


def training_messages(name: str) -> list[tuple[str, bool, bool]]:
    """(message, positive, in_scope) for model `name`."""
    rows = [(it.question, it.scope, file) for file in FILES[name]
            for it in gold.load(REPO / "eval" / "intents" / file, require_expect=False)]
    rows += [(it.question, it.scope, file) for file in TRAINED_ON for it in gold.load(REPO / "eval" / "gold" / file)]
    if name == EVERYDAY:  # a request for a person is neither an everyday matter nor a policy question
        rows = [r for r in rows if r[1] != "handoff"]
    if name in (CASE, PRIVATE):  # its own questions against policy questions; everyday matters are another check's
        rows = [r for r in rows if r[1] == "in" or (r[1] == "out" and r[2] == FILES[name][0])]
    rows = [(t, s) for t, s, _ in rows]
    return [(t, s == POSITIVE[name], s == "in") for t, s in rows]


def fit_weights(messages: list[tuple[str, bool, bool]], min_count: int = 2, l2: float = 0.001) -> NgramModel:
    """Logistic regression over the character n-grams seen at least `min_count` times (no threshold)."""
    counts = Counter(g for text, _, _ in messages for g in grams(text))
    vocab = sorted(g for g, c in counts.items() if c >= min_count)
    index = {g: i for i, g in enumerate(vocab)}
    X = np.zeros((len(messages), len(vocab)))
    for row, (text, _, _) in enumerate(messages):
        cols = [index[g] for g in grams(text) if g in index]
        if cols:
            X[row, cols] = 1.0 / np.sqrt(len(cols))
    y = np.array([positive for _, positive, _ in messages])
    w, b = fit_logistic(X, y, l2=l2, lr=1.0, steps=3000)
    return NgramModel(dict(zip(vocab, map(float, w))), float(b), 0.0, "trained")


def fit_model(messages: list[tuple[str, bool, bool]], folds: int = 5, margin: float = 0.0, quantile: float = 1.0) -> NgramModel:
    """Weights from all messages; the threshold from the in-scope questions scored out of fold (by a
    model that never saw them, as a new question is): the highest such score (or the `quantile` of
    them) plus `margin`. On its own training data a model is surer, and a threshold set there lets new
    questions through."""
    fold = [zlib.crc32(text.encode("utf-8")) % folds for text, _, _ in messages]
    held: list[float] = []
    for f in range(folds):
        model = fit_weights([m for m, k in zip(messages, fold) if k != f])
        held += [model.score(text) for (text, _, in_scope), k in zip(messages, fold) if k == f and in_scope]
    full = fit_weights(messages)
    return NgramModel(full.weights, full.bias, float(np.quantile(held, quantile)) + margin if held else margin, "trained")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Fit the n-gram checks (person requests, everyday questions)")
    ap.add_argument("names", nargs="*", help=f"which models: {PERSON}, {EVERYDAY}, {CASE}, {PRIVATE} (default: all)")
    ap.add_argument("--margin", type=float, default=0.0, help="threshold = best out-of-fold in-scope question's score + this")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write the data files")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in FILES]
    if unknown:
        ap.error(f"没有名为 {'、'.join(unknown)} 的模型；可选 {PERSON}、{EVERYDAY}、{CASE} 或 {PRIVATE}（不写则全部训练）")
    for name in args.names or list(FILES):
        messages = training_messages(name)
        model = fit_model(messages, margin=args.margin, quantile=QUANTILE[name])
        positives = [t for t, p, _ in messages if p]
        caught = sum(1 for t in positives if model.fires(t))
        print(f"{name}: {len(messages)} messages, {len(positives)} positive; threshold {model.threshold:.3f}; "
              f"positives above it (in sample): {caught}/{len(positives)}")
        if not args.dry_run:
            files = " + ".join(FILES[name] + TRAINED_ON)
            model.save(data_path(name), {"trained_on": files, "features": len(model.weights)})
            print(f"written bot/data/{name}.json")


if __name__ == "__main__":
    main()
