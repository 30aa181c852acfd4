"""Collapsing thin categories before weighting, and what to drop when that is not enough.

A weighting variable whose category rests on fewer than ``min_cell`` respondents makes a few
people stand for a whole group of residents. The standard remedy, before giving up, is to merge
thin categories with their neighbours and the census margin the same way (Kalton and
Flores-Cervantes 2003, "Weighting methods", Journal of Official Statistics 19(2), section 5):

- ethnicity (the ONS detailed groups): thin groups merge within their ONS high-level group
  (e.g. Black African with Black Caribbean), then, if still thin, into the whole high-level group;
- ethnic group (the ONS high-level groups, and what ethnicity becomes after the first step):
  thin groups other than White merge together, and if that is still thin every group other than
  White joins them, named in words ("Asian, Black, Mixed and Other ethnic groups together");
- age bands: the thinnest band merges with its thinner neighbour, until every band is thick
  enough or one band is left;
- sex and ward: nothing is merged (a ward has no natural neighbour here); such a variable can
  only be dropped.

Every merge is a :class:`CollapseStep` with a sentence a methods section can print. The result
depends only on the counts per category and the margins, never on the order of respondents,
categories or margin rows. "Not stated" is never merged: it stands for no residents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from weights._cells import NOT_STATED
from weights.assess import WeightingAssessment, assess_weighting
from weights.calibrate import calibrate
from weights.errors import WeightingError
from weights.margins import Margins, parse_age_band
from weights.rake import RakeResult

__all__ = ["CollapseStep", "Collapsed", "CollapsedFit", "calibrate_collapsing", "collapse_thin", "thin_levels",
           "variable_words"]

#: ONS 2021 high-level ethnic groups, short names for sentences.
GROUP_WORDS = {"H1": "Asian", "H2": "Black", "H3": "Mixed", "H4": "White", "H5": "Other"}
WHITE = "H4"
MINORITY = "minority"
_WORDS = {"age_band": "age", "sex": "sex", "ethnic_group": "ethnic group", "ethnicity": "ethnicity", "ward": "ward"}


def variable_words(variable: str) -> str:
    """The variable's name in words ("age_band" -> "age")."""
    return _WORDS.get(variable, variable.replace("_", " "))


@dataclass(frozen=True)
class CollapseStep:
    """Categories of one variable merged into one, with the respondents they held."""

    variable: str
    merged: tuple[str, ...]
    into: str
    label: str
    n: int
    thin: str = ""  # the thin level that made two age bands merge ("" for ethnic groups)

    @property
    def sentence(self) -> str:
        """E.g. "ethnic groups other than White combined, because only 11 respondents were from them"."""
        people = "respondent was" if self.n == 1 else "respondents were"
        if self.variable == "age_band":
            return f"ages {' and '.join(self.merged)} combined as {self.label}, because only {self.n} {people} aged {self.thin}"
        what = "ethnic groups other than White" if self.into == MINORITY else self.label.removesuffix(" together")
        return f"{what} combined, because only {self.n} {people} from them"

    def as_json(self) -> dict[str, object]:
        """Plain JSON for a stored run."""
        return {"variable": self.variable, "merged": list(self.merged), "into": self.into, "label": self.label,
                "n": self.n, "sentence": self.sentence}


@dataclass(frozen=True)
class Collapsed:
    """Respondents and margins with thin categories merged, the steps taken, and what is still thin."""

    frame: pd.DataFrame
    margins: Margins
    steps: tuple[CollapseStep, ...]
    still_thin: Mapping[str, Mapping[str, int]]


def _counts(frame: pd.DataFrame, margins: Margins, variable: str) -> dict[str, int]:
    values = frame[variable].astype("string")
    found = values.value_counts(dropna=True).to_dict()
    return {level: int(found.get(level, 0)) for level in margins.population(variable).index if level != NOT_STATED}


