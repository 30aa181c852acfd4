"""Raking (iterative proportional fitting) of respondents to population margins.

Raking (Deming and Stephan, 1940) adjusts the weights so that the weighted count of
respondents in every level of every variable equals its population margin, by scaling
each variable's levels in turn until all margins hold. The fixed point is the same as
R's ``survey::rake`` (Lumley) and ``calibrate(calfun="raking")``.

Speed: respondents are collapsed to occupied cells (see ``weights._cells``) and the
cell table is raked; each respondent's weight is its design weight times its cell's
adjustment.

Missing demographics (``missing=``):

- ``"margin"`` (default): a respondent without a value for a variable is left out of that
  variable's adjustment and keeps the rest; the population shares of that variable are
  applied to the weighted total of the respondents who did state it. Every respondent gets
  a weight and the weights still sum to the population. Assumes the missing values are
  missing at random within the other variables.
- ``"drop"``: complete cases, as R does; excluded respondents get a missing (NaN) weight.
- ``"error"``: raise :class:`~weights.errors.MissingDemographicsError`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from weights._cells import NOT_STATED, CellTable, build_cells
from weights.diagnostics import WeightDiagnostics, describe_weights
from weights.errors import (
    ConvergenceError,
    EmptyCategoryError,
    UnknownCategoryError,
    WeightingError,
)
from weights.margins import Margins

logger = logging.getLogger(__name__)

__all__ = ["CalibrationDesign", "RakeResult", "check_enough", "rake", "targets_from"]

MarginsLike = Margins | Mapping[str, Mapping[str, float]] | pd.DataFrame


@dataclass(frozen=True)
class CalibrationDesign:
    """What variance estimation needs to know about how weights were made.

    ``kind`` is ``"raking"``, ``"poststratify"`` or ``"calibrate"`` (bounded raking).
    ``design_weights`` are the starting weights of the used respondents, in input order.
    """

    kind: str
    cells: CellTable
    design_weights: np.ndarray


@dataclass(frozen=True)
class RakeResult:
    """Raked weights and how they were reached.

    Attributes
    ----------
    weights : pandas.Series
        Named ``weight``, aligned to the input index; NaN for respondents left out
        (``missing="drop"``). Sums to the population total.
    converged : bool
        Whether every margin is within ``tol`` (relative) of its target.
    n_iter : int
        Full sweeps (raking) or Newton steps (bounded raking) used.
    max_gap : float
        Largest relative gap ``|achieved - target| / target`` over all margins.
    margins_achieved : pandas.DataFrame
        ``variable, level, target, achieved, gap`` for every margin level.
    n_respondents, n_used, n_dropped : int
        Input rows, rows weighted, rows left out for missing demographics.
    n_missing : dict[str, int]
        Respondents without a usable value, per variable.
    n_at_bounds : int
        Weights held at a bound (trimmed/capped), 0 without bounds.
    """

    weights: pd.Series
    converged: bool
    n_iter: int
    max_gap: float
    tol: float
    max_iter: int
    variables: tuple[str, ...]
    margins_achieved: pd.DataFrame
    missing_policy: str
    n_respondents: int
    n_used: int
    n_dropped: int
    n_missing: dict[str, int]
    method: str = "raking"
    bounds: tuple[float, float] | None = None
    n_at_bounds: int = 0
    diagnostics: WeightDiagnostics | None = None
    notes: tuple[str, ...] = ()
    design: CalibrationDesign | None = field(default=None, repr=False, compare=False)


def targets_from(margins: MarginsLike, variables: Sequence[str] | None = None) -> dict[str, pd.Series]:
    """Population per level for each variable, from :class:`Margins`, a mapping or a long frame."""
    if isinstance(margins, pd.DataFrame):
        margins = Margins(margins.assign(label=margins.get("label", margins["level"])),
                          float(margins.groupby("variable")["population"].sum().iloc[0]))
    if isinstance(margins, Margins):
        names = list(variables) if variables is not None else list(margins.variables)
        return {v: margins.population(v) for v in names}
    names = list(variables) if variables is not None else list(margins)
    out = {}
    for v in names:
        if v not in margins:
            raise KeyError(f"no margin for variable {v!r}; margins have {list(margins)!r}")
        s = pd.Series(margins[v], dtype=float)
        out[v] = pd.Series(s.to_numpy(), index=s.index.astype(str), name=v)
    return out


def _check_targets(targets: dict[str, pd.Series], cells: CellTable) -> list[np.ndarray]:
    """Target arrays aligned to cell codes; errors for empty or unpopulated categories."""
    totals = {v: float(t.sum()) for v, t in targets.items()}
    first = next(iter(totals.values()))
    for v, total in totals.items():
        if abs(total - first) > 1e-6 * first:
            raise ValueError(f"margin totals differ: {totals!r}; rescale them to one control total "
                             "(weights.read_margins does this)")
    out = []
    for j, v in enumerate(cells.variables):
        target = targets[v].to_numpy(float)
        present = np.bincount(cells.codes[:, j], weights=cells.counts, minlength=len(target) + 1)[:len(target)]
        for level, pop, n in zip(targets[v].index, target, present, strict=True):
            if pop > 0 and n == 0:
                raise EmptyCategoryError(
                    f"variable {v!r}: category {level!r} has population {pop:,.1f} but no respondents, so "
                    "raking cannot reach it; merge it with a neighbouring category or drop the variable",
                    v, str(level))
            if pop <= 0 and n > 0:
                raise UnknownCategoryError(
                    f"variable {v!r}: {int(n)} respondent(s) in category {level!r}, which has no population",
                    v, str(level))
        out.append(target)
    return out


def sweep(w: np.ndarray, codes: np.ndarray, targets: list[np.ndarray]) -> np.ndarray:
    """One raking sweep over all variables for a stack of cell weights ``w`` (replicates x cells).

    Respondents in the extra "missing" code of a variable keep their weight in that step;
    the others are scaled to the population shares times their own weighted total.
    """
    n_rep, n_cells = w.shape
    offsets = np.arange(n_rep)[:, None]
    for j, target in enumerate(targets):
        size = len(target) + 1
        sums = np.bincount((codes[:, j] + offsets * size).ravel(), weights=w.ravel(),
                           minlength=n_rep * size).reshape(n_rep, size)
        stated = sums[:, :-1]
        have = target > 0
        scale = (target.sum() - sums[:, -1]) / target.sum()  # share of the total stated
        factor = np.ones((n_rep, size))
        factor[:, :-1][:, have] = np.divide(target[have] * scale[:, None], stated[:, have],
                                            out=np.ones((n_rep, int(have.sum()))), where=stated[:, have] > 0)
        w *= np.take_along_axis(factor, np.broadcast_to(codes[:, j], (n_rep, n_cells)), axis=1)
    return w


def margin_gaps(w: np.ndarray, codes: np.ndarray, targets: list[np.ndarray]) -> np.ndarray:
    """Largest relative margin gap per replicate (rows of ``w``)."""
    n_rep = w.shape[0]
    offsets = np.arange(n_rep)[:, None]
    gap = np.zeros(n_rep)
    for j, target in enumerate(targets):
        size = len(target) + 1
        sums = np.bincount((codes[:, j] + offsets * size).ravel(), weights=w.ravel(),
                           minlength=n_rep * size).reshape(n_rep, size)
        have = target > 0
        wanted = target[have] * ((target.sum() - sums[:, -1]) / target.sum())[:, None]
        stated = sums[:, :-1][:, have]
        rel = np.where(stated > 0, np.abs(stated - wanted) / wanted, 0.0)  # empty levels cannot move
        gap = np.maximum(gap, rel.max(axis=1))
    return gap


def ipf(design: np.ndarray, codes: np.ndarray, targets: list[np.ndarray], tol: float,
        max_iter: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Rake cell weights (replicates x cells) until every relative margin gap is below ``tol``."""
    w = np.array(design, dtype=float, ndmin=2, copy=True)
    gaps = margin_gaps(w, codes, targets)
    n_iter = 0
    while n_iter < max_iter and gaps.max() >= tol:
        w = sweep(w, codes, targets)
        n_iter += 1
        gaps = margin_gaps(w, codes, targets)
    return w, n_iter, gaps


