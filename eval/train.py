"""Fit the ranker and the confidence model on a dev gold set — never on the test split.

    python -m eval.train --dataset eval/gold/dev.jsonl --corpus ../shared/corpus --corpus ../shared/seeds

1. **Ranker** (kb/data/ranker.json): for every in-scope question, the retriever's candidates and
   their features; a listwise softmax model learns weights that put the correct passages first
   (plain numpy gradient descent, regularised toward the hand-set defaults of kb.ranking).
2. **Confidence** (bot/data/confidence.json): features of the best passage after ranking (its
   ranker log-odds, coverage, bigram coverage, the share of the question the knowledge base has
   never seen) → logistic regression separating in-scope from out-of-scope questions (all of them,
   also those the scope guard declines before the model is asked). The model is shifted so that 0.5 is the highest threshold
   that still answers ``--answer-rate`` of in-scope questions: as many out-of-scope questions as
   possible are declined without turning away people the knowledge base can help.
3. **Domain floor** (``min_domain_share`` in the same file): the domain share (kb.domain) of the
   in-scope dev questions that carry no procurement anchor; the floor is ``--domain-margin`` times
   their 1st percentile, so it turns away everyday questions and (nearly) none the team wrote as
   in scope.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from bot.confidence import CONFIDENCE_FEATURES, ConfidenceModel, confidence_features
from chunfeng.factory import build_assistant
from chunfeng.settings import Settings
from eval import gold, metrics
from eval.runner import prepare_kb
from kb.ranking import DEFAULT_WEIGHTS, FEATURES, LinearRanker

REPO = Path(__file__).resolve().parents[1]


def collect(retriever, items, depth: int = 200):
    """Per in-scope question: feature matrix of its candidates and which are correct."""
    groups = []
    for it in items:
        if it.scope != "in":
            continue
        res = retriever.search(it.question, k=depth)
        X = np.array([[h.signals[f] for f in FEATURES] for h in res.hits], dtype=np.float64)
        y = np.array([metrics.is_hit(h.chunk.source, h.chunk.text, it.expect) for h in res.hits], dtype=bool)
        pinned = np.array([h.signals.get("lookup", 0.0) > 0 for h in res.hits], dtype=bool)
        if len(X) and y.any() and not pinned.any():
            groups.append((X, y))
    return groups


def fit_listwise(groups, prior: np.ndarray, l2: float = 0.01, lr: float = 0.5, steps: int = 1500) -> np.ndarray:
    """Listwise softmax weights, regularised toward `prior` (the hand-set defaults): a feature the
    dev set never exercises keeps its default instead of collapsing to zero."""
    w = prior.copy()
    for _ in range(steps):
        grad = l2 * (w - prior)
        for X, y in groups:
            s = X @ w
            s = s - s.max()
            p = np.exp(s) / np.exp(s).sum()
            pos = np.exp(s[y]) / np.exp(s[y]).sum()
            # d/dw [-log Σ_pos e^s + log Σ_all e^s]
            grad += (p @ X - pos @ X[y]) / len(groups)
        w -= lr * grad
    return w


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 0.01, lr: float = 0.5, steps: int = 4000) -> tuple[np.ndarray, float]:
    w, b = np.zeros(X.shape[1]), 0.0
    pos_weight = (len(y) - y.sum()) / max(1, y.sum())  # balance the classes
    sw = np.where(y, pos_weight, 1.0)
    sw = sw / sw.mean()
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = sw * (p - y)
        w -= lr * (X.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return w, b


def ranking_metrics(retriever, items) -> dict[str, float]:
    ranks = []
    for it in items:
        if it.scope == "in":
            res = retriever.search(it.question, k=10)
            ranks.append(metrics.first_hit_rank([(h.chunk.source, h.chunk.text) for h in res.hits], it.expect))
    n = len(ranks)
    return {
        "hit@1": sum(metrics.hit_at(r, 1) for r in ranks) / n,
        "hit@5": sum(metrics.hit_at(r, 5) for r in ranks) / n,
        "mrr@10": sum(metrics.reciprocal_rank(r) for r in ranks) / n,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Fit the ranker and the confidence model on the dev set")
    ap.add_argument("--dataset", type=Path, default=REPO / "eval" / "gold" / "dev.jsonl")
    ap.add_argument("--corpus", type=Path, action="append", default=[])
    ap.add_argument("--kb", type=Path)
    ap.add_argument("--answer-rate", type=float, default=0.96, help="share of in-scope questions that must stay answered")
    ap.add_argument("--domain-margin", type=float, default=0.8, help="domain floor = this × 1st percentile of unanchored in-scope questions")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write the data files")
    args = ap.parse_args(argv)
    items = gold.load(args.dataset)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(data_dir=args.kb or Path(tmp) / "kb", top_k=10)
        if args.corpus:
            prepare_kb(settings, args.corpus)
        assistant = build_assistant(settings)
        retriever = assistant.answerer.retriever

        print("ranking before:", ranking_metrics(retriever, items))
        prior = np.array([DEFAULT_WEIGHTS[f] for f in FEATURES])
        w = fit_listwise(collect(retriever, items), prior)
        ranker = LinearRanker(dict(zip(FEATURES, map(float, w))), 0.0, "trained")
        retriever.ranker = ranker
        after = ranking_metrics(retriever, items)
        print("ranking after: ", after)

        X, y, shares = [], [], []
        for it in items:
            # every out-of-scope question teaches the model, also those the scope guard declines first:
            # the guard's list grows, and the model must still stand on its own when a topic is missing
            if it.scope not in ("in", "out"):
                continue
            res = retriever.search(it.question, k=5)
            X.append(confidence_features(res))
            y.append(it.scope == "in")
            if it.scope == "in" and not assistant.answerer.scope.anchored(it.question):
                shares.append(res.domain_share)
        X, y = np.array(X), np.array(y, dtype=bool)
        cw, cb = fit_logistic(X, y)
        z = X @ cw + cb
        # shift the model so the operating point (answer `answer_rate` of in-scope questions)
        # sits at 0.5: confidence below 0.5 means "not sure enough to answer"
        z_in = np.sort(z[y])
        z_t = float(z_in[int(np.floor((1 - args.answer_rate) * len(z_in)))]) if len(z_in) else 0.0
        floor = args.domain_margin * float(np.quantile(shares, 0.01)) if shares else 0.0
        model = ConfidenceModel(dict(zip(CONFIDENCE_FEATURES, map(float, cw))), float(cb - z_t) + 1e-6, 0.5, round(floor, 3))
        print(f"domain floor: {floor:.3f} (from {len(shares)} unanchored in-scope questions)")
        probs = np.array([model.probability(dict(zip(CONFIDENCE_FEATURES, x))) for x in X])
        answered_in = float((probs[y] >= model.threshold).mean())
        declined_out = float((probs[~y] < model.threshold).mean()) if (~y).any() else float("nan")
        print(f"confidence: in-scope answered {answered_in:.3f}; out-of-scope declined by the model alone {declined_out:.3f}")
        if not args.dry_run:
            ranker.save(REPO / "kb" / "data" / "ranker.json", {"trained_on": args.dataset.name, "dev_metrics": after})
            model.save(REPO / "bot" / "data" / "confidence.json", {
                "trained_on": args.dataset.name, "in_scope_answered": answered_in, "out_of_scope_declined": declined_out,
            })
            print("written kb/data/ranker.json and bot/data/confidence.json")
        print(json.dumps({"ranker": ranker.weights, "confidence": model.weights, "bias": model.bias}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
