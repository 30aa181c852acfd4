"""Post-stratification of respondents to joint population cells (e.g. age band x sex).

Each respondent's weight is its design weight times ``population / weighted respondents``
of its cell, as in R's ``survey::postStratify``.

Collapsing rule for sparse cells (documented, logged, reported; never a hidden lump):
a cell is sparse when it has fewer than ``min_respondents`` respondents (default 1, i.e.
only empty cells). While a sparse group of cells remains, the group with the fewest
respondents (first in the cells table on ties) is merged with a neighbouring group: one
containing a cell that differs from one of its cells by one step in the level order of a
single variable, trying the variables in ``collapse_order`` (default: the order of the
columns) and, within a variable, the neighbour with fewer respondents (the lower level on
ties). Merged cells share one weight factor. Every merge is a row of
:attr:`PostStratResult.collapsed` and an INFO log line. ``min_respondents=0`` turns
collapsing off, and then an empty cell with population is an :class:`EmptyCategoryError`.

Missing demographics follow the same policies as :func:`weights.rake`: ``"margin"``
(default) keeps respondents lacking a cell variable as a group of their own carrying
their (design-weighted) share of the total, and post-stratifies the others to the cells
scaled to the rest; ``"drop"`` leaves them out (NaN weight); ``"error"`` raises.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from weights._cells import NOT_STATED, CellTable, build_cells
from weights.diagnostics import WeightDiagnostics, describe_weights
from weights.errors import CensusDataError, EmptyCategoryError, UnknownCategoryError
from weights.rake import CalibrationDesign, design_array

logger = logging.getLogger(__name__)

__all__ = ["PostStratResult", "poststratify"]


@dataclass(frozen=True)
class PostStratResult:
    """Post-stratified weights, the cell table and what was collapsed.

    Attributes
    ----------
    weights : pandas.Series
        Named ``weight``, aligned to the input index (NaN for respondents left out).
    cells : pandas.DataFrame
        One row per population cell: the variables, ``population``, ``n`` respondents,
        ``group`` (cells sharing a group were collapsed together) and ``factor``.
    collapsed : pandas.DataFrame
        One row per merge: ``cell``, ``merged_with``, ``along``, ``n``, ``population``.
    max_gap : float
        Largest relative gap between weighted and population totals over the groups.
    """

    weights: pd.Series
    cells: pd.DataFrame
    collapsed: pd.DataFrame
    variables: tuple[str, ...]
    max_gap: float
    missing_policy: str
    n_respondents: int
    n_used: int
    n_dropped: int
    n_missing: dict[str, int]
    diagnostics: WeightDiagnostics
    design: CalibrationDesign | None = field(default=None, repr=False, compare=False)

    @property
    def n_collapsed(self) -> int:
        """Number of merges made by the collapsing rule."""
        return len(self.collapsed)


def poststratify(
    frame: pd.DataFrame,
    cells: pd.DataFrame,
    variables: Sequence[str] | None = None,
    *,
    design_weights: str | Sequence[float] | None = None,
    min_respondents: int = 1,
    collapse_order: Sequence[str] | None = None,
    missing: str = "margin",
    not_stated: str = NOT_STATED,
) -> PostStratResult:
    """Post-stratify respondents to joint population cells.

    Parameters
    ----------
    frame : pandas.DataFrame
        Respondents, one column per cell variable.
    cells : pandas.DataFrame
        One column per variable plus ``population``; one row per cell.
    variables : sequence of str, optional
        Cell variables (default: every column of ``cells`` except ``population``).
    min_respondents : int
        Cells with fewer respondents are collapsed into neighbours (see module docstring).

    Raises
    ------
    UnknownCategoryError
        Respondents in a cell that is absent from ``cells`` or has no population.
    EmptyCategoryError
        A populated cell has no respondents and collapsing is off.
    """
    names = list(variables) if variables is not None else [c for c in cells.columns if c != "population"]
    table = _cell_table(cells, names)
    levels = {v: list(dict.fromkeys(table[v])) for v in names}
    d = design_array(frame, design_weights)
    grouped = build_cells(frame, levels, missing, d, not_stated)
    row_of_cell = _match_rows(grouped, table, levels)
    n = np.bincount(row_of_cell[row_of_cell >= 0], weights=grouped.counts[row_of_cell >= 0], minlength=len(table))
    dsum = np.bincount(row_of_cell[row_of_cell >= 0], weights=grouped.design[row_of_cell >= 0],
                       minlength=len(table))
    pop = table["population"].to_numpy(float)
    for i in np.flatnonzero((pop <= 0) & (n > 0)):
        name = _cell_name(table, names, int(i))
        raise UnknownCategoryError(f"{int(n[i])} respondent(s) in cell {name} which has no population", names[0], name)
    group, collapsed = _collapse(table, names, n, pop, min_respondents, collapse_order or names)
    empty = np.flatnonzero((np.bincount(group, weights=pop) > 0) & (np.bincount(group, weights=dsum) == 0))
    if len(empty):
        name = _cell_name(table, names, int(empty[0]))
        raise EmptyCategoryError(f"cell {name} has population {pop[empty[0]]:,.1f} but no respondents; allow "
                                 "collapsing (min_respondents=1) or merge categories", names[0], name)
    missing_cells = row_of_cell < 0
    total = pop.sum()
    missing_share = grouped.design[missing_cells].sum() / grouped.design.sum()
    gpop = np.bincount(group, weights=pop) * (1 - missing_share)
    gsum = np.bincount(group, weights=dsum)
    with np.errstate(divide="ignore", invalid="ignore"):
        gfactor = np.where(gsum > 0, gpop / gsum, 0.0)
    factor_cells = np.where(missing_cells, missing_share * total / max(grouped.design[missing_cells].sum(), 1e-300),
                            gfactor[group[np.maximum(row_of_cell, 0)]])
    stratum = np.where(missing_cells, group.max() + 1, group[np.maximum(row_of_cell, 0)])
    return _result(frame, grouped, factor_cells, stratum, d, table.assign(n=n, group=group, factor=gfactor[group]),
                   collapsed, names, missing, gpop, gsum * gfactor)


def _cell_table(cells: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    missing = [c for c in [*names, "population"] if c not in cells.columns]
    if missing:
        raise CensusDataError(f"cells table lacks columns {missing!r}; expected one column per variable plus "
                              "'population'")
    table = cells[[*names, "population"]].copy()
    for v in names:
        table[v] = table[v].astype(str)
    table["population"] = pd.to_numeric(table["population"], errors="raise").astype(float)
    dup = table[table.duplicated(names)]
    if not dup.empty:
        raise CensusDataError(f"cell {_cell_name(dup, names, 0)} appears more than once in the cells table")
    return table.reset_index(drop=True)


def _cell_name(table: pd.DataFrame, names: list[str], i: int) -> str:
    row = table.iloc[i]
    return ", ".join(f"{v}={row[v]!r}" for v in names)


def _match_rows(grouped: CellTable, table: pd.DataFrame, levels: dict[str, list[str]]) -> np.ndarray:
    """Row of ``table`` for each occupied cell; -1 where a variable is missing."""
    names = list(levels)
    lookup = {tuple(row): i for i, row in enumerate(table[names].itertuples(index=False, name=None))}
    rows = np.full(len(grouped.codes), -1, dtype=np.int64)
    for k, codes in enumerate(grouped.codes):
        if (codes >= np.array([len(levels[v]) for v in names])).any():
            continue
        key = tuple(levels[v][c] for v, c in zip(names, codes, strict=True))
        if key not in lookup:
            cell = ", ".join(f"{v}={x!r}" for v, x in zip(names, key, strict=True))
            raise UnknownCategoryError(f"{int(grouped.counts[k])} respondent(s) in cell {cell}, which is not in the "
                                       "cells table", names[0], cell)
        rows[k] = lookup[key]
    return rows


def _collapse(table: pd.DataFrame, names: list[str], n: np.ndarray, pop: np.ndarray, min_n: int,
              order: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group ids per cell after merging sparse groups into neighbours, and the merge log."""
    group = np.arange(len(table))
    active = pop > 0
    pos = {v: {lvl: i for i, lvl in enumerate(dict.fromkeys(table[v]))} for v in names}
    coords = np.array([[pos[v][x] for v, x in zip(names, row, strict=True)]
                       for row in table[names].itertuples(index=False, name=None)]).reshape(len(table), len(names))
    log = []
    while True:
        sizes = np.bincount(group[active], weights=n[active], minlength=len(table))
        sparse = [g for g in np.unique(group[active]) if sizes[g] < min_n]
        if not sparse:
            break
        g = min(sparse, key=lambda k: (sizes[k], k))
        target, along = _neighbour(g, group, coords, active, sizes, [names.index(v) for v in order])
        if target is None:
            raise EmptyCategoryError(f"cell {_cell_name(table, names, g)} has {int(sizes[g])} respondent(s) and no "
                                     "neighbouring cell to merge with", names[0], _cell_name(table, names, g))
        log.append((_cell_name(table, names, g), _cell_name(table, names, target), names[along],
                    int(sizes[g]), float(pop[group == g].sum())))
        logger.info("post-stratification: merged sparse cell %s (n=%d) into %s along %s",
                    log[-1][0], log[-1][3], log[-1][1], log[-1][2])
        group[group == g] = target
    return group, pd.DataFrame(log, columns=["cell", "merged_with", "along", "n", "population"])


