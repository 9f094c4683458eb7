"""Fit the person-request model (bot/data/person.json) — never on a held-out set.

    python -m eval.train_person

Positives: messages that ask for a person; negatives: questions (in scope or not). The data are
``eval/intents/person-train.jsonl`` and ``person-dev.jsonl`` and the person requests and questions of
the gold sets the project tunes on (TRAINED_ON). ``eval/intents/person-test.jsonl``, the test split
and the unseen sets are never read here. The threshold is the highest out-of-fold score of an in-scope
training question (``--margin`` above it): no policy question, scored by a model that never saw it,
is taken for a request.
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from bot.person import PersonModel, grams
from eval import gold
from eval.train import fit_logistic

REPO = Path(__file__).resolve().parents[1]
INTENTS = ("person-train.jsonl", "person-dev.jsonl")
TRAINED_ON = ("dev.jsonl", "dev-2.jsonl", "probe-scope.jsonl", "probe-scope-2.jsonl", "probe-scope-3.jsonl", "probe-scope-5.jsonl")


def training_messages() -> list[tuple[str, str]]:
    """(message, scope) pairs: scope is handoff, in or out."""
    out = []
    for name in INTENTS:
        for line in (REPO / "eval" / "intents" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out.append((item["question"], item["scope"]))
    for name in TRAINED_ON:
        out += [(it.question, it.scope) for it in gold.load(REPO / "eval" / "gold" / name)]
    return out


def fit_weights(messages: list[tuple[str, str]], min_count: int = 2, l2: float = 0.001) -> PersonModel:
    """Logistic regression over the character n-grams seen at least `min_count` times (no threshold)."""
    counts = Counter(g for text, _ in messages for g in grams(text))
    vocab = sorted(g for g, c in counts.items() if c >= min_count)
    index = {g: i for i, g in enumerate(vocab)}
    X = np.zeros((len(messages), len(vocab)))
    for row, (text, _) in enumerate(messages):
        cols = [index[g] for g in grams(text) if g in index]
        if cols:
            X[row, cols] = 1.0 / np.sqrt(len(cols))
    y = np.array([scope == "handoff" for _, scope in messages])
    w, b = fit_logistic(X, y, l2=l2, lr=1.0, steps=3000)
    return PersonModel(dict(zip(vocab, map(float, w))), float(b), 0.0, "trained")


def fit_person(messages: list[tuple[str, str]], folds: int = 5, margin: float = 0.0) -> PersonModel:
    """Weights from all messages; the threshold from the in-scope questions scored out of fold (by a
    model that never saw them, as a new question is): the highest such score plus `margin`. On its
    own training data a model is surer, and a threshold set there lets new questions through."""
    fold = [zlib.crc32(text.encode("utf-8")) % folds for text, _ in messages]
    held: list[float] = []
    for f in range(folds):
        model = fit_weights([m for m, k in zip(messages, fold) if k != f])
        held += [model.score(text) for (text, scope), k in zip(messages, fold) if k == f and scope == "in"]
    full = fit_weights(messages)
    return PersonModel(full.weights, full.bias, max(held, default=0.0) + margin, "trained")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Fit the person-request model on the training messages")
    ap.add_argument("--margin", type=float, default=0.0, help="threshold = best out-of-fold in-scope question's score + this")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write bot/data/person.json")
    args = ap.parse_args(argv)
    messages = training_messages()
    model = fit_person(messages, margin=args.margin)
    scores = [(model.score(t), s) for t, s in messages]
    caught = sum(1 for sc, s in scores if s == "handoff" and sc >= model.threshold)
    requests = sum(1 for _, s in scores if s == "handoff")
    flagged_out = sum(1 for sc, s in scores if s == "out" and sc >= model.threshold)
    print(f"{len(messages)} messages, {requests} requests for a person; threshold {model.threshold:.3f}")
    print(f"requests above the threshold (the rules catch the rest): {caught}/{requests}; out-of-scope messages above it: {flagged_out}")
    if not args.dry_run:
        model.save(REPO / "bot" / "data" / "person.json", {"trained_on": " + ".join(INTENTS + TRAINED_ON), "features": len(model.weights)})
        print("written bot/data/person.json")


if __name__ == "__main__":
    main()
