"""Prediction-powered inference for topic shares: model labels for all answers, human labels for a sample.

A topic model codes every free-text answer; people review a random sample. The model's share
alone is biased by its errors; the reviewed sample alone is small. Prediction-powered inference
(Angelopoulos, Bates, Fannjiang, Jordan and Zrnic, Science 382, 2023) combines them:

    theta = mean_all(f) + mean_reviewed(y - f)

the model's share over all answers plus a *rectifier*, the average human-minus-model difference
on the reviewed sample. It is unbiased whenever the reviewed answers are a random sample of all
answers, however poor the model, and its variance ``var(f) / N + var(y - f) / n`` is small when
the model is good. With weights, both means are weighted (ratio estimators) and each variance
is the linearised with-replacement one used by :func:`weights.estimate_share`. The two parts are
treated as independent, as in the paper, which holds exactly when the reviewed answers are not
among the "all" set and approximately when ``n`` is a small fraction of ``N``. The interval is the
normal one of the paper, clipped to [0, 1] (``is_clipped`` says when).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["PPIShare", "ppi_share"]

ArrayLike = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class PPIShare:
    """A prediction-powered share with its interval, and the parts it is built from."""

    estimate: float
    lower: float
    upper: float
    se: float
    n_all: int
    n_reviewed: int
    model_share: float
    rectifier: float
    is_weighted: bool
    is_clipped: bool
    level: float = 0.95


def ppi_share(
    model_labels_all: ArrayLike,
    model_labels_reviewed: ArrayLike,
    human_labels_reviewed: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    weights_reviewed: ArrayLike | None = None,
    level: float = 0.95,
) -> PPIShare:
    """Prediction-powered estimate of a topic's share (Angelopoulos et al. 2023).

    Parameters
    ----------
    model_labels_all : array of 0/1
        The model's label for every answer.
    model_labels_reviewed, human_labels_reviewed : arrays of 0/1
        Model and human labels of the reviewed (randomly sampled) answers, aligned.
    weights, weights_reviewed : arrays, optional
        Respondent weights of all answers and of the reviewed ones (both or neither).
    level : float
        Confidence level.

    Raises
    ------
    ValueError
        Labels other than 0/1, misaligned arrays, fewer than two reviewed answers, or only one
        of the two weight arrays.
    """
    f_all = _labels(model_labels_all, "model_labels_all")
    f_rev = _labels(model_labels_reviewed, "model_labels_reviewed")
    y_rev = _labels(human_labels_reviewed, "human_labels_reviewed")
    if len(f_rev) != len(y_rev):
        raise ValueError(f"model_labels_reviewed has {len(f_rev)} values and human_labels_reviewed {len(y_rev)}")
    if len(f_rev) < 2 or len(f_all) < 2:
        raise ValueError("prediction-powered inference needs at least two reviewed answers and two answers in all")
    if (weights is None) != (weights_reviewed is None):
        raise ValueError("pass both weights and weights_reviewed, or neither")
    w_all = np.ones(len(f_all)) if weights is None else _weights(weights, len(f_all), "weights")
    w_rev = np.ones(len(f_rev)) if weights_reviewed is None else _weights(weights_reviewed, len(f_rev),
                                                                          "weights_reviewed")
    model, var_model = _weighted_mean(f_all, w_all)
    rectifier, var_rect = _weighted_mean(y_rev - f_rev, w_rev)
    estimate = model + rectifier
    se = math.sqrt(var_model + var_rect)
    q = float(stats.norm.ppf(0.5 + level / 2))
    low, high = estimate - q * se, estimate + q * se
    clipped = low < 0 or high > 1
    return PPIShare(estimate, max(0.0, low), min(1.0, high), se, len(f_all), len(f_rev), model, rectifier,
                    weights is not None, clipped, level)


def _weighted_mean(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Ratio mean and its linearised with-replacement variance ``n / (n - 1) * sum(z^2)``."""
    total = float(w.sum())
    mean = float(w @ x / total)
    z = w * (x - mean) / total
    n = len(x)
    return mean, n / (n - 1) * float(((z - z.mean()) ** 2).sum())


def _labels(values: ArrayLike, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    bad = ~np.isin(x, (0.0, 1.0))
    if bad.any():
        where = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must hold 0 or 1; position {where} is {float(x[where])!r}")
    return x


def _weights(values: ArrayLike, n: int, name: str) -> np.ndarray:
    w = np.asarray(values, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or (w <= 0).any():
        raise ValueError(f"{name} must be {n} positive finite values")
    return w