def _neighbour(g: int, group: np.ndarray, coords: np.ndarray, active: np.ndarray, sizes: np.ndarray,
               order: list[int]) -> tuple[int | None, int]:
    members = coords[group == g]
    for j in order:
        candidates = []
        for step in (-1, 1):
            moved = members.copy()
            moved[:, j] += step
            hit = (coords[None, :, :] == moved[:, None, :]).all(axis=2).any(axis=0) & active & (group != g)
            candidates += [(sizes[group[i]], step, group[i]) for i in np.flatnonzero(hit)]
        if candidates:
            best = min(candidates)
            return int(best[2]), j
    return None, 0


def _result(frame: pd.DataFrame, grouped: CellTable, factor_cells: np.ndarray, stratum: np.ndarray,
            d: np.ndarray | None, cells: pd.DataFrame, collapsed: pd.DataFrame, names: list[str],
            missing: str, gpop: np.ndarray, gachieved: np.ndarray) -> PostStratResult:
    d_used = np.ones(len(grouped.index)) if d is None else d[grouped.kept]
    values = np.full(len(frame), np.nan)
    values[grouped.kept] = d_used * factor_cells[grouped.index]
    have = gpop > 0
    gap = float(np.max(np.abs(gachieved[have] - gpop[have]) / gpop[have])) if have.any() else 0.0
    strata = CellTable(("stratum",), (tuple(str(s) for s in np.unique(stratum)),), stratum[:, None],
                       grouped.index, grouped.kept, grouped.design, grouped.counts, grouped.n_missing)
    return PostStratResult(
        weights=pd.Series(values, index=frame.index, name="weight"), cells=cells, collapsed=collapsed,
        variables=tuple(names), max_gap=gap, missing_policy=missing, n_respondents=len(frame),
        n_used=int(grouped.kept.sum()), n_dropped=int((~grouped.kept).sum()), n_missing=grouped.n_missing,
        diagnostics=describe_weights(values), design=CalibrationDesign("poststratify", strata, d_used))
