"""The fitting routines of eval.train learn what they are shown (synthetic, hand-checkable data)."""

import numpy as np

from eval.train import fit_listwise, fit_logistic


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
