"""Weight diagnostics: Kish design effect, effective sample size, spread of the weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["WeightDiagnostics", "describe_weights", "design_effect"]


@dataclass(frozen=True)
class WeightDiagnostics:
    """Summary of a set of weights (missing weights, i.e. excluded respondents, ignored).

    Attributes
    ----------
    n : int
        Respondents with a weight.
    total : float
        Sum of the weights.
    design_effect : float
        Kish's design effect due to unequal weighting, ``n * sum(w^2) / sum(w)^2`` = 1 + CV^2.
    effective_n : float
        ``n / design_effect`` = ``sum(w)^2 / sum(w^2)``.
    min, max, mean : float
        Of the weights.
    cv : float
        Coefficient of variation (population standard deviation / mean).
    max_ratio : float
        Largest weight divided by the mean weight.
    """

    n: int
    total: float
    design_effect: float
    effective_n: float
    min: float
    max: float
    mean: float
    cv: float
    max_ratio: float


def design_effect(weights: np.ndarray | pd.Series) -> float:
    """Kish (1965) design effect due to unequal weights: ``n * sum(w^2) / sum(w)^2``."""
    w = _clean(weights)
    return float(len(w) * np.dot(w, w) / w.sum() ** 2)


def describe_weights(weights: np.ndarray | pd.Series) -> WeightDiagnostics:
    """Kish design effect, effective n, min/max/mean, CV and max/mean ratio of ``weights``.

    Raises
    ------
    ValueError
        If there are no (non-missing) weights or any is negative.
    """
    w = _clean(weights)
    mean = float(w.mean())
    deff = design_effect(w)
    return WeightDiagnostics(n=len(w), total=float(w.sum()), design_effect=deff, effective_n=len(w) / deff,
                             min=float(w.min()), max=float(w.max()), mean=mean,
                             cv=float(w.std() / mean), max_ratio=float(w.max() / mean))


def _clean(weights: np.ndarray | pd.Series) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    w = w[~np.isnan(w)]
    if len(w) == 0:
        raise ValueError("no weights to describe: every weight is missing")
    if (w < 0).any():
        raise ValueError(f"weights must be non-negative; smallest is {float(w.min())!r}")
    return w
