"""One estimator for every share: who said yes, out of whom, and how sure we can be.

Every percentage the service shows (a topic's share, a feeling-safe figure, a group's share)
comes from :func:`estimate_share`, so the dashboard, briefing, SNA export and API agree.

Methods
-------
Unweighted shares use the Wilson (1927) score interval, which holds near 0 and 1 and for small
n. At n = 0 the estimate is NaN and the interval is (0, 1): nothing is known.

Weighted shares are the ratio estimator ``p = sum(w a y) / sum(w a)`` (``a`` = answered the
question). The standard error is design-based (Taylor linearisation for a single-stage design
sampled with replacement, as ``survey::svydesign(ids = ~1)``): the influence values
``z_i = w_i a_i (y_i - p) / sum(w a)`` and ``Var = n / (n - 1) * sum((z_i - zbar)^2)`` over the
``n`` respondents with a weight. When the weights were calibrated (raked) to census margins,
``z`` is replaced by its calibration residual, which is how R's ``survey`` treats designs from
``calibrate()`` (Deville and Saerndal 1992; Lumley 2010, section 7.4): ``e`` is the residual of
``a (y - p)`` from a least-squares regression on dummies of every raking variable, weighted by
the design (pre-calibration) weights, and ``z_i = w_i e_i / sum(w a)``. Calibration usually
makes the standard error smaller than the fixed-weight formula, and never larger for the
margins themselves.

The weighted interval is the logit interval of R's ``svyciprop(method = "logit")``:
``expit(logit(p) +/- t * SE / (p (1 - p)))`` with ``t`` the Student quantile on ``n - 1``
degrees of freedom; ``method="beta"`` gives Korn and Graubard's (1998) interval, a
Clopper-Pearson interval on the effective sample size ``p (1 - p) / SE^2``. Both stay inside
(0, 1) and are asymmetric near the ends, unlike a clipped Wald interval.

When no one (or everyone) said yes, the design variance is zero and R returns a degenerate
interval; we instead give the Clopper-Pearson interval on Kish's effective sample size
(``method="clopper-pearson-kish"``), e.g. 0 of 300 equally weighted gives (0, 1.2%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["CalibrationCells", "ShareDesign", "ShareEstimate", "calibration_cells", "calibration_residual",
           "estimate_share", "wilson_interval"]

INTERVAL_METHODS = ("logit", "beta")


@dataclass(frozen=True)
class ShareDesign:
    """How the weights were made, for the standard error of a weighted share.

    Attributes
    ----------
    calibration : pandas.DataFrame or None
        The raking (calibration) variables, one row per respondent aligned to ``y``; a missing
        value or ``"not_stated"`` is its own category. ``None``: the weights are treated as fixed.
    design_weights : sequence of float or None
        Weights before calibration, aligned to ``y`` (default equal).
    """

    calibration: pd.DataFrame | None = None
    design_weights: Sequence[float] | np.ndarray | None = None

    @cached_property
    def cells(self) -> CalibrationCells | None:
        """The calibration cells, computed once per design (many shares reuse them)."""
        return None if self.calibration is None else calibration_cells(self.calibration)


@dataclass(frozen=True)
class CalibrationCells:
    """Respondents grouped by their combination of calibration levels.

    ``cell`` is each respondent's cell; ``table`` holds each cell's level code per variable.
    """

    cell: np.ndarray
    table: np.ndarray

    def subset(self, mask: np.ndarray) -> CalibrationCells:
        """The same cells for the respondents in ``mask``."""
        return CalibrationCells(self.cell[mask], self.table)


def calibration_cells(calibration: pd.DataFrame) -> CalibrationCells:
    """Cells of the calibration variables; a missing value is its own level."""
    codes = [pd.factorize(calibration[c].astype("string").fillna("\x00missing"))[0] for c in calibration.columns]
    sizes = [int(col.max(initial=0)) + 1 for col in codes]
    if float(np.prod(sizes, dtype=float)) < 2.0 ** 62:  # one integer key per combination
        key = np.zeros(len(calibration), dtype=np.int64)
        for col, size in zip(codes, sizes, strict=True):
            key = key * size + col
        uniques, cell = np.unique(key, return_inverse=True)
    else:
        uniques, cell = np.unique(np.column_stack(codes), axis=0, return_inverse=True)
    first = np.zeros(len(uniques), dtype=np.int64)
    first[cell[::-1]] = np.arange(len(cell))[::-1]
    table = np.column_stack(codes)[first] if codes else np.zeros((len(uniques), 0), dtype=np.int64)
    return CalibrationCells(cell.ravel(), table)


@dataclass(frozen=True)
class ShareEstimate:
    """A share with its interval and base.

    Attributes
    ----------
    estimate : float
        The share (0..1); NaN when ``n`` is 0.
    lower, upper : float
        Confidence interval at ``level``.
    n : int
        Respondents who answered (the base).
    n_positive : int
        Of those, how many said yes (unweighted count).
    is_weighted : bool
        Whether weights were used.
    effective_n : float
        Unweighted: ``n``. Weighted: ``p (1 - p) / se^2`` (the sample size a simple random
        sample would need for the same precision), or Kish's ``sum(w)^2 / sum(w^2)`` when the
        share is 0 or 1.
    design_effect : float
        ``n / effective_n``.
    se : float
        Standard error of ``estimate``: design-based when weighted, ``sqrt(p (1 - p) / n)`` when not.
    method : str
        ``"wilson"``, ``"logit"``, ``"beta"`` or ``"clopper-pearson-kish"``.
    level : float
        Confidence level.
    weighted_total : float or None
        Sum of the weights of those who answered.
    is_calibrated : bool
        Whether the standard error accounts for calibration.
    """

    estimate: float
    lower: float
    upper: float
    n: int
    n_positive: int
    is_weighted: bool
    effective_n: float
    design_effect: float
    se: float
    method: str
    level: float = 0.95
    weighted_total: float | None = None
    is_calibrated: bool = False


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval for ``k`` successes in ``n`` trials; ``(0, 1)`` when ``n`` is 0.

    Equals R's ``prop.test(k, n, correct = FALSE)$conf.int``.
    """
    _check_level(level)
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k!r}, n={n!r}")
    if n == 0:
        return 0.0, 1.0
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exact ends: rounding must not leave 1e-19
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def estimate_share(
    y: Sequence[float] | np.ndarray | pd.Series,
    weights: Sequence[float] | np.ndarray | pd.Series | None = None,
    *,
    design: ShareDesign | None = None,
    level: float = 0.95,
    method: str = "logit",
) -> ShareEstimate:
    """Share of respondents with ``y = 1``, with a confidence interval that fits how it was weighted.

    Parameters
    ----------
    y : array-like of 0/1 (or bool), NaN for "did not answer"
        One value per respondent. Those who did not answer are outside the base but stay in
        the design (domain estimation, as R's ``svymean(..., na.rm = TRUE)``).
    weights : array-like, optional
        Final weights aligned to ``y``; NaN means the respondent was left out of weighting
        and is outside the design. ``None``: unweighted share with the Wilson interval.
    design : ShareDesign, optional
        Calibration variables (and design weights), so that the standard error accounts for raking.
    level : float
        Confidence level.
    method : {"logit", "beta"}
        Weighted interval: R ``svyciprop`` logit (default) or Korn-Graubard beta.

    Returns
    -------
    ShareEstimate

    Raises
    ------
    ValueError
        ``y`` holds something other than 0, 1 or missing; weights are negative or misaligned.
    """
    _check_level(level)
    if method not in INTERVAL_METHODS:
        raise ValueError(f"method={method!r}; expected one of {list(INTERVAL_METHODS)!r}")
    values = _indicator(y)
    if weights is None:
        return _unweighted(values, level)
    w = _weights(weights, len(values))
    inside = ~np.isnan(w)
    calibration, d = _design_parts(design, len(values), inside)
    return _weighted(values[inside], w[inside], calibration, d, level, method)


