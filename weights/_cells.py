"""Collapse respondents to unique cells of the weighting variables.

Raking and post-stratification only depend on which cell (combination of levels) a
respondent is in, so the work is done on the table of occupied cells (at most a few
thousand rows) and the cell weights are mapped back to respondents. This is what makes
raking a million respondents take milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from weights.errors import MissingDemographicsError, MissingMarginError, UnknownCategoryError

MISSING_POLICIES = ("margin", "drop", "error")
NOT_STATED = "not_stated"
_DENSE_LIMIT = 20_000_000  # largest mixed-radix key space counted with bincount


@dataclass(frozen=True)
class CellTable:
    """Respondents grouped into occupied cells.

    Attributes
    ----------
    variables : tuple[str, ...]
        The weighting variables, in order.
    levels : tuple[tuple[str, ...], ...]
        Levels of each variable; code ``len(levels[v])`` means "missing" (policy ``margin``).
    codes : numpy.ndarray
        ``(n_cells, n_variables)`` level code of each cell.
    index : numpy.ndarray
        Cell of each kept respondent, in input order.
    kept : numpy.ndarray
        Boolean mask over the input rows: respondents used in weighting.
    design : numpy.ndarray
        Sum of design weights per cell.
    counts : numpy.ndarray
        Respondents per cell.
    n_missing : dict[str, int]
        Respondents with no usable value, per variable (before any dropping).
    """

    variables: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    codes: np.ndarray
    index: np.ndarray
    kept: np.ndarray
    design: np.ndarray
    counts: np.ndarray
    n_missing: dict[str, int]


def encode_column(values: pd.Series, variable: str, levels: pd.Index, not_stated: str) -> np.ndarray:
    """Integer code of each value in ``levels``; ``-1`` for missing (NaN or ``not_stated``).

    Raises
    ------
    UnknownCategoryError
        A value is neither a level nor missing.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        uniques = pd.Index(values.cat.categories.astype(str))
        raw = values.cat.codes.to_numpy()
    else:
        raw, uniques = pd.factorize(values, use_na_sentinel=True)
        uniques = pd.Index(pd.Index(uniques).astype(str))
    mapping = levels.get_indexer(uniques)
    is_missing = uniques == not_stated
    unknown = (mapping < 0) & ~is_missing
    if unknown.any():
        used = np.bincount(raw[raw >= 0], minlength=len(uniques))
        bad = [(u, int(c)) for u, c, flag in zip(uniques, used, unknown, strict=True) if flag and c > 0]
        if bad:
            raise UnknownCategoryError(
                f"variable {variable!r}: {bad[0][1]} respondent(s) have category {bad[0][0]!r}, which has no "
                f"population in the margins (levels {list(levels)!r}); recode it to a margin level or "
                f"{not_stated!r}", variable, bad[0][0])
    lookup = np.append(np.where(mapping < 0, -1, mapping), -1)  # raw == -1 (NaN) -> last entry
    return lookup[raw].astype(np.int64)


def build_cells(
    frame: pd.DataFrame,
    levels: Mapping[str, Sequence[str]],
    missing: str,
    design_weights: np.ndarray | None = None,
    not_stated: str = NOT_STATED,
) -> CellTable:
    """Group the rows of ``frame`` into occupied cells of the variables in ``levels``.

    Parameters
    ----------
    missing : {"margin", "drop", "error"}
        ``margin``: keep respondents, with a separate "missing" code per variable;
        ``drop``: leave out respondents missing any variable (complete cases);
        ``error``: raise :class:`MissingDemographicsError`.
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing={missing!r}; expected one of {list(MISSING_POLICIES)!r}")
    variables = tuple(levels)
    for variable in variables:
        if variable not in frame.columns:
            raise MissingMarginError(f"weighting variable {variable!r} is not a column of the respondents "
                                     f"(columns: {list(frame.columns)!r})", variable)
    indexes = [pd.Index([str(x) for x in levels[v]]) for v in variables]
    columns = [encode_column(frame[v], v, idx, not_stated) for v, idx in zip(variables, indexes, strict=True)]
    n_missing = {v: int((c < 0).sum()) for v, c in zip(variables, columns, strict=True)}
    kept = np.ones(len(frame), dtype=bool)
    for variable, col in zip(variables, columns, strict=True):
        if n_missing[variable] and missing == "error":
            raise MissingDemographicsError(
                f"variable {variable!r}: {n_missing[variable]} respondent(s) are {not_stated!r} or blank; "
                "use missing='drop' (complete cases) or missing='margin'", variable, n_missing[variable])
        if missing == "drop":
            kept &= col >= 0
    sizes = np.array([len(idx) + 1 for idx in indexes], dtype=np.int64)
    key = np.zeros(int(kept.sum()), dtype=np.int64)
    for col, size in zip(columns, sizes, strict=True):
        c = col[kept] if missing == "drop" else col
        key *= size
        key += np.where(c < 0, size - 1, c)
    d = np.ones(len(key)) if design_weights is None else np.asarray(design_weights, float)[kept]
    cell_keys, index, counts, design = _group(key, int(np.prod(sizes)), d)
    codes = np.empty((len(cell_keys), len(variables)), dtype=np.int64)
    rest = cell_keys.copy()
    for j in range(len(variables) - 1, -1, -1):
        rest, codes[:, j] = np.divmod(rest, sizes[j])
    return CellTable(variables, tuple(tuple(idx) for idx in indexes), codes, index, kept, design, counts, n_missing)


def _group(key: np.ndarray, space: int, d: np.ndarray) -> tuple[np.ndarray, ...]:
    """Occupied keys, cell of each row, respondents and design weight per cell."""
    if space <= _DENSE_LIMIT:
        counts = np.bincount(key, minlength=space)
        cell_keys = np.flatnonzero(counts)
        lookup = np.zeros(space, dtype=np.int64)
        lookup[cell_keys] = np.arange(len(cell_keys))
        index = lookup[key]
        design = np.bincount(index, weights=d, minlength=len(cell_keys))
        return cell_keys, index, counts[cell_keys], design
    cell_keys, index, counts = np.unique(key, return_inverse=True, return_counts=True)
    design = np.bincount(index, weights=d, minlength=len(cell_keys))
    return cell_keys, index, counts, design
