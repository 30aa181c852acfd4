"""Calibration the pipeline calls: raking with bounds, missing demographics as their own category.

:func:`calibrate` is the one entry point for making final weights.

Trimming that survives. Trimming raked weights afterwards (R's ``trimWeights``) moves the
margins again: on a survey skewed like Havering's, raked then trimmed weights no longer match
the census ethnic mix. Here trimming *is* the calibration: with ``bounds=(lo, hi)`` the weights
are raked with every weight kept within ``lo`` and ``hi`` times the mean weight (the bounded
raking of Deville and Saerndal 1992, as R's ``calibrate(calfun = "raking", bounds = ...)``), so
the final weights reproduce every margin and respect the bounds at once. ``max_gap`` and
``margins_achieved`` are measured on the final weights. Bounds that no weights can meet give
``converged=False`` (or :class:`~weights.errors.ConvergenceError` with ``strict``).

Missing demographics (``missing="category"``, the default). A respondent who did not state a
variable is put in that variable's ``not_stated`` category, whose population total is set to
the design-weighted share of respondents who did not state it; the stated levels share the rest
in the census proportions. This is the "missing as a separate category" treatment of raking
(Battaglia, Hoaglin and Frankel 2009, "Practical considerations in raking survey data",
Survey Practice 2(5)). It assumes, like any raking, that within a variable those who did not say
resemble the population's mix; it leaves the not-stated group's weight where the sample put it.
The raking problem is then an ordinary one with a unique solution, so the weights do not
depend on the order of the variables, of the margin rows or of the respondents (the
``"margin"`` policy of :func:`weights.rake` does: its fixed point moves with the order).
``missing="drop"`` (complete cases) and ``"error"`` are passed through.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from weights._cells import NOT_STATED
from weights.estimates import ReplicateWeights
from weights.rake import MarginsLike, RakeResult, design_array, rake, targets_from
from weights.trim import rake_bounded

logger = logging.getLogger(__name__)

__all__ = ["bootstrap_calibrated", "calibrate", "category_margins"]

_NEVER = "\x00not a level"  # passed as not_stated so that "not_stated" is an ordinary level


def category_margins(
    frame: pd.DataFrame,
    margins: MarginsLike,
    variables: Sequence[str] | None = None,
    *,
    design_weights: str | Sequence[float] | None = None,
    not_stated: str = NOT_STATED,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Respondents with missing values recoded to ``not_stated``, and margins with a ``not_stated`` level.

    The ``not_stated`` total of a variable is the control total times the design-weighted share of
    respondents missing it; the other levels keep their census proportions of the rest.
    """
    targets = targets_from(margins, variables)
    d = design_array(frame, design_weights)
    d = np.ones(len(frame)) if d is None else d
    recoded = frame.copy()
    out: dict[str, dict[str, float]] = {}
    for variable, target in targets.items():
        if variable not in frame.columns:
            out[variable] = target.to_dict()
            continue
        text = frame[variable].astype("string")
        missing = (text.isna() | (text == not_stated)).to_numpy()
        total = float(target.sum())
        share = float(d[missing].sum() / d.sum())
        out[variable] = {str(k): float(v) * (1 - share) for k, v in target.items()}
        if missing.any():
            recoded[variable] = text.fillna(NOT_STATED).mask(missing, NOT_STATED).astype(object)
            out[variable][NOT_STATED] = total * share
    return recoded, out