def thin_levels(frame: pd.DataFrame, margins: Margins, min_cell: int) -> dict[str, dict[str, int]]:
    """Per variable, its margin levels (not "not stated") with fewer than ``min_cell`` respondents."""
    out = {}
    for variable in margins.variables:
        thin = {level: n for level, n in _counts(frame, margins, variable).items() if n < min_cell}
        if thin:
            out[variable] = thin
    return out


class _Work:
    """The frame and margins table being collapsed, and the steps so far."""

    def __init__(self, frame: pd.DataFrame, margins: Margins) -> None:
        self.frame = frame.copy()
        self.margins = margins
        self.table = margins.table.copy()
        self.steps: list[CollapseStep] = []

    def counts(self, variable: str) -> dict[str, int]:
        return _counts(self.frame, self._margins(), variable)

    def _margins(self) -> Margins:
        return Margins(self.table, self.margins.control_total, self.margins.description, self.margins.adjustments,
                       self.margins.caveats)

    def merge(self, variable: str, levels: list[str], into: str, label: str, thin: str = "") -> None:
        """Merge ``levels`` of ``variable`` into ``into`` in the respondents and the margins."""
        counts = self.counts(variable)
        n = counts[thin] if thin else sum(counts[level] for level in levels)
        column = self.frame[variable].astype("object")
        self.frame[variable] = column.where(~column.isin(levels), into)
        population = float(self.table.loc[(self.table["variable"] == variable)
                                          & self.table["level"].astype(str).isin(levels), "population"].sum())
        rows, placed = [], False
        for row in self.table.to_dict(orient="records"):
            if row["variable"] == variable and str(row["level"]) in levels:
                if placed:
                    continue
                row, placed = {**row, "level": into, "label": label, "population": population}, True
            rows.append(row)
        self.table = pd.DataFrame(rows, columns=self.table.columns)
        self.steps.append(CollapseStep(variable, tuple(levels), into, label, n, thin))

    def result(self, min_cell: int) -> Collapsed:
        margins = self._margins()
        still = thin_levels(self.frame, margins, min_cell)
        for variable in margins.variables:  # merged into a single category, it says nothing
            counts = self.counts(variable)
            if len(counts) < 2 and variable not in still:
                still[variable] = counts
        return Collapsed(self.frame, margins, tuple(self.steps), still)


def _join_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _collapse_ethnicity(work: _Work, min_cell: int, parents: Mapping[str, str],
                        group_labels: Mapping[str, str]) -> None:
    """Detailed groups: thin ones merge within their high-level group, then into the whole group."""
    labels = dict(zip(work.table["level"].astype(str), work.table["label"].astype(str)))
    counts = work.counts("ethnicity")
    for group in sorted({parents[c] for c in counts if c in parents}):
        members = sorted(c for c in counts if parents.get(c) == group)
        thin = [c for c in members if counts[c] < min_cell]
        if not thin:
            continue
        if len(thin) > 1 and sum(counts[c] for c in thin) >= min_cell:
            chosen = thin
            label = _join_words([labels.get(c, c).split(": ", 1)[-1] for c in thin]) + f" ({GROUP_WORDS[group]})"
            work.merge("ethnicity", chosen, f"{group}:" + "+".join(chosen), label)
        elif len(members) > 1:
            work.merge("ethnicity", members, group, group_labels.get(group, group))


def _collapse_groups(work: _Work, variable: str, min_cell: int, parents: Mapping[str, str]) -> None:
    """High-level groups: thin groups other than White merge, then all groups other than White."""
    counts = work.counts(variable)
    high = {level: parents.get(level, level.split(":")[0]) for level in counts}
    others = sorted(level for level in counts if high[level] != WHITE and high[level] in GROUP_WORDS)
    thin = [level for level in others if counts[level] < min_cell]
    if not thin:
        return
    chosen = thin if len(thin) > 1 and sum(counts[level] for level in thin) >= min_cell else others
    if len(chosen) < 2:
        return
    words = [GROUP_WORDS[g] for g in sorted({high[level] for level in chosen})]
    label = f"{_join_words(words)} ethnic groups together"
    work.merge(variable, chosen, MINORITY if chosen == others else "+".join(chosen), label)