def _unweighted(values: np.ndarray, level: float) -> ShareEstimate:
    answered = values[~np.isnan(values)]
    n, k = len(answered), int(answered.sum())
    low, high = wilson_interval(k, n, level)
    p = k / n if n else math.nan
    se = math.sqrt(p * (1 - p) / n) if n else math.nan
    return ShareEstimate(p, low, high, n, k, False, float(n), 1.0 if n else math.nan, se, "wilson", level)


def _weighted(values: np.ndarray, w: np.ndarray, calibration: CalibrationCells | None, d: np.ndarray,
              level: float, method: str) -> ShareEstimate:
    answered = ~np.isnan(values)
    a = answered.astype(float)
    y0 = np.where(answered, values, 0.0)
    n, k = int(answered.sum()), int(y0.sum())
    total = float(w @ a)
    if n == 0 or total <= 0:
        return ShareEstimate(math.nan, 0.0, 1.0, n, k, True, 0.0, math.nan, math.nan, method, level, total,
                             calibration is not None)
    p = float(w @ y0 / total)
    u = a * (y0 - p)
    if calibration is not None:
        u = calibration_residual(u, calibration, d)
    z = w * u / total
    m = len(z)
    se = math.sqrt(m / (m - 1) * float(((z - z.mean()) ** 2).sum())) if m > 1 else math.nan
    kish = total ** 2 / float((w[answered] ** 2).sum())
    if k in (0, n) or not se > 0:
        low, high = _clopper_pearson(p * kish, kish, level)
        return ShareEstimate(p, low, high, n, k, True, kish, n / kish, se, "clopper-pearson-kish", level, total,
                             calibration is not None)
    effective = p * (1 - p) / se ** 2
    low, high = _logit_interval(p, se, m - 1, level) if method == "logit" else _beta_interval(p, effective, level)
    return ShareEstimate(p, low, high, n, k, True, effective, n / effective, se, method, level, total,
                         calibration is not None)


