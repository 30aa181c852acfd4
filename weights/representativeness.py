"""Who answered versus who lives here: representativeness of a set of responses.

For each dimension (variable) the respondents who stated a value are compared with the
population margin. ``not_stated`` (and blank) answers are counted and shown separately:
they are never part of the shares, and never silently dropped.

Definitions (``n_g`` respondents in group g, ``N`` respondents who stated the variable,
``p_g`` population share, ``s_g = n_g / N`` sample share):

- representation index ``s_g / p_g`` (1 = parity, below 1 = under-represented);
- absolute gap ``s_g - p_g`` in percentage points;
- shortfall ``p_g * N - n_g``: responses the group lacks at the current total;
- responses needed ``ceil((p_g * N - n_g) / (1 - p_g))``: additional responses from group g
  alone (all other groups unchanged) that would raise its share to ``p_g``; it is larger
  than the shortfall because each new response also raises the total;
- chi-square goodness of fit of the stated counts to ``p_g * N`` (``scipy.stats.chisquare``);
- dissimilarity index ``0.5 * sum_g |s_g - p_g|``: the share of respondents who would have to
  move group to match the population;
- R-indicator (Schouten, Cobben and Bethlehem, 2009) ``R = 1 - 2 S(rho)``, where ``rho`` are
  response propensities. We have only population margins, so the propensity model is the
  main-effects log-linear model fitted by raking the complete cases to the margins: a
  respondent's raking weight ``w`` is the inverse of the estimated propensity. Propensities are
  scaled so the most responsive cell has propensity 1 (``rho = min(w) / w``; opt-in surveys
  reach a tiny fraction of residents, and unscaled propensities would always give R close
  to 1), and ``S`` is their standard deviation over the population (respondents weighted by
  ``w``). We also report the coefficient of variation of the propensities, which does not
  depend on that scaling.

Labels follow one printed rule (:data:`RULE`, returned on every result as ``rule`` so pages can
print it): a group is under- or over-represented when the Wilson interval of its share of
respondents excludes its share of residents *and* the gap is at least ``min_gap_points``
percentage points (default 5); otherwise "about right". The index alone is not used: with
small groups a large index can be noise, and with large groups a 1.2 index can be 16 points.
Summary lines are written for every labelled group and for "not stated"; tables are sorted by
responses needed (largest first) and carry every group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from weights._cells import NOT_STATED
from weights.errors import WeightingError
from weights.margins import Margins
from weights.rake import rake
from weights.shares import wilson_interval

__all__ = ["RULE", "DimensionComparison", "RepresentativenessResult", "compare_to_census", "responses_needed"]

_COLUMNS = ["level", "label", "n", "base_n", "sample_pct", "sample_ci_low_pct", "sample_ci_high_pct",
            "population_pct", "representation_index", "gap_pct_points", "representation", "shortfall",
            "responses_needed"]
RULE = ("A group is called under- or over-represented when the {level:.0%} Wilson interval of its share of "
        "respondents excludes its share of residents and the two differ by at least {gap:g} percentage points; "
        "otherwise its representation is called about right.")


def responses_needed(n_group: int, n_total: int, population_share: float) -> int:
    """Extra responses from one group alone that would raise its share of respondents to ``population_share``.

    ``ceil((p N - n) / (1 - p))``, 0 when the group already reaches its share. Each new response
    also raises the total, hence the division by ``1 - p``; this is the one formula for
    "responses needed" everywhere.

    Raises
    ------
    ValueError
        ``population_share`` is not in [0, 1), or the counts are impossible.
    """
    if not 0 <= population_share < 1:
        raise ValueError(f"population_share={population_share!r} must be at least 0 and below 1")
    if n_group < 0 or n_total < n_group:
        raise ValueError(f"need 0 <= n_group <= n_total, got n_group={n_group!r}, n_total={n_total!r}")
    needed = (population_share * n_total - n_group) / (1 - population_share)
    return max(0, math.ceil(needed - 1e-9))  # 1e-9: shares like 0.2 are not exact in binary


@dataclass(frozen=True)
class DimensionComparison:
    """Sample versus population for one variable.

    ``table`` has one row per margin level (plus levels found only in the sample) with
    columns ``level, label, n, base_n, sample_pct, population_pct, representation_index,
    gap_pct_points, shortfall, responses_needed``; ``base_n`` is the number of respondents
    who stated the variable, the base of ``sample_pct``.
    """

    variable: str
    table: pd.DataFrame
    n_respondents: int
    n_stated: int
    n_not_stated: int
    chi_square: float
    degrees_of_freedom: int
    p_value: float
    dissimilarity: float
    summary: tuple[str, ...]
    rule: str = ""


@dataclass(frozen=True)
class RepresentativenessResult:
    """Representativeness of a set of responses on several dimensions.

    ``r_indicator`` and ``propensity_cv`` are ``None`` with fewer than two dimensions or
    when the propensity model could not be fitted (the reason is in ``notes``).
    """

    dimensions: tuple[DimensionComparison, ...]
    n_respondents: int
    r_indicator: float | None
    propensity_cv: float | None
    caveats: tuple[str, ...]
    notes: tuple[str, ...]
    rule: str = ""

    @property
    def summary(self) -> tuple[str, ...]:
        """Every dimension's plain-English lines, in order."""
        return tuple(line for dim in self.dimensions for line in dim.summary)

    def to_frame(self) -> pd.DataFrame:
        """All dimensions' tables stacked, with a ``variable`` column first."""
        return pd.concat([d.table.assign(variable=d.variable) for d in self.dimensions],
                         ignore_index=True)[["variable", *_COLUMNS]]