def _band_label(bands: list[str]) -> str:
    low = min(parse_age_band(b)[0] for b in bands)
    highs = [parse_age_band(b)[1] for b in bands]
    return f"{low}+" if any(h is None for h in highs) else f"{low}-{max(h for h in highs if h is not None)}"


def _collapse_ages(work: _Work, min_cell: int) -> None:
    """The thinnest band merges with its thinner neighbour until none is thin or one band is left."""
    while True:
        counts = work.counts("age_band")
        bands = sorted(counts, key=lambda b: parse_age_band(b)[0])
        thin = [b for b in bands if counts[b] < min_cell]
        if not thin or len(bands) < 2:
            return
        worst = min(thin, key=lambda b: (counts[b], parse_age_band(b)[0]))
        i = bands.index(worst)
        neighbours = [bands[j] for j in (i - 1, i + 1) if 0 <= j < len(bands)]
        other = min(neighbours, key=lambda b: (counts[b], parse_age_band(b)[0]))
        pair = sorted([worst, other], key=lambda b: parse_age_band(b)[0])
        label = _band_label(pair)
        work.merge("age_band", pair, label, label, worst)


def collapse_thin(frame: pd.DataFrame, margins: Margins, min_cell: int, *,
                  parents: Mapping[str, str] | None = None, group_labels: Mapping[str, str] | None = None) -> Collapsed:
    """Merge thin categories of every variable in ``margins`` (see the module docstring).

    ``parents`` maps each detailed ethnicity code to its ONS high-level group (``"H1"``..``"H5"``)
    and ``group_labels`` names the groups (the service passes :mod:`ingest.codes`); without them
    detailed ethnicity is only merged across groups.

    Variables with no thin category are untouched. ``still_thin`` lists, per variable, the
    categories that are thin after every merge (such a variable has to be dropped).
    """
    work = _Work(frame, margins)
    thin = thin_levels(frame, margins, min_cell)
    if "ethnicity" in thin:
        _collapse_ethnicity(work, min_cell, parents or {}, group_labels or {})
        _collapse_groups(work, "ethnicity", min_cell, parents or {})
    if "ethnic_group" in thin:
        _collapse_groups(work, "ethnic_group", min_cell, {})
    if "age_band" in thin:
        _collapse_ages(work, min_cell)
    return work.result(min_cell)


@dataclass(frozen=True)
class CollapsedFit:
    """Weights after collapsing (or None when nothing could be weighted on), and what was done.

    ``variables`` are those weighted on, ``steps`` the merges of those variables, ``dropped``
    each left-out variable with the reason in words, ``reason`` why nothing was weighted.
    """

    fit: RakeResult | None
    verdict: WeightingAssessment | None
    margins: Margins
    variables: tuple[str, ...]
    steps: tuple[CollapseStep, ...]
    dropped: tuple[tuple[str, str], ...]
    reason: str = ""

    @property
    def methods(self) -> str:
        """E.g. "weighted to age and sex; ethnic groups other than White combined, because only 11
        respondents were from them; ethnic group left out of the weighting: ..."."""
        head = (f"weighted to {_join_words([variable_words(v) for v in self.variables])}" if self.variables
                else "not weighted")
        parts = [head] + [step.sentence for step in self.steps]
        parts += [f"{variable_words(v)} left out of the weighting, because {why}" for v, why in self.dropped]
        return "; ".join(parts)

    def as_json(self) -> dict[str, object]:
        """Plain JSON for a stored run."""
        return {"variables": list(self.variables), "steps": [s.as_json() for s in self.steps],
                "dropped": [{"variable": v, "reason": why} for v, why in self.dropped], "methods": self.methods}