def _logit_interval(p: float, se: float, df: int, level: float) -> tuple[float, float]:
    """R ``svyciprop(method = "logit")``: Wald interval on the logit scale with Student t quantile."""
    t = float(stats.t.ppf(0.5 + level / 2, df))
    centre = math.log(p / (1 - p))
    half = t * se / (p * (1 - p))
    return float(1 / (1 + math.exp(-(centre - half)))), float(1 / (1 + math.exp(-(centre + half))))


def _beta_interval(p: float, effective_n: float, level: float) -> tuple[float, float]:
    """Korn and Graubard (1998): Clopper-Pearson on the effective sample size (R ``method = "beta"``)."""
    alpha = 1 - level
    low = float(stats.beta.ppf(alpha / 2, effective_n * p, effective_n * (1 - p) + 1))
    high = float(stats.beta.ppf(1 - alpha / 2, effective_n * p + 1, effective_n * (1 - p)))
    return low, high


def _clopper_pearson(k: float, n: float, level: float) -> tuple[float, float]:
    """Clopper-Pearson limits for a (possibly fractional) count ``k`` of ``n``."""
    alpha = 1 - level
    low = 0.0 if k <= 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k >= n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def calibration_residual(u: np.ndarray, calibration: pd.DataFrame | CalibrationCells, d: np.ndarray) -> np.ndarray:
    """Residual of ``u`` from the ``d``-weighted least-squares fit on dummies of every calibration variable.

    The dummies are constant within a cell (combination of levels), so the fit is done on cell
    means weighted by the cells' design-weight totals, which gives the same coefficients.
    """
    cells = calibration if isinstance(calibration, CalibrationCells) else calibration_cells(calibration)
    size = np.bincount(cells.cell, weights=d, minlength=len(cells.table))
    occupied = size > 0
    table, size = cells.table[occupied], size[occupied]
    position = np.cumsum(occupied) - 1
    cell = position[cells.cell]
    mean = np.bincount(cell, weights=d * u, minlength=len(table)) / size
    x = np.hstack([(table[:, j][:, None] == np.arange(table[:, j].max() + 1)[None, :]).astype(float)
                   for j in range(table.shape[1])])
    root = np.sqrt(size)
    beta = np.linalg.lstsq(x * root[:, None], mean * root, rcond=None)[0]
    return u - (x @ beta)[cell]


def _indicator(y: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    array = np.asarray(y)
    if array.dtype.kind in "biuf":  # numeric: no object conversion needed
        values = array.astype(float)
        bad = ~np.isnan(values) & (values != 0) & (values != 1)
        if bad.any():
            where = int(np.flatnonzero(bad)[0])
            raise ValueError(f"y must be 0, 1, True, False or missing; position {where} is {array[where].item()!r}")
        return values
    values = pd.to_numeric(pd.Series(np.asarray(y, dtype=object)), errors="coerce").to_numpy(float)
    raw = pd.Series(np.asarray(y, dtype=object))
    bad = (~np.isnan(values) & ~np.isin(values, (0.0, 1.0))) | (np.isnan(values) & raw.notna().to_numpy())
    if bad.any():
        where = int(np.flatnonzero(bad)[0])
        raise ValueError(f"y must be 0, 1, True, False or missing; position {where} is {raw.iloc[where]!r}")
    return values


def _weights(weights: Sequence[float] | np.ndarray | pd.Series, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per respondent ({n}), got shape {w.shape!r}")
    if (w[~np.isnan(w)] < 0).any() or np.isinf(w).any():
        raise ValueError(f"weights must be finite and non-negative; smallest is {float(np.nanmin(w))!r}")
    return w


def _design_parts(design: ShareDesign | None, n: int,
                  inside: np.ndarray) -> tuple[CalibrationCells | None, np.ndarray]:
    if design is None:
        return None, np.ones(int(inside.sum()))
    d = np.ones(n) if design.design_weights is None else np.asarray(design.design_weights, dtype=float)
    if d.shape != (n,) or not np.all(np.isfinite(d[inside])) or (d[inside] <= 0).any():
        raise ValueError(f"design weights must be positive, finite and one per respondent ({n})")
    if design.calibration is not None and len(design.calibration) != n:
        raise ValueError(f"the calibration variables have {len(design.calibration)} rows; y has {n}")
    cells = design.cells
    return (None if cells is None else cells.subset(inside)), d[inside]


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level={level!r} must be between 0 and 1 (e.g. 0.95)")