def calibrate(
    frame: pd.DataFrame,
    margins: MarginsLike,
    variables: Sequence[str] | None = None,
    *,
    bounds: tuple[float, float] | None = None,
    design_weights: str | Sequence[float] | None = None,
    missing: str = "category",
    tol: float = 1e-10,
    max_iter: int = 1000,
    strict: bool = False,
    not_stated: str = NOT_STATED,
) -> RakeResult:
    """Final weights: raking (bounded when ``bounds`` is given) with missing demographics as a category.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent, a column per weighting variable; NaN or ``not_stated`` is missing.
    margins : Margins, mapping or long DataFrame
        Population margins (every variable summing to the same total).
    variables : sequence of str, optional
        Variables to calibrate on (default: all in ``margins``).
    bounds : (float, float), optional
        Each weight kept within ``lower`` and ``upper`` times its starting weight (the mean
        weight with equal design weights): trimming that keeps the margins.
    design_weights : str or sequence of float, optional
        Starting weights (default equal).
    missing : {"category", "drop", "error"}
        See the module docstring.
    tol, max_iter : float, int
        Convergence tolerance (relative margin gap) and most iterations.
    strict : bool
        Raise :class:`~weights.errors.ConvergenceError` instead of returning ``converged=False``.

    Returns
    -------
    RakeResult
        ``max_gap`` and ``margins_achieved`` measured on the final weights; ``method`` is
        ``"raking"`` or ``"calibrate"`` (bounded).
    """
    if missing not in ("category", "drop", "error"):
        raise ValueError(f"missing={missing!r}; expected 'category', 'drop' or 'error'")
    if missing == "category":
        frame, targets = category_margins(frame, margins, variables, design_weights=design_weights,
                                          not_stated=not_stated)
        policy, marker = "error", _NEVER
    else:
        targets = {v: t.to_dict() for v, t in targets_from(margins, variables).items()}
        policy, marker = missing, not_stated
    kwargs = {"design_weights": design_weights, "tol": tol, "max_iter": max_iter, "missing": policy,
              "strict": strict, "not_stated": marker}
    if bounds is None:
        result = rake(frame, targets, list(targets), **kwargs)  # type: ignore[arg-type]
    else:
        result = rake_bounded(frame, targets, bounds, list(targets), **kwargs)  # type: ignore[arg-type]
    result = _measured(frame, result, targets, tol, missing)
    logger.info("calibrated %d respondents on %s (bounds %s): converged=%s, max gap %.2e on final weights",
                result.n_used, list(targets), bounds, result.converged, result.max_gap)
    return result


def _measured(frame: pd.DataFrame, result: RakeResult, targets: dict[str, dict[str, float]], tol: float,
              missing: str) -> RakeResult:
    """Margins achieved and the largest relative gap, recomputed from the final respondent weights."""
    w = result.weights
    rows = []
    for variable, target in targets.items():
        got = w.groupby(frame[variable].astype("string").to_numpy(), dropna=True).sum()
        for level, population in target.items():
            achieved = float(got.get(level, 0.0))
            rows.append((variable, level, float(population), achieved, achieved - float(population)))
    table = pd.DataFrame(rows, columns=["variable", "level", "target", "achieved", "gap"])
    have = table["target"] > 0
    gap = float((table.loc[have, "gap"].abs() / table.loc[have, "target"]).max())
    return replace(result, margins_achieved=table, max_gap=gap, converged=bool(gap < max(tol, 1e-9)),
                   missing_policy=missing)


def bootstrap_calibrated(
    frame: pd.DataFrame,
    margins: MarginsLike,
    variables: Sequence[str] | None = None,
    *,
    n_replicates: int = 200,
    seed: int = 0,
    **kwargs: object,
) -> ReplicateWeights:
    """Rao-Wu (1988) rescaled bootstrap of the whole :func:`calibrate` procedure.

    Each replicate draws ``n - 1`` respondents with replacement, multiplies the design weights
    by ``n / (n - 1)`` times the draw counts, and runs :func:`calibrate` again with the same
    arguments, recomputing the not-stated shares, so the spread includes every step of the
    weighting. Respondents not drawn get weight 0 in that replicate.
    """
    base = design_array(frame, kwargs.pop("design_weights", None))  # type: ignore[arg-type]
    d = np.ones(len(frame)) if base is None else base
    n = len(frame)
    rng = np.random.default_rng(seed)
    mult = rng.multinomial(n - 1, np.full(n, 1.0 / n), size=n_replicates) * (n / (n - 1))
    out = np.zeros((n_replicates, n))
    for r in range(n_replicates):
        drawn = mult[r] > 0
        fit = calibrate(frame.loc[drawn], margins, variables, design_weights=(mult[r] * d)[drawn],
                        **kwargs)  # type: ignore[arg-type]
        out[r, drawn] = np.nan_to_num(fit.weights.to_numpy())
    return ReplicateWeights(out, frame.index, n_replicates, seed, 1.0 / (n_replicates - 1))
