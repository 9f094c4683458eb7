"""The fitting routines of eval.train learn what they are shown (synthetic, hand-checkable data), and
cross-fitting ranks each question of a real knowledge base with a ranker fitted without it."""

from pathlib import Path

import numpy as np

from bot.confidence import CONFIDENCE_FEATURES
from eval import gold
from eval.train import crossfit, fit_listwise, fit_logistic, fold_of, operating_point, summarize_ranks
from kb.ranking import DEFAULT_WEIGHTS, FEATURES

REPO = Path(__file__).resolve().parents[2]


def test_listwise_fit_learns_to_put_the_positive_first():
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(40):
        X = rng.random((8, 2))
        y = np.zeros(8, dtype=bool)
        y[np.argmax(X[:, 0])] = True  # feature 0 decides relevance, feature 1 is noise
        groups.append((X, y))
    w = fit_listwise(groups, prior=np.zeros(2), steps=400)
    assert w[0] > 1.0 and abs(w[1]) < w[0] / 3
    top1 = np.mean([y[np.argmax(X @ w)] for X, y in groups])
    assert top1 >= 0.9


def test_listwise_fit_keeps_the_prior_of_an_unused_feature():
    groups = [(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([True, False]))] * 5
    w = fit_listwise(groups, prior=np.array([0.0, 2.0]), steps=200)
    assert abs(w[1] - 2.0) < 1e-6


def test_logistic_fit_separates_balanced_classes():
    X = np.array([[0.9], [0.8], [0.85], [0.1], [0.2]])
    y = np.array([True, True, True, False, False])
    w, b = fit_logistic(X, y)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    assert (p[y] > 0.5).all() and (p[~y] < 0.5).all()


def test_folds_are_stable_and_cover_every_fold():
    ids = [f"q{i:03d}" for i in range(200)]
    folds = [fold_of(i, 5) for i in ids]
    assert folds == [fold_of(i, 5) for i in ids]  # the same question always lands in the same fold
    assert set(folds) == set(range(5)) and min(folds.count(f) for f in range(5)) >= 20


def test_rank_summary_by_hand():
    # ranks 1, 3, none, 2 → hit@1 1/4, hit@5 3/4, MRR (1 + 1/3 + 0 + 1/2) / 4
    s = summarize_ranks([1, 3, None, 2])
    assert s["hit@1"] == 0.25 and s["hit@5"] == 0.75
    assert abs(s["mrr@10"] - (1 + 1 / 3 + 0.5) / 4) < 1e-12


def test_crossfit_ranks_every_question_with_a_ranker_that_never_saw_it(sample_assistant):
    items = gold.load(REPO / "eval" / "gold" / "sample.jsonl")
    retriever = sample_assistant.answerer.retriever
    shipped = retriever.ranker
    prior = np.array([DEFAULT_WEIGHTS[f] for f in FEATURES])
    try:
        ranks, conf = crossfit(retriever, items, prior, folds=3)
    finally:
        retriever.ranker = shipped
    assert len(ranks) == sum(it.scope == "in" for it in items)
    assert [it.id for it, _, _ in conf] == [it.id for f in range(3) for it in items
                                           if fold_of(it.id, 3) == f and it.scope in ("in", "out")]
    assert all(len(x) == len(CONFIDENCE_FEATURES) for _, x, _ in conf)
    # out of fold, the sample set is still mostly ranked first (the floor test holds the in-sample figure)
    assert summarize_ranks(ranks)["hit@5"] >= 0.8


def test_operating_point_answers_the_rate_in_every_set():
    z = np.array([1.0, 2.0, 3.0, 4.0, -5.0, 0.5, 0.6, 0.7, 0.8])
    in_scope = np.array([True, True, True, True, False, True, True, True, True])
    sets = np.array(["a"] * 5 + ["b"] * 4)
    # 75% of each set: set a alone would allow 2.0, set b only 0.6 — the harder set decides
    assert operating_point(z, in_scope, sets, 0.75) == 0.6
    assert operating_point(z[:5], in_scope[:5], sets[:5], 0.75) == 2.0
    # out-of-scope scores never move it, and without in-scope questions it is 0
    assert operating_point(z, in_scope & False, sets, 0.75) == 0.0
