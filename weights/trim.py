"""Trimming and capping weights.

Three tools:

- :func:`trim_weights` does what R's ``survey::trimWeights`` does: weights outside
  ``[lower, upper]`` are set to the bound and the amount cut off is shared equally
  (additively) among the weights that were inside; with ``strict=True`` that is repeated
  until none is outside. Margins no longer hold exactly afterwards.
- :func:`rake_bounded` rakes with the weight ratio to the starting weight kept inside
  ``bounds`` (bounds relative to the mean weight when there are no design weights): the
  calibration of Deville and Saerndal (1992) with the truncated raking distance, the same
  fixed point as R's ``calibrate(calfun="raking", bounds=...)``. Margins hold exactly and
  weights stay inside the bounds, i.e. trimmed *and* re-raked. Solved by Newton steps on the
  cell table, as R's ``grake`` does.
- :func:`trim_to_design_effect` finds, by bisection, the smallest upper bound for which the
  bounded raking reaches a target Kish design effect.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from weights._cells import NOT_STATED, CellTable, build_cells
from weights.diagnostics import describe_weights
from weights.errors import ConvergenceError, WeightingError
from weights.rake import MarginsLike, RakeResult, _check_targets, design_array, finish, targets_from

logger = logging.getLogger(__name__)

__all__ = ["TrimResult", "rake_bounded", "trim_to_design_effect", "trim_weights"]


@dataclass(frozen=True)
class TrimResult:
    """Weights after :func:`trim_weights`: how many were trimmed and how many passes it took."""

    weights: pd.Series
    n_trimmed: int
    n_passes: int
    lower: float
    upper: float


def trim_weights(weights: pd.Series, lower: float = -np.inf, upper: float = np.inf, *,
                 strict: bool = False, max_passes: int = 100) -> TrimResult:
    """Trim weights to ``[lower, upper]`` and share the excess equally among the others (R ``trimWeights``).

    Missing weights (respondents left out) stay missing.
    """
    if lower > upper:
        raise ValueError(f"lower={lower!r} is above upper={upper!r}")
    w = weights.to_numpy(float).copy()
    have = ~np.isnan(w)
    trimmed = np.zeros(len(w), dtype=bool)
    passes = 0
    while passes < max_passes:
        outside = have & ((w < lower) | (w > upper))
        if not outside.any():
            break
        new = np.clip(w, lower, upper)
        inside = have & ~outside
        if not inside.any():
            raise WeightingError(f"every weight is outside [{lower!r}, {upper!r}]; widen the bounds")
        new[inside] += (w[outside] - new[outside]).sum() / inside.sum()
        trimmed |= outside
        w = new
        passes += 1
        if not strict:
            break
    return TrimResult(pd.Series(w, index=weights.index, name="weight"), int(trimmed.sum()), passes,
                      float(lower), float(upper))


def _dummies(cells: CellTable) -> np.ndarray:
    """Cell-by-level indicator matrix (all levels of all variables, missing codes excluded)."""
    blocks = []
    for j, levels in enumerate(cells.levels):
        block = np.zeros((len(cells.codes), len(levels)))
        ok = cells.codes[:, j] < len(levels)
        block[np.flatnonzero(ok), cells.codes[ok, j]] = 1.0
        blocks.append(block)
    return np.hstack(blocks)


def _newton(mm: np.ndarray, ww: np.ndarray, population: np.ndarray, lo: float, hi: float, tol: float,
            max_iter: int) -> tuple[np.ndarray, int, float]:
    """Solve sum_c mm_c ww_c clip(exp(mm_c' eta), lo, hi) = population by Newton steps (as R's grake)."""
    eta = np.zeros(mm.shape[1])
    misfit = population - mm.T @ ww
    gap = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
    n_iter = 0
    while gap >= tol and n_iter < max_iter:
        u = mm @ eta
        deriv = np.where((u < np.log(hi)) & (u > np.log(lo) if lo > 0 else True), np.exp(u), 0.0)
        tmat = (mm * (ww * deriv)[:, None]).T @ mm
        eta = eta + np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps, hermitian=True) @ misfit
        g = np.clip(np.exp(mm @ eta), lo, hi)
        misfit = population - mm.T @ (ww * g)
        gap = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
        n_iter += 1
    return np.clip(np.exp(mm @ eta), lo, hi), n_iter, gap


def rake_bounded(
    frame: pd.DataFrame,
    margins: MarginsLike,
    bounds: tuple[float, float],
    variables: Sequence[str] | None = None,
    *,
    design_weights: str | Sequence[float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    missing: str = "drop",
    strict: bool = True,
    not_stated: str = NOT_STATED,
) -> RakeResult:
    """Rake with each weight kept within ``bounds`` times its starting weight.

    The starting weights are the design weights (default equal) scaled to the population
    total, so with equal design weights ``bounds=(0.2, 5)`` keeps every weight between a fifth
    of and five times the mean weight. Equals R's ``calibrate(design, ~a+b, pop, calfun="raking",
    bounds=c(0.2, 5))`` where ``design`` has those starting weights. ``tol`` is R's ``epsilon``:
    ``|misfit| / (1 + population)`` on every margin level. ``missing="margin"`` is not
    supported here (use ``"drop"``).

    Raises
    ------
    ConvergenceError
        If the bounds cannot be met (too tight) and ``strict`` is true.
    """
    lo, hi = (float(b) for b in bounds)
    if not 0 <= lo < 1 < hi:
        raise ValueError(f"bounds={bounds!r} must satisfy 0 <= lower < 1 < upper")
    if missing == "margin":
        raise ValueError("rake_bounded supports missing='drop' or 'error', not 'margin'")
    targets = targets_from(margins, variables)
    d = design_array(frame, design_weights)
    cells = build_cells(frame, {v: list(t.index) for v, t in targets.items()}, missing, d, not_stated)
    target_arrays = _check_targets(targets, cells)
    population = np.concatenate(target_arrays)
    scale = target_arrays[0].sum() / cells.design.sum()
    start = cells.design * scale
    g, n_iter, gap = _newton(_dummies(cells), start, population, lo, hi, tol, max_iter)
    at_bounds = (g <= lo * (1 + 1e-9)) | (g >= hi * (1 - 1e-9))
    result = finish(frame, cells, start * g, targets, d, kind="calibrate", tol=tol, max_iter=max_iter,
                    n_iter=n_iter, max_gap=gap, missing=missing, bounds=(lo, hi),
                    n_at_bounds=int(cells.counts[at_bounds].sum()))
    # variance needs the starting weights the bounds refer to (design weights x scale)
    result = replace(result, design=replace(result.design, design_weights=result.design.design_weights * scale))
    if strict and not result.converged:
        raise ConvergenceError(f"bounded raking with bounds {bounds!r} did not converge in {n_iter} Newton steps "
                               f"(max misfit {gap:.2e}); the bounds may be too tight for these margins",
                               ",".join(cells.variables), gap, n_iter)
    return result


def trim_to_design_effect(
    frame: pd.DataFrame,
    margins: MarginsLike,
    target: float,
    variables: Sequence[str] | None = None,
    *,
    lower: float = 0.0,
    steps: int = 40,
    **kwargs: object,
) -> RakeResult:
    """Rake with the smallest upper bound whose Kish design effect is at most ``target``.

    Bisection on the upper bound (relative to the starting weight) between 1 and the
    largest unbounded ratio; bounds that make the raking infeasible count as too tight.

    Raises
    ------
    WeightingError
        If even the tightest feasible bound does not reach ``target``.
    """
    if target < 1:
        raise ValueError(f"target design effect {target!r} must be at least 1")
    free = rake_bounded(frame, margins, (lower, 1e12), variables, **kwargs)  # type: ignore[arg-type]
    if free.diagnostics is not None and free.diagnostics.design_effect <= target:
        return free
    low, high = 1.0, float(free.diagnostics.max_ratio) * 1.01 + 1  # type: ignore[union-attr]
    best: RakeResult | None = None
    for _ in range(steps):
        mid = (low + high) / 2
        try:
            fit = rake_bounded(frame, margins, (lower, mid), variables, **kwargs)  # type: ignore[arg-type]
        except ConvergenceError:
            low = mid
            continue
        if describe_weights(fit.weights).design_effect <= target:
            best, high = fit, mid
        else:
            low = mid
    if best is None:
        raise WeightingError(f"no upper bound reaches design effect {target!r}; the unbounded design effect is "
                             f"{free.diagnostics.design_effect:.3f}")  # type: ignore[union-attr]
    logger.info("trimmed to design effect %.3f with upper bound %.3f", target, best.bounds[1])  # type: ignore[index]
    return best