def _attempt(frame: pd.DataFrame, margins: Margins, variables: tuple[str, ...], bounds: tuple[float, float] | None,
             limits: Mapping[str, float]) -> tuple[RakeResult | None, WeightingAssessment | None, str]:
    chosen = margins.select(variables)
    try:
        fit = calibrate(frame, chosen, bounds=bounds)
    except WeightingError as error:
        return None, None, str(error)
    verdict = assess_weighting(fit, max_design_effect=float(limits["max_design_effect"]),
                               max_weight=float(limits["max_weight"]), min_cell=int(limits["min_cell"]),
                               labels={v: chosen.labels(v) for v in variables})
    return fit, verdict, verdict.message


def _thin_words(thin: Mapping[str, int], labels: Mapping[str, str], combined: bool) -> str:
    if len(labels) - (NOT_STATED in labels) < 2:
        return "all its categories had to be combined into one"
    listed = _join_words([f"{n} {'respondent' if n == 1 else 'respondents'} in {labels.get(level, level)}"
                          for level, n in sorted(thin.items())])
    return f"only {listed}{' even after combining' if combined else ''}"


def calibrate_collapsing(frame: pd.DataFrame, margins: Margins, *, bounds: tuple[float, float] | None,
                         max_design_effect: float = 3.0, max_weight: float = 10.0, min_cell: int = 10,
                         parents: Mapping[str, str] | None = None,
                         group_labels: Mapping[str, str] | None = None) -> CollapsedFit:
    """Collapse thin categories (:func:`collapse_thin`), then calibrate on as many variables as meet the limits.

    A variable still thin after collapsing is dropped. If the rest still fail the limits (design
    effect, largest weight, margins not met), the largest set of variables whose weights pass is
    used; among sets of that size, the one with the smallest design effect (ties: the first in
    ``margins`` order). Nothing passing gives ``fit=None`` and the reason.
    """
    collapsed = collapse_thin(frame, margins, min_cell, parents=parents, group_labels=group_labels)
    limits = {"max_design_effect": max_design_effect, "max_weight": max_weight, "min_cell": min_cell}
    merged = {step.variable for step in collapsed.steps}
    dropped = [(v, _thin_words(collapsed.still_thin[v], collapsed.margins.labels(v), v in merged))
               for v in margins.variables if v in collapsed.still_thin]
    usable = tuple(v for v in margins.variables if v not in collapsed.still_thin)
    full_message = ""
    for size in range(len(usable), 0, -1):
        passing = []
        for subset in combinations(usable, size):
            fit, verdict, message = _attempt(collapsed.frame, collapsed.margins, subset, bounds, limits)
            if size == len(usable):
                full_message = message.removeprefix("not weighted: ").rstrip(".")
            if fit is not None and verdict is not None and verdict.is_ok:
                passing.append((verdict.design_effect, subset, fit, verdict))
        if passing:
            _deff, subset, fit, verdict = min(passing, key=lambda item: item[0])
            left = [v for v in usable if v not in subset]
            dropped += [(v, f"with it {full_message}" + "".join(
                f", even with {s.label} ({s.n} respondents)" for s in collapsed.steps if s.variable == v)) for v in left]
            order = {v: i for i, v in enumerate(margins.variables)}
            dropped.sort(key=lambda item: order[item[0]])
            steps = tuple(s for s in collapsed.steps if s.variable in subset)
            return CollapsedFit(fit, verdict, collapsed.margins.select(subset), subset, steps, tuple(dropped))
    reasons = [f"{variable_words(v)}: {why}" for v, why in dropped]
    if usable:
        reasons.append(f"no set of {_join_words([variable_words(v) for v in usable])} meets the limits "
                       f"({full_message})")
    reason = "not weighted: nothing is left to weight on after combining thin categories (" + "; ".join(reasons) + ")."
    return CollapsedFit(None, None, collapsed.margins, (), collapsed.steps, tuple(dropped), reason)
