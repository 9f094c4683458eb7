"""Fit the ranker and the confidence model on a dev gold set — never on the test split.

    python -m eval.train --corpus ../shared/corpus --corpus ../shared/seeds   # dev.jsonl + dev-2.jsonl

1. **Ranker** (kb/data/ranker.json): for every in-scope question, the retriever's candidates and
   their features; a listwise softmax model learns weights that put the correct passages first
   (plain numpy gradient descent, regularised toward the hand-set defaults of kb.ranking).
2. **Confidence** (bot/data/confidence.json): features of the best passage after ranking (its
   ranker log-odds, coverage, bigram coverage, the share of the question the knowledge base has
   never seen) → logistic regression separating in-scope from out-of-scope questions (all of them,
   also those the scope guard declines before the model is asked). The features are cross-fitted:
   each question is ranked by a ranker fitted on the other folds (``--folds``), as an unseen
   question is at run time — a ranker is more sure of the questions it was fitted on, and a
   threshold set on those would turn away too many new ones. The model is shifted so that 0.5 is
   the highest threshold that still answers ``--answer-rate`` of the in-scope questions of each
   dev set (``operating_point``): the sets ask in different styles, and the hardest sets the bar.
3. **Domain floor** (``min_domain_share`` in the same file): the domain share (kb.domain) of the
   in-scope dev questions that carry no procurement anchor; the floor is ``--domain-margin`` times
   their 1st percentile, so it turns away everyday questions and (nearly) none the team wrote as
   in scope.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import zlib
from pathlib import Path

import numpy as np

from bot.confidence import CONFIDENCE_FEATURES, ConfidenceModel, confidence_features
from chunfeng.factory import build_assistant
from chunfeng.settings import Settings
from eval import gold, metrics
from eval.gold import GoldItem
from eval.runner import prepare_kb
from kb.ranking import DEFAULT_WEIGHTS, FEATURES, LinearRanker

REPO = Path(__file__).resolve().parents[1]


def collect(retriever, items, depth: int = 200) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per question: the feature matrix of its candidates and which are correct — or None when it
    cannot teach the ranker (not in scope, no correct candidate, or pinned by a named provision).
    Candidates and features do not depend on the ranker's weights, so one pass serves every fit."""
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for it in items:
        if it.scope != "in":
            out.append(None)
            continue
        res = retriever.search(it.question, k=depth)
        X = np.array([[h.signals[f] for f in FEATURES] for h in res.hits], dtype=np.float64)
        y = np.array([metrics.is_hit(h.chunk.source, h.chunk.text, it.expect) for h in res.hits], dtype=bool)
        pinned = any(h.signals.get("lookup", 0.0) > 0 for h in res.hits)
        out.append((X, y) if len(X) and y.any() and not pinned else None)
    return out


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
    return summarize_ranks(ranks)


def operating_point(z: np.ndarray, in_scope: np.ndarray, sets: np.ndarray, answer_rate: float) -> float:
    """The highest score that still leaves `answer_rate` of the in-scope questions of every set at
    or above it (0.0 when there are none)."""
    points = []
    for name in sorted(set(sets[in_scope])):
        z_in = np.sort(z[in_scope & (sets == name)])
        points.append(float(z_in[int(np.floor((1 - answer_rate) * len(z_in)))]))
    return min(points, default=0.0)


def fold_of(item_id: str, k: int) -> int:
    """A stable fold for cross-fitting: the same question always lands in the same fold."""
    return zlib.crc32(item_id.encode("utf-8")) % k


def summarize_ranks(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": sum(metrics.hit_at(r, 1) for r in ranks) / n,
        "hit@5": sum(metrics.hit_at(r, 5) for r in ranks) / n,
        "mrr@10": sum(metrics.reciprocal_rank(r) for r in ranks) / n,
    }


