"""When not to weight: a weighting result judged against plain limits, with the reason in words.

Weights that lean on a handful of people make figures less trustworthy, not more. A result is
not used when (any of):

- it did not converge (the margins are not met);
- a margin level rests on fewer than ``min_cell`` respondents, so a few people stand for a whole
  group of residents (the "not stated" level of :func:`weights.calibrate` is not counted: its
  total is the sample's own share, so it stands for no group of residents);
- Kish's design effect is above ``max_design_effect`` (the weighted figures are as precise as a
  sample ``1 / deff`` the size);
- a weight is more than ``max_weight`` times the mean weight.

Pages then show unweighted figures and print the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from weights._cells import NOT_STATED
from weights.diagnostics import describe_weights
from weights.poststratify import PostStratResult
from weights.rake import RakeResult

__all__ = ["WeightingAssessment", "assess_weighting"]


@dataclass(frozen=True)
class WeightingAssessment:
    """Whether a set of weights is fit to use, and if not, why (one sentence per reason)."""

    is_ok: bool
    reasons: tuple[str, ...]
    design_effect: float
    max_weight_ratio: float
    smallest_cell: int

    @property
    def message(self) -> str:
        """``"weighted"``, or ``"not weighted: "`` and every reason joined, for a page to print."""
        if self.is_ok:
            return "weighted"
        prefix = "not weighted: "
        parts = [r[len(prefix):] if r.startswith(prefix) else r for r in self.reasons]
        return prefix + "; ".join(p.rstrip(".") for p in parts) + "."


def assess_weighting(
    result: RakeResult | PostStratResult,
    *,
    max_design_effect: float = 3.0,
    max_weight: float = 10.0,
    min_cell: int = 10,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> WeightingAssessment:
    """Judge a weighting result: ok, or "not weighted: too few respondents in X to stand for Y" and similar.

    Parameters
    ----------
    result : RakeResult or PostStratResult
        From :func:`weights.rake`, :func:`weights.calibrate` or :func:`weights.poststratify`.
    max_design_effect : float
        Largest acceptable Kish design effect.
    max_weight : float
        Largest acceptable weight, as a multiple of the mean weight.
    min_cell : int
        Fewest respondents a margin level (post-stratification: a cell) may rest on.
    labels : mapping, optional
        Readable names per variable and level (``Margins.labels``), used in the reasons.
    """
    diag = describe_weights(result.weights)
    reasons = []
    converged = result.converged if isinstance(result, RakeResult) else result.max_gap < 1e-6
    if not converged:
        reasons.append(f"not weighted: the weights do not meet the margins (largest gap {result.max_gap:.1%}).")
    smallest = _small_levels(result, min_cell, reasons, labels or {})
    if diag.design_effect > max_design_effect:
        reasons.append(f"not weighted: the weights' design effect is {diag.design_effect:.2f} (limit "
                       f"{max_design_effect:g}), so {diag.n} responses would count as only {diag.effective_n:.0f}.")
    if diag.max_ratio > max_weight:
        reasons.append(f"not weighted: one respondent would count {diag.max_ratio:.1f} times the average "
                       f"(limit {max_weight:g}).")
    return WeightingAssessment(not reasons, tuple(reasons), diag.design_effect, diag.max_ratio, smallest)


def _small_levels(result: RakeResult | PostStratResult, min_cell: int, reasons: list[str],
                  labels: Mapping[str, Mapping[str, str]]) -> int:
    """Append a reason for each margin level (or cell) with fewer than ``min_cell`` respondents."""
    design = result.design
    if design is None:
        return -1
    cells = design.cells
    smallest = int(cells.counts.min())
    if design.kind == "poststratify":
        if smallest < min_cell:
            reasons.append(f"not weighted: too few respondents in {int((cells.counts < min_cell).sum())} "
                           f"cell(s) (fewest {smallest}, at least {min_cell} needed) to stand for their residents.")
        return smallest
    achieved = result.margins_achieved if isinstance(result, RakeResult) else None
    for j, variable in enumerate(cells.variables):
        counts = np.bincount(cells.codes[:, j], weights=cells.counts, minlength=len(cells.levels[j]) + 1)
        for level, count in zip(cells.levels[j], counts, strict=False):
            if level == NOT_STATED:  # those who did not say keep their own share: they stand for no residents
                continue
            smallest = min(smallest, int(count))
            if count < min_cell:
                row = None if achieved is None else achieved[(achieved["variable"] == variable)
                                                             & (achieved["level"] == level)]
                people = float(row["target"].iloc[0]) if row is not None and len(row) else float("nan")
                label = labels.get(variable, {}).get(level)
                name = label if label and label != level else f"{variable} {level}"
                reasons.append(f"not weighted: too few respondents in {name} ({int(count)}) to stand "
                               f"for {people:,.0f} residents; at least {min_cell} needed.")
    return smallest