def compare_to_census(
    sample: pd.DataFrame,
    margins: Margins,
    variables: Sequence[str] | None = None,
    *,
    not_stated: str = NOT_STATED,
    min_gap_points: float = 5.0,
    level: float = 0.95,
) -> RepresentativenessResult:
    """Compare respondents with population margins, dimension by dimension, labelling groups by :data:`RULE`.

    Parameters
    ----------
    sample : pandas.DataFrame
        One row per respondent with a column per variable; NaN or ``not_stated`` = not stated.
    margins : Margins
        Population margins (e.g. from :func:`weights.build_margins` or :func:`weights.read_margins`).
    variables : sequence of str, optional
        Dimensions to compare (default: the margin variables that are columns of ``sample``).
    min_gap_points : float
        Smallest gap, in percentage points, that earns an under/over-represented label.
    level : float
        Confidence level of the Wilson interval of each sample share.

    Returns
    -------
    RepresentativenessResult
        With ``rule``, the sentence that says how the labels were given.
    """
    names = list(variables) if variables is not None else [v for v in margins.variables if v in sample.columns]
    for v in names:
        if v not in sample.columns:
            raise KeyError(f"variable {v!r} is not a column of the sample (columns: {list(sample.columns)!r})")
    rule = RULE.format(level=level, gap=min_gap_points)
    dims = tuple(_compare_one(sample[v], v, margins, not_stated, min_gap_points, level, rule) for v in names)
    r_ind, cv, notes = _r_indicator(sample, margins, names, not_stated)
    return RepresentativenessResult(dims, len(sample), r_ind, cv, margins.caveats, notes, rule)


def _label(n: int, base: int, p: float, min_gap_points: float, level: float) -> tuple[float, float, str]:
    """Wilson interval (in %) of one group's sample share and its label under the rule."""
    low, high = wilson_interval(n, base, level)
    share = n / base if base else math.nan
    if p == 0:
        return 100 * low, 100 * high, "no population"
    if base and high < p and 100 * (p - share) >= min_gap_points:
        return 100 * low, 100 * high, "under-represented"
    if base and low > p and 100 * (share - p) >= min_gap_points:
        return 100 * low, 100 * high, "over-represented"
    return 100 * low, 100 * high, "about right"