def achieved_table(cells: CellTable, cell_weights: np.ndarray, targets: dict[str, pd.Series]) -> pd.DataFrame:
    """Targets versus achieved weighted totals for every margin level."""
    rows = []
    for j, v in enumerate(cells.variables):
        got = np.bincount(cells.codes[:, j], weights=cell_weights, minlength=len(targets[v]) + 1)
        for k, (level, pop) in enumerate(targets[v].items()):
            rows.append((v, level, float(pop), float(got[k]), float(got[k] - pop)))
    return pd.DataFrame(rows, columns=["variable", "level", "target", "achieved", "gap"])


def design_array(frame: pd.DataFrame, design_weights: str | Sequence[float] | None) -> np.ndarray | None:
    """Design weights as an array, from a column name or a sequence (``None``: equal weights)."""
    if design_weights is None:
        return None
    values = frame[design_weights] if isinstance(design_weights, str) else design_weights
    d = np.asarray(values, dtype=float)
    if len(d) != len(frame) or not np.all(np.isfinite(d)) or (d <= 0).any():
        raise ValueError("design weights must be positive, finite and one per respondent")
    return d


def rake(
    frame: pd.DataFrame,
    margins: MarginsLike,
    variables: Sequence[str] | None = None,
    *,
    design_weights: str | Sequence[float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
    missing: str = "margin",
    strict: bool = True,
    not_stated: str = NOT_STATED,
) -> RakeResult:
    """Rake respondents to population margins by iterative proportional fitting.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent, one column per weighting variable (strings or categoricals;
        categoricals are fastest). ``not_stated`` or NaN means missing.
    margins : Margins, mapping ``{variable: {level: population}}`` or long DataFrame
        All variables must have the same total.
    variables : sequence of str, optional
        Variables to rake on (default: every variable in ``margins``).
    design_weights : str or sequence of float, optional
        Column name or values of starting weights (default: equal).
    tol : float
        Stop when every margin is within this relative gap of its target.
    max_iter : int
        Most full sweeps.
    missing : {"margin", "drop", "error"}
        Policy for respondents without a value (see the module docstring).
    strict : bool
        Raise :class:`ConvergenceError` when not converged (else report ``converged=False``).

    Returns
    -------
    RakeResult

    Raises
    ------
    EmptyCategoryError, UnknownCategoryError, MissingMarginError, MissingDemographicsError,
    ConvergenceError
    """
    targets = targets_from(margins, variables)
    d = design_array(frame, design_weights)
    cells = build_cells(frame, {v: list(t.index) for v, t in targets.items()}, missing, d, not_stated)
    check_enough(cells)
    target_arrays = _check_targets(targets, cells)
    w, n_iter, gaps = ipf(cells.design, cells.codes, target_arrays, tol, max_iter)
    result = finish(frame, cells, w[0], targets, d, tol=tol, max_iter=max_iter, n_iter=n_iter,
                    max_gap=float(gaps[0]), missing=missing, kind="raking")
    logger.info("raked %d respondents on %s: converged=%s after %d sweeps, max gap %.2e",
                result.n_used, list(targets), result.converged, n_iter, result.max_gap)
    if strict and not result.converged:
        worst = result.margins_achieved.assign(rel=lambda t: (t["gap"] / t["target"]).abs())
        row = worst.iloc[int(np.argmax(worst["rel"].to_numpy()))]
        raise ConvergenceError(
            f"raking did not converge in {n_iter} sweeps: variable {row['variable']!r} level "
            f"{row['level']!r} is {row['rel']:.2e} from its target (tol {tol:g}); raise max_iter, "
            "loosen tol or collapse sparse categories", str(row["variable"]), result.max_gap, n_iter)
    return result


def check_enough(cells: CellTable) -> tuple[str, ...]:
    """Refuse fewer than two respondents; a note for every margin level that rests on one respondent.

    R's ``rake`` refuses a single respondent too; a level with one respondent is allowed but
    that person's weight alone stands for the whole level, which the result must say.

    Raises
    ------
    WeightingError
        Fewer than two respondents can be weighted.
    """
    n_used = int(cells.kept.sum())
    if n_used < 2:
        raise WeightingError(f"raking needs at least 2 respondents with the weighting variables; got {n_used} "
                             "(with missing='drop', respondents missing any variable are left out)")
    notes = []
    for j, variable in enumerate(cells.variables):
        counts = np.bincount(cells.codes[:, j], weights=cells.counts, minlength=len(cells.levels[j]) + 1)
        for level, count in zip(cells.levels[j], counts, strict=False):
            if count == 1:
                notes.append(f"variable {variable!r}: level {level!r} has one respondent, whose weight alone "
                             "stands for everyone in that level; consider merging it with a neighbouring level")
    return tuple(notes)


def finish(frame: pd.DataFrame, cells: CellTable, cell_weights: np.ndarray, targets: dict[str, pd.Series],
           d: np.ndarray | None, *, kind: str, **fields: object) -> RakeResult:
    """Map cell weights back to respondents and assemble a :class:`RakeResult`."""
    factor = cell_weights / cells.design
    d_used = np.ones(len(cells.index)) if d is None else d[cells.kept]
    values = np.full(len(frame), np.nan)
    values[cells.kept] = d_used * factor[cells.index]
    weights = pd.Series(values, index=frame.index, name="weight")
    tol = float(fields.pop("tol"))  # type: ignore[arg-type]
    max_gap = float(fields.pop("max_gap"))  # type: ignore[arg-type]
    return RakeResult(
        weights=weights, converged=bool(max_gap < tol), tol=tol, max_gap=max_gap,
        variables=cells.variables, margins_achieved=achieved_table(cells, cell_weights, targets),
        missing_policy=str(fields.pop("missing")), n_respondents=len(frame), n_used=int(cells.kept.sum()),
        n_dropped=int((~cells.kept).sum()), n_missing=cells.n_missing,
        diagnostics=describe_weights(values), design=CalibrationDesign(kind, cells, d_used),
        method=kind, notes=check_enough(cells), **fields)  # type: ignore[arg-type]
