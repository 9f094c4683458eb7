"""Plain numpy logistic regression, shared by the model fitters of eval/ (pure function)."""

from __future__ import annotations

import numpy as np


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