def _compare_one(values: pd.Series, variable: str, margins: Margins, not_stated: str, min_gap_points: float,
                 level: float, rule: str) -> DimensionComparison:
    population = margins.population(variable)
    labels = margins.labels(variable)
    text = values.astype("string")
    stated = text[text.notna() & (text != not_stated)]
    counts = stated.value_counts()
    extra = [lvl for lvl in counts.index if lvl not in population.index]
    levels = list(population.index) + extra
    n = np.array([int(counts.get(lvl, 0)) for lvl in levels])
    p = np.append(population.to_numpy() / population.sum(), np.zeros(len(extra)))
    base = int(n.sum())
    share = n / base if base else np.zeros(len(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(p > 0, share / p, np.nan)
    needed = [responses_needed(int(k), base, float(q)) if q > 0 else 0 for k, q in zip(n, p, strict=True)]
    marks = [_label(int(k), base, float(q), min_gap_points, level) for k, q in zip(n, p, strict=True)]
    table = pd.DataFrame({
        "level": levels, "label": [labels.get(lvl, lvl) for lvl in levels], "n": n, "base_n": base,
        "sample_pct": 100 * share, "sample_ci_low_pct": [m[0] for m in marks],
        "sample_ci_high_pct": [m[1] for m in marks], "population_pct": 100 * p, "representation_index": index,
        "gap_pct_points": 100 * (share - p), "representation": [m[2] for m in marks],
        "shortfall": p * base - n, "responses_needed": np.array(needed, dtype=int),
    }).sort_values("responses_needed", ascending=False, kind="stable").reset_index(drop=True)
    chi2, dof, pval = _chi_square(n, p, base)
    summary = _summary(variable, table, len(values) - base, len(values))
    return DimensionComparison(variable, table, len(values), base, len(values) - base, chi2, dof, pval,
                               float(0.5 * np.abs(share - p).sum()), summary, rule)


def _chi_square(n: np.ndarray, p: np.ndarray, base: int) -> tuple[float, int, float]:
    """Goodness of fit over levels with population; NaN when it cannot be computed."""
    if base == 0 or (n[p == 0] > 0).any() or (p > 0).sum() < 2:
        return math.nan, 0, math.nan
    have = p > 0
    result = stats.chisquare(n[have], p[have] / p[have].sum() * base)
    return float(result.statistic), int(have.sum() - 1), float(result.pvalue)


_NOUNS = {"age_band": "age", "age": "age", "sex": "sex", "ethnic_group": "ethnic group", "ethnicity": "ethnic group",
          "ward": "ward"}


def _describe(variable: str, level: str, label: str) -> str:
    if variable == "age_band":
        return f"People aged {level}"
    if variable == "sex" and level in ("female", "male"):
        return {"female": "Women", "male": "Men"}[level]
    if variable in ("ethnic_group", "ethnicity"):
        return f"People in the ethnic group {label!s}"
    if variable == "ward":
        return f"Residents of {label} ward" if label != level else f"Residents of ward {level}"
    return f"{variable} = {label}"


def _summary(variable: str, table: pd.DataFrame, n_not_stated: int, n_all: int) -> tuple[str, ...]:
    lines = []
    for rec in table.to_dict("records"):
        who = _describe(variable, str(rec["level"]), str(rec["label"]))
        needed, mark = int(rec["responses_needed"]), rec["representation"]
        head = (f"{who} are {rec['sample_pct']:.0f}% of respondents (n={rec['n']} of {rec['base_n']}) and "
                f"{rec['population_pct']:.0f}% of residents")
        if mark == "no population":
            lines.append(f"{who}: {rec['n']} respondent(s) in a category with no population in the margins.")
        elif mark == "under-represented":
            lines.append(f"{head}: about {needed} more responses from this group would close the gap.")
        elif mark == "over-represented":
            lines.append(f"{head}: over-represented by {rec['gap_pct_points']:.0f} percentage points.")
        elif rec["sample_ci_high_pct"] < rec["population_pct"] or rec["sample_ci_low_pct"] > rec["population_pct"]:
            more = f"; {needed} more responses from this group would close it" if needed else ""
            lines.append(f"{head}: a gap of {abs(rec['gap_pct_points']):.1f} percentage points, too small to be "
                         f"called under- or over-represented by the rule{more}.")
    if n_not_stated:
        lines.append(f"{n_not_stated} of {n_all} respondents ({100 * n_not_stated / n_all:.0f}%) did not state their "
                     f"{_NOUNS.get(variable, variable)}; they are left out of the shares above.")
    return tuple(lines)


def _r_indicator(sample: pd.DataFrame, margins: Margins, names: list[str],
                 not_stated: str) -> tuple[float | None, float | None, tuple[str, ...]]:
    if len(names) < 2:
        return None, None, ("R-indicator needs at least two dimensions.",)
    try:
        fit = rake(sample, margins.select(names), missing="drop", not_stated=not_stated, strict=True,
                   tol=1e-8, max_iter=2000)
    except WeightingError as exc:
        return None, None, (f"R-indicator not computed: {exc}",)
    w = fit.weights.dropna().to_numpy()
    rho = w.min() / w
    mean = np.average(rho, weights=w)
    sd = math.sqrt(np.average((rho - mean) ** 2, weights=w))
    note = (f"R-indicator from a main-effects propensity model (raking) on {', '.join(names)} using "
            f"{fit.n_used} complete cases; propensities scaled so the most responsive cell is 1.")
    return 1 - 2 * sd, sd / mean, (note,)
