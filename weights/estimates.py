"""Weighted proportions and means with confidence intervals that account for the weights.

Taylor linearisation follows Lumley's R ``survey`` package for a single-stage design
with replacement (``svydesign(ids=~1, weights=...)``) that was then calibrated:

- the influence values of a mean are ``z_i = w_i (y_i - ybar) / sum(w)``;
- calibration is accounted for by replacing ``z`` with its residual from the design-weighted
  least-squares fit on the calibration dummies (the cells for post-stratification, every
  raking variable's levels for raking and bounded raking), as R does for ``calibrate()`` and
  ``postStratify()`` designs. R's ``rake()`` designs use ten rounds of margin-by-margin
  centring instead, an approximation that agrees to 1e-6 with equal design weights and differs
  by about 0.1% of the SE with unequal ones (R's apistrat example);
- ``Var = n / (n - 1) * sum((r_i - rbar)^2)``. Shares (:func:`estimate_proportions`) come
  from :func:`weights.estimate_share` with its logit interval; a mean's interval is
  ``estimate +/- z_{1-a/2} SE``.

Respondents who did not answer the question keep their place in the design with a zero
contribution, as R's ``svymean(..., na.rm=TRUE)`` does on a calibrated design.

The bootstrap (:func:`bootstrap_replicates`) is Rao and Wu's (1988) rescaled bootstrap
with ``n - 1`` draws per replicate; each replicate's weights are raked again to the margins
(so the variance includes the calibration), and ``Var = sum((t_r - tbar)^2) / (R - 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from weights._cells import NOT_STATED
from weights.poststratify import PostStratResult
from weights.rake import (
    CalibrationDesign,
    MarginsLike,
    RakeResult,
    _check_targets,
    ipf,
    targets_from,
)
from weights.shares import ShareDesign, calibration_residual, estimate_share

__all__ = ["EstimateResult", "ReplicateWeights", "bootstrap_replicates", "estimate_mean",
           "estimate_proportions", "linearised_residuals", "share_design"]

WeightsLike = RakeResult | PostStratResult


@dataclass(frozen=True)
class ReplicateWeights:
    """Bootstrap replicate weights: ``weights`` is replicates x respondents used (input order)."""

    weights: np.ndarray
    index: pd.Index
    n_replicates: int
    seed: int
    scale: float


@dataclass(frozen=True)
class EstimateResult:
    """Unweighted and weighted estimates side by side.

    ``table`` columns: ``level`` (or ``mean``), ``n``, ``base_n``, ``unweighted``, ``weighted``,
    ``se``, ``ci_low``, ``ci_high`` and, with replicates, ``se_bootstrap``, ``ci_low_bootstrap``,
    ``ci_high_bootstrap``. Proportions are fractions (0..1). ``order_changed`` is true when the
    order of the ``top`` most common answers differs between unweighted and weighted.
    """

    column: str
    table: pd.DataFrame
    base_n: int
    n_not_answered: int
    confidence: float
    order_changed: bool
    top_unweighted: tuple[str, ...]
    top_weighted: tuple[str, ...]


def linearised_residuals(z: np.ndarray, design: CalibrationDesign, w: np.ndarray) -> np.ndarray:
    """Residuals of influence values ``z`` (n x p) after the calibration, as R's ``calibrate()`` designs.

    ``w * e`` where ``e`` is the residual of ``z / w`` from the design-weighted least-squares fit
    on the calibration dummies (post-stratification: the cells), the residual
    :func:`weights.estimate_share` uses.
    """
    share = share_design_of(design)
    return np.column_stack([w * calibration_residual(col / w, share.calibration, design.design_weights)
                            for col in np.asarray(z, float).T])


def _variance(r: np.ndarray) -> np.ndarray:
    n = r.shape[0]
    centred = r - r.mean(axis=0)
    return n / (n - 1) * (centred ** 2).sum(axis=0)


def _prepare(frame: pd.DataFrame, column: str, result: WeightsLike) -> tuple[pd.Series, np.ndarray, CalibrationDesign]:
    if result.design is None:
        raise ValueError("the weighting result carries no design information; pass the result of rake(), "
                         "rake_bounded() or poststratify()")
    if column not in frame.columns:
        raise KeyError(f"column {column!r} is not in the frame (columns: {list(frame.columns)!r})")
    if not frame.index.equals(result.weights.index):
        raise ValueError("the frame's index differs from the weights' index; pass the frame that was weighted")
    used = result.weights.notna().to_numpy()
    values = frame.loc[used, column]
    return values, result.weights.to_numpy()[used], result.design


def share_design_of(design: CalibrationDesign) -> ShareDesign:
    """Calibration variables (cell codes) and design weights of a :class:`CalibrationDesign`."""
    cells = design.cells
    if design.kind == "poststratify":
        frame = pd.DataFrame({"cell": cells.index})
    else:
        frame = pd.DataFrame(cells.codes[cells.index], columns=list(cells.variables))
    return ShareDesign(frame, design.design_weights)


def share_design(result: WeightsLike) -> ShareDesign:
    """The :class:`ShareDesign` of a weighting result, for :func:`weights.estimate_share` on its respondents.

    The calibration variables are the result's weighting variables (post-stratification: its
    cells), for the respondents with a weight, in input order; pass ``result.weights.dropna()``
    as the weights. Raises ``ValueError`` if the result carries no design.
    """
    if result.design is None:
        raise ValueError("the weighting result carries no design information; pass the result of rake(), "
                         "rake_bounded() or poststratify()")
    return share_design_of(result.design)


def estimate_proportions(
    frame: pd.DataFrame,
    column: str,
    result: WeightsLike,
    *,
    confidence: float = 0.95,
    replicates: ReplicateWeights | None = None,
    top: int = 3,
    not_stated: str = NOT_STATED,
    method: str = "logit",
) -> EstimateResult:
    """Unweighted and weighted share of each answer to ``column``, each from :func:`weights.estimate_share`.

    The weighted interval is the calibrated logit interval (or ``method="beta"``); bootstrap
    columns, with ``replicates``, are normal intervals from the bootstrap standard error.
    Blank and ``not_stated`` answers are counted in ``n_not_answered`` and left out of the
    base, with the design kept as R's ``na.rm=TRUE`` does.
    """
    values, w, _ = _prepare(frame, column, result)
    design = share_design(result)
    text = values.astype("string")
    answered = (text.notna() & (text != not_stated)).to_numpy()
    levels = sorted(text[answered].unique())
    rows = []
    for level in levels:
        y = np.where(answered, (text == level).fillna(False).to_numpy(float), np.nan)
        weighted = estimate_share(y, w, design=design, level=confidence, method=method)
        unweighted = estimate_share(y, level=confidence)
        rows.append((level, weighted.n_positive, weighted.n, unweighted.estimate, weighted.estimate,
                     weighted.se, weighted.lower, weighted.upper))
    table = pd.DataFrame(rows, columns=["level", "n", "base_n", "unweighted", "weighted", "se", "ci_low", "ci_high"])
    if replicates is not None:
        onehot = (text.to_numpy(dtype=object)[:, None] == np.array(levels, dtype=object)[None, :]) & answered[:, None]
        rep = (replicates.weights * answered) @ onehot / (replicates.weights @ answered)[:, None]
        table = _with_bootstrap(table, rep, confidence)
    top_u = tuple(table.sort_values("unweighted", ascending=False, kind="stable")["level"][:top])
    top_w = tuple(table.sort_values("weighted", ascending=False, kind="stable")["level"][:top])
    return EstimateResult(column, table, int(answered.sum()), int((~answered).sum()), confidence,
                          top_u != top_w, top_u, top_w)


def estimate_mean(
    frame: pd.DataFrame,
    column: str,
    result: WeightsLike,
    *,
    confidence: float = 0.95,
    replicates: ReplicateWeights | None = None,
) -> EstimateResult:
    """Unweighted and weighted mean of numeric ``column``, with linearised (and bootstrap) CIs."""
    values, w, design = _prepare(frame, column, result)
    y = pd.to_numeric(values, errors="coerce").to_numpy(float)
    answered = ~np.isnan(y)
    y0 = np.where(answered, y, 0.0)
    wa = w * answered
    mean = float(wa @ y0 / wa.sum())
    z = (wa * (y0 - mean) / wa.sum())[:, None]
    se = np.sqrt(_variance(linearised_residuals(z, design, w)))
    table = pd.DataFrame({"level": ["mean"], "n": [int(answered.sum())], "base_n": [int(answered.sum())],
                          "unweighted": [float(y[answered].mean())], "weighted": [mean]})
    table = _with_ci(table, se, confidence)
    if replicates is not None:
        rep = (replicates.weights * answered) @ y0 / (replicates.weights @ answered)
        table = _with_bootstrap(table, rep[:, None], confidence)
    return EstimateResult(column, table, int(answered.sum()), int((~answered).sum()), confidence, False, (), ())


def _with_ci(table: pd.DataFrame, se: np.ndarray, confidence: float) -> pd.DataFrame:
    q = stats.norm.ppf(0.5 + confidence / 2)
    return table.assign(se=se, ci_low=table["weighted"] - q * se, ci_high=table["weighted"] + q * se)


def _with_bootstrap(table: pd.DataFrame, rep: np.ndarray, confidence: float) -> pd.DataFrame:
    q = stats.norm.ppf(0.5 + confidence / 2)
    se = np.sqrt(((rep - rep.mean(axis=0)) ** 2).sum(axis=0) / (rep.shape[0] - 1))
    return table.assign(se_bootstrap=se, ci_low_bootstrap=table["weighted"] - q * se,
                        ci_high_bootstrap=table["weighted"] + q * se)


def bootstrap_replicates(
    frame: pd.DataFrame,
    result: RakeResult,
    margins: MarginsLike,
    *,
    n_replicates: int = 200,
    seed: int = 0,
) -> ReplicateWeights:
    """Rao-Wu rescaled bootstrap replicate weights, each replicate raked again to ``margins``.

    Uses the cells and tolerance of ``result`` (from :func:`weights.rake`); all replicates are
    raked together on the cell table. A margin level with no respondents in a replicate keeps
    its unraked weight in that replicate (rare unless groups are tiny).
    """
    design = result.design
    if design is None or design.kind != "raking":
        raise ValueError("bootstrap_replicates needs a RakeResult from weights.rake")
    cells = design.cells
    n = len(cells.index)
    targets = _check_targets(targets_from(margins, cells.variables), cells)
    rng = np.random.default_rng(seed)
    mult = rng.multinomial(n - 1, np.full(n, 1.0 / n), size=n_replicates) * (n / (n - 1))
    d = design.design_weights
    offsets = (np.arange(n_replicates) * len(cells.design))[:, None]
    start = np.bincount((cells.index + offsets).ravel(), weights=(mult * d).ravel(),
                        minlength=n_replicates * len(cells.design)).reshape(n_replicates, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        raked, _, _ = ipf(start, cells.codes, targets, result.tol, result.max_iter)
        factor = np.where(start > 0, raked / start, 0.0)
    weights = mult * d * np.take_along_axis(factor, np.broadcast_to(cells.index, (n_replicates, n)), axis=1)
    index = result.weights.index[cells.kept]
    return ReplicateWeights(weights, index, n_replicates, seed, 1.0 / (n_replicates - 1))

