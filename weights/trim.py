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
- :func:`trim_to_design_effect` finds, by bisection, the largest upper bound (least trimming)
  for which the bounded raking reaches a target Kish design effect.
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
from weights.rake import (
    MarginsLike,
    RakeResult,
    _check_targets,
    check_enough,
    design_array,
    finish,
    targets_from,
)

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


def _model_matrix(cells: CellTable, targets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Cell model matrix and population totals coded as R's ``model.matrix(~a+b+...)``.

    Intercept plus one indicator per level except the first of each variable (treatment
    coding), so that the Newton iterations are R's ``grake`` step for step.
    """
    blocks = [np.ones((len(cells.codes), 1))]
    totals = [targets[0].sum()]
    for j, target in enumerate(targets):
        blocks.append((cells.codes[:, j][:, None] == np.arange(1, len(target))[None, :]).astype(float))
        totals.extend(target[1:])
    return np.hstack(blocks), np.asarray(totals, dtype=float)


def _newton(mm: np.ndarray, ww: np.ndarray, population: np.ndarray, lo: float, hi: float, tol: float,
            max_iter: int) -> tuple[np.ndarray, int, float]:
    """Solve sum_c mm_c ww_c clip(exp(mm_c' eta), lo, hi) = population by Newton steps (as R's grake)."""
    eta = np.zeros(mm.shape[1])
    misfit = population - mm.T @ ww
    gap = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
    n_iter = 0
    while gap >= tol and n_iter < max_iter:
        u = mm @ eta
        # R's cal.raking$dF tests u against bound - 1 (not log(bound)); copied so the Newton path is R's.
        # The solution does not depend on it, only the steps taken to reach it.
        deriv = np.where((u < hi - 1) & (u > lo - 1), np.exp(np.minimum(u, 700)), 0.0)
        tmat = (mm * (ww * deriv)[:, None]).T @ mm
        eta = eta + np.linalg.pinv(tmat, rtol=256 * np.finfo(float).eps) @ misfit
        g = np.clip(np.exp(np.minimum(mm @ eta, 700)), lo, hi)
        misfit = population - mm.T @ (ww * g)
        gap = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
        n_iter += 1
    return np.clip(np.exp(np.minimum(mm @ eta, 700)), lo, hi), n_iter, gap


def _bounded_ipf(codes: np.ndarray, ww: np.ndarray, targets: list[np.ndarray], lo: float, hi: float,
                 tol: float, max_iter: int) -> tuple[np.ndarray, int, float]:
    """Bounded raking by exact block updates of the dual (one variable at a time).

    For each level, the cells' common log-factor is moved so that the free cells (ratio strictly
    inside the bounds) make up what the cells held at a bound do not; repeated until the set
    at the bounds is stable. Same solution as the Newton iterations, but it does not oscillate.
    """
    u = np.zeros(len(ww))
    gap, n_iter = np.inf, 0
    while n_iter < max_iter:
        for j, target in enumerate(targets):
            col = codes[:, j]
            for _ in range(30):
                g = np.clip(np.exp(np.minimum(u, 700)), lo, hi)
                free = (g > lo) & (g < hi)
                held = np.bincount(col, weights=np.where(free, 0.0, ww * g), minlength=len(target) + 1)[:-1]
                base = np.bincount(col, weights=np.where(free, ww * g, 0.0), minlength=len(target) + 1)[:-1]
                want = np.maximum(target - held, 0.0)
                shift = np.log(np.divide(want, base, out=np.ones_like(base), where=base > 0) + 1e-300)
                shift = np.append(np.where(base > 0, shift, np.where(held > target, -1.0, 1.0)), 0.0)
                u = u + shift[col]
                if np.abs(shift).max() < 1e-14:
                    break
        n_iter += 1
        g = np.clip(np.exp(np.minimum(u, 700)), lo, hi)
        gap = max(float(np.max(np.abs(np.bincount(codes[:, j], weights=ww * g, minlength=len(t) + 1)[:-1] - t)
                               / (1 + t))) for j, t in enumerate(targets))
        if gap < tol:
            break
    return np.clip(np.exp(np.minimum(u, 700)), lo, hi), n_iter, gap


def rake_bounded(
    frame: pd.DataFrame,
    margins: MarginsLike,
    bounds: tuple[float, float],
    variables: Sequence[str] | None = None,
    *,
    design_weights: str | Sequence[float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
    missing: str = "drop",
    strict: bool = True,
    not_stated: str = NOT_STATED,
    method: str = "ipf",
) -> RakeResult:
    """Rake with each weight kept within ``bounds`` times its starting weight.

    The starting weights are the design weights (default equal) scaled to the population
    total, so with equal design weights ``bounds=(0.2, 5)`` keeps every weight between a fifth
    of and five times the mean weight. Equals R's ``calibrate(design, ~a+b, pop, calfun="raking",
    bounds=c(0.2, 5))`` where ``design`` has those starting weights. ``tol`` is R's ``epsilon``:
    ``|misfit| / (1 + population)`` on every margin level. ``missing="margin"`` is not
    supported here (use ``"drop"``). ``method="ipf"`` (default) updates one variable at a
    time and converges reliably; ``method="newton"`` takes R's ``grake`` Newton steps exactly
    (including R's derivative test), which can oscillate when many weights sit at a bound.

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
    check_enough(cells)
    target_arrays = _check_targets(targets, cells)
    scale = target_arrays[0].sum() / cells.design.sum()
    start = cells.design * scale
    if method == "newton":
        mm, population = _model_matrix(cells, target_arrays)
        g, n_iter, gap = _newton(mm, start, population, lo, hi, tol, max_iter)
    elif method == "ipf":
        g, n_iter, gap = _bounded_ipf(cells.codes, start, target_arrays, lo, hi, tol, max_iter)
    else:
        raise ValueError(f"method={method!r}; expected 'ipf' or 'newton'")
    at_bounds = (g <= lo * (1 + 1e-9)) | (g >= hi * (1 - 1e-9))
    result = finish(frame, cells, start * g, targets, d, kind="calibrate", tol=tol, max_iter=max_iter,
                    n_iter=n_iter, max_gap=gap, missing=missing, bounds=(lo, hi),
                    n_at_bounds=int(cells.counts[at_bounds].sum()))
    # variance needs the starting weights the bounds refer to (design weights x scale)
    if result.design is not None:
        design = replace(result.design, design_weights=result.design.design_weights * scale)
        result = replace(result, design=design)
    if strict and not result.converged:
        raise ConvergenceError(f"bounded raking with bounds {bounds!r} did not converge in {n_iter} iterations "
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
    """Rake with the largest upper bound (least trimming) whose Kish design effect is at most ``target``.

    Bisection on the upper bound (relative to the starting weight) between 1 and the
    largest unbounded ratio; bounds that make the raking infeasible count as too tight.

    Raises
    ------
    WeightingError
        If even the tightest feasible bound does not reach ``target``.
    """
    if target < 1:
        raise ValueError(f"target design effect {target!r} must be at least 1")
    kwargs.setdefault("max_iter", 200)
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
            best, low = fit, mid  # meets the target: try trimming less
        else:
            high = mid
    if best is None:
        raise WeightingError(f"no upper bound reaches design effect {target!r}; the unbounded design effect is "
                             f"{free.diagnostics.design_effect:.3f}")  # type: ignore[union-attr]
    logger.info("trimmed to design effect %.3f with upper bound %.3f", target, best.bounds[1])  # type: ignore[index]
    return best