def crossfit(retriever, items, prior: np.ndarray, folds: int, groups=None):
    """Out-of-fold evidence: each question is ranked by a ranker fitted without it, as an unseen
    question would be. Returns the out-of-fold ranks of the in-scope questions, and the confidence
    features of every in- and out-of-scope question under that ranker. `groups` is what `collect`
    returned for `items`, when the caller has it already."""
    groups = {it.id: g for it, g in zip(items, groups if groups is not None else collect(retriever, items))}
    ranks: list[int | None] = []
    conf: list[tuple[GoldItem, list[float], float]] = []
    for f in range(folds):
        train = [g for it in items if fold_of(it.id, folds) != f and (g := groups.get(it.id)) is not None]
        retriever.ranker = LinearRanker(dict(zip(FEATURES, map(float, fit_listwise(train, prior)))), 0.0, f"fold {f}")
        for it in items:
            if fold_of(it.id, folds) != f or it.scope not in ("in", "out"):
                continue
            res = retriever.search(it.question, k=10)
            if it.scope == "in":
                ranks.append(metrics.first_hit_rank([(h.chunk.source, h.chunk.text) for h in res.hits], it.expect))
            conf.append((it, confidence_features(res), res.domain_share))
    return ranks, conf


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Fit the ranker and the confidence model on the dev set")
    ap.add_argument("--dataset", type=Path, action="append", help="dev gold set(s); default: dev.jsonl and dev-2.jsonl")
    ap.add_argument("--corpus", type=Path, action="append", default=[])
    ap.add_argument("--kb", type=Path)
    ap.add_argument("--answer-rate", type=float, default=0.97,
                    help="share of each dev set's in-scope questions (out of fold) the confidence model must leave answered")
    ap.add_argument("--domain-margin", type=float, default=0.8, help="domain floor = this × 1st percentile of unanchored in-scope questions")
    ap.add_argument("--folds", type=int, default=5, help="cross-fitting folds for the confidence model")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write the data files")
    args = ap.parse_args(argv)
    datasets = args.dataset or [REPO / "eval" / "gold" / "dev.jsonl", REPO / "eval" / "gold" / "dev-2.jsonl"]
    loaded = [(path.name, it) for path in datasets for it in gold.load(path)]
    items = [it for _, it in loaded]
    origin_of = {it.id: name for name, it in loaded}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(data_dir=args.kb or Path(tmp) / "kb", top_k=10)
        if args.corpus:
            prepare_kb(settings, args.corpus)
        assistant = build_assistant(settings)
        retriever = assistant.answerer.retriever

        print("ranking before:", ranking_metrics(retriever, items))
        prior = np.array([DEFAULT_WEIGHTS[f] for f in FEATURES])
        groups = collect(retriever, items)
        oof_ranks, oof_conf = crossfit(retriever, items, prior, args.folds, groups)
        print(f"ranking out-of-fold ({args.folds} folds, what unseen questions can expect):", summarize_ranks(oof_ranks))
        w = fit_listwise([g for g in groups if g is not None], prior)
        ranker = LinearRanker(dict(zip(FEATURES, map(float, w))), 0.0, "trained")
        retriever.ranker = ranker
        after = ranking_metrics(retriever, items)
        print("ranking after (in-sample):", after)

        # the confidence model learns from out-of-fold features: at run time the ranker has never
        # seen the question, so its top log-odds are lower than on the questions it was fitted on.
        # Every out-of-scope question teaches it, also those the scope guard declines first: the
        # guard's list grows, and the model must still stand on its own when a topic is missing.
        X = np.array([x for _, x, _ in oof_conf])
        y = np.array([it.scope == "in" for it, _, _ in oof_conf], dtype=bool)
        shares = [share for it, _, share in oof_conf if it.scope == "in" and not assistant.answerer.scope.anchored(it.question)]
        names = np.array([origin_of[it.id] for it, _, _ in oof_conf])
        cw, cb = fit_logistic(X, y)
        z = X @ cw + cb
        # shift the model so the operating point sits at 0.5 (below it: "not sure enough to
        # answer"): the highest threshold that answers `answer_rate` of the in-scope questions of
        # *every* dev set — a pooled rate would let an easy set hide a harder style of asking
        z_t = operating_point(z, y, names, args.answer_rate)
        floor = args.domain_margin * float(np.quantile(shares, 0.01)) if shares else 0.0
        model = ConfidenceModel(dict(zip(CONFIDENCE_FEATURES, map(float, cw))), float(cb - z_t) + 1e-6, 0.5, round(floor, 3))
        print(f"domain floor: {floor:.3f} (from {len(shares)} unanchored in-scope questions)")
        probs = np.array([model.probability(dict(zip(CONFIDENCE_FEATURES, x))) for x in X])
        answered_in = float((probs[y] >= model.threshold).mean())
        declined_out = float((probs[~y] < model.threshold).mean()) if (~y).any() else float("nan")
        print(f"confidence (out-of-fold): in-scope answered {answered_in:.3f}; out-of-scope declined by the model alone {declined_out:.3f}")
        if not args.dry_run:
            trained_on = " + ".join(p.name for p in datasets)
            ranker.save(REPO / "kb" / "data" / "ranker.json", {
                "trained_on": trained_on, "dev_metrics": after, "out_of_fold_metrics": summarize_ranks(oof_ranks),
            })
            model.save(REPO / "bot" / "data" / "confidence.json", {
                "trained_on": trained_on, "fitted_on": f"out-of-fold features, {args.folds} folds",
                "in_scope_answered": answered_in, "out_of_scope_declined": declined_out,
            })
            print("written kb/data/ranker.json and bot/data/confidence.json")
        print(json.dumps({"ranker": ranker.weights, "confidence": model.weights, "bias": model.bias}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
