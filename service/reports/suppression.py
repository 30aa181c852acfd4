"""Small-cell suppression for published tables, with secondary suppression.

A count from 1 to ``min_cell - 1`` is *primarily* suppressed. Because tables publish their
bases (column totals) and, where a cross-tabulation is shown, row totals, a single hidden cell
in a line could be worked out by subtraction; so in every line (a group's column, or a
category's row when ``row_totals`` is true) that holds exactly one hidden cell, the smallest
other non-zero visible cell is hidden too (*secondary* suppression), repeated until no line has
a lone hidden cell. A whole group whose base is below ``min_cell`` is hidden, base included.
This follows the threshold-and-complementary-suppression rule of the ONS disclosure guidance
for tables of counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["suppression_mask", "suppress_shares", "SECONDARY", "SUPPRESSED"]

#: What a suppressed cell shows instead of its figure (formatted with the threshold).
SUPPRESSED = "<{min_cell}"
#: What a secondarily suppressed cell says: its count may be large, so no "fewer than" bound.
SECONDARY = "suppressed so that another hidden cell cannot be worked out"


def suppression_mask(counts: pd.DataFrame, min_cell: int, row_totals: bool = False,
                     bases: pd.Series | None = None) -> pd.DataFrame:
    """Which cells of a categories x groups table of counts must be hidden.

    Parameters
    ----------
    counts
        Rows are categories, columns are groups; values are whole counts.
    min_cell
        The smallest count that may be shown.
    row_totals
        Whether row totals are published too (then rows get secondary suppression as well).
    bases
        Each group's base (respondents answering), if it is not the column sum (multi-coded
        questions such as topics); a group whose base is below ``min_cell`` is hidden entirely.
    """
    values = counts.fillna(0).to_numpy(dtype=float)
    base = (bases.reindex(counts.columns).fillna(0).to_numpy(dtype=float) if bases is not None
            else values.sum(axis=0))
    hidden = (values > 0) & (values < min_cell)
    hidden[:, base < min_cell] = True
    changed = True
    while changed:
        changed = False
        for axis in ((0, 1) if row_totals else (0,)):
            changed |= _complement(values, hidden, axis)
    return pd.DataFrame(hidden, index=counts.index, columns=counts.columns)


def _complement(values: np.ndarray, hidden: np.ndarray, axis: int) -> bool:
    """Hide one more cell in each line (column when ``axis`` is 0, row when 1) with a lone hidden cell."""
    changed = False
    n_lines = values.shape[1 - axis]
    for i in range(n_lines):
        line_values = values[:, i] if axis == 0 else values[i, :]
        line_hidden = hidden[:, i] if axis == 0 else hidden[i, :]
        if line_hidden.sum() != 1 or line_hidden.all():
            continue
        candidates = np.where(~line_hidden & (line_values > 0))[0]
        if candidates.size == 0:
            continue
        pick = candidates[np.argmin(line_values[candidates])]
        if axis == 0:
            hidden[pick, i] = True
        else:
            hidden[i, pick] = True
        changed = True
    return changed


def suppress_shares(table: pd.DataFrame, min_cell: int, group: str = "group", category: str = "category",
                    row_totals: bool = False, multi_coded: bool = False) -> pd.DataFrame:
    """Blank the figures of hidden cells in a long table of shares and add a ``suppressed`` column.

    ``table`` has one row per (group, category) with ``n`` and ``base_n``; every figure column
    (``n``, ``pct`` and every interval, index or "responses needed" derived from them) of a hidden cell becomes missing,
    and ``base_n`` too when the whole group is below ``min_cell``. With ``multi_coded`` (topics:
    one answer may carry several) the bases are taken from ``base_n`` rather than summed, and
    no secondary suppression is needed within a group because counts do not add up to the base.
    ``suppression`` says why a cell is hidden: ``fewer than <min_cell>`` or :data:`SECONDARY`.
    """
    out = table.copy()
    if out.empty:
        out["suppressed"] = pd.Series(dtype=bool)
        return out
    counts = out.pivot_table(index=category, columns=group, values="n", aggfunc="sum", fill_value=0, sort=False)
    bases = out.groupby(group, sort=False)["base_n"].max()
    if multi_coded:
        values = counts.to_numpy(dtype=float)
        mask = (values > 0) & (values < min_cell)
        mask[:, bases.reindex(counts.columns).to_numpy(dtype=float) < min_cell] = True
        mask = pd.DataFrame(mask, index=counts.index, columns=counts.columns)
    else:
        mask = suppression_mask(counts, min_cell, row_totals=row_totals, bases=bases)
    out["suppressed"] = [bool(mask.at[c, g]) for g, c in zip(out[group], out[category])]
    primary = ((out["n"] > 0) & (out["n"] < min_cell)) | (out[group].map(bases) < min_cell)
    out["suppression"] = [("" if not hidden else f"fewer than {min_cell}" if first else SECONDARY)
                          for hidden, first in zip(out["suppressed"], primary)]
    # Every statistic derived from a hidden count goes with it: an interval's midpoint, an index or
    # a "responses needed" would give the count back.
    figures = [c for c in ("n", "pct", "weighted_pct", "ci_low", "ci_high", "weighted_ci_low", "weighted_ci_high",
                           "effective_n", "index", "responses_needed") if c in out.columns]
    out[figures] = out[figures].astype(float)
    out.loc[out["suppressed"], figures] = np.nan
    small = out[group].map(bases) < min_cell
    out["base_n"] = out["base_n"].astype(float)
    out.loc[small, "base_n"] = np.nan
    return out
