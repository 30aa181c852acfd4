"""Census 2021 population margins for a target population.

The census tables shipped in ``weights/data/census2021/`` are described in its
``SOURCES.md``. ONS perturbed every table independently, so their totals differ
by a few people; every margin built here is rescaled to one control total (the
TS001 headline count scaled to the target age range) and the factor applied to
each variable is reported in :attr:`Margins.adjustments`.

Benchmarks are data: any other table in the long format ``variable,level,population``
(optional ``label`` column), for example school-census pupil ethnicity for the youth
survey, can be read with :func:`read_margins` or passed to :func:`build_margins` as an
extra benchmark. Each extra variable is rescaled to the same control total.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from weights.errors import CensusDataError, MissingMarginError

logger = logging.getLogger(__name__)

__all__ = [
    "BOROUGHS",
    "CensusTables",
    "MarginAdjustment",
    "Margins",
    "build_margins",
    "load_census",
    "parse_age_band",
    "read_margins",
]

DATA_DIR = Path(__file__).parent / "data" / "census2021"
BOROUGHS = ("havering", "barking_dagenham")
_OPEN_AGE = 90  # TS009 stops at "90+": no band may split it.
_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|(\+))\s*$")
MARGIN_COLUMNS = ("variable", "level", "population")


@dataclass(frozen=True)
class CensusTables:
    """The Census 2021 tables for one borough, as read from the shipped CSV files.

    Attributes
    ----------
    borough : str
        ``"havering"`` or ``"barking_dagenham"``.
    sex_age : pandas.DataFrame
        TS009: columns ``sex`` (``female``/``male``), ``age`` (0..90, 90 meaning 90+), ``count``.
    ethnicity : pandas.DataFrame
        TS021: columns ``code`` (``"1"``..``"19"``, ``"H1"``..``"H5"``), ``label``, ``count``, ``level``.
    wards : pandas.DataFrame
        Ward sums of output areas: ``ward_code``, ``ward_name``, ``measure``, ``count``.
    totals : dict[str, int]
        Table totals keyed ``"TS001"``, ``"TS008 female"``, ``"TS009"``, ``"TS021"``, ...
    """

    borough: str
    sex_age: pd.DataFrame
    ethnicity: pd.DataFrame
    wards: pd.DataFrame
    totals: dict[str, int]

    @property
    def control_total(self) -> int:
        """The TS001 headline count of all usual residents."""
        return self.totals["TS001"]


@dataclass(frozen=True)
class MarginAdjustment:
    """How one variable's margin was rescaled to the control total."""

    variable: str
    source: str
    source_total: float
    control_total: float

    @property
    def factor(self) -> float:
        """Multiplier applied to every level of the variable."""
        return self.control_total / self.source_total


@dataclass(frozen=True)
class Margins:
    """Population margins for one target population, all summing to ``control_total``.

    Attributes
    ----------
    table : pandas.DataFrame
        Long format: ``variable``, ``level``, ``population``, ``label``.
    control_total : float
        Population of the target group; every variable sums to it.
    description : str
        Who the margins describe, e.g. ``"havering residents aged 16+"``.
    adjustments : tuple[MarginAdjustment, ...]
        The rescaling applied to each variable.
    caveats : tuple[str, ...]
        Assumptions a reader must know (carried into reports).
    """

    table: pd.DataFrame
    control_total: float
    description: str = ""
    adjustments: tuple[MarginAdjustment, ...] = ()
    caveats: tuple[str, ...] = ()

    @property
    def variables(self) -> tuple[str, ...]:
        """Variables in the order they were added."""
        return tuple(dict.fromkeys(self.table["variable"]))

    def population(self, variable: str) -> pd.Series:
        """Population per level of ``variable`` (a float Series indexed by level)."""
        rows = self.table[self.table["variable"] == variable]
        if rows.empty:
            raise MissingMarginError(
                f"no margin for variable {variable!r}; margins have {list(self.variables)!r}",
                variable,
            )
        return pd.Series(rows["population"].to_numpy(float), index=rows["level"].astype(str),
                         name=variable)

    def labels(self, variable: str) -> dict[str, str]:
        """Readable label per level of ``variable`` (the level itself when none is known)."""
        rows = self.table[self.table["variable"] == variable]
        return dict(zip(rows["level"].astype(str), rows["label"].astype(str), strict=True))

    def select(self, variables: Iterable[str]) -> Margins:
        """Margins restricted to ``variables`` (in that order)."""
        names = list(variables)
        for name in names:
            self.population(name)
        parts = [self.table[self.table["variable"] == name] for name in names]
        return Margins(pd.concat(parts, ignore_index=True), self.control_total, self.description,
                       tuple(a for a in self.adjustments if a.variable in names), self.caveats)


def parse_age_band(label: str) -> tuple[int, int | None]:
    """Parse an age band label ``"A-B"`` (inclusive) or ``"A+"`` into ``(A, B or None)``.

    Raises
    ------
    ValueError
        If the label is not of either form or ``B < A``.
    """
    match = _BAND.match(str(label))
    if match is None:
        raise ValueError(f"age band {label!r} is not of the form 'A-B' or 'A+' (e.g. '16-24', '75+')")
    low = int(match.group(1))
    if match.group(3):
        return low, None
    high = int(match.group(2))
    if high < low:
        raise ValueError(f"age band {label!r} ends before it starts")
    return low, high


def load_census(borough: str, data_dir: Path | None = None) -> CensusTables:
    """Read the Census 2021 tables for ``borough`` (``"havering"`` or ``"barking_dagenham"``).

    Raises
    ------
    CensusDataError
        If the borough is unknown or a file is missing or malformed.
    """
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    if borough not in BOROUGHS:
        raise CensusDataError(f"unknown borough {borough!r}; expected one of {list(BOROUGHS)!r}")
    sex_age = _read(folder / f"{borough}_sex_age.csv", ("sex", "age", "count"))
    sex_age = pd.DataFrame({
        "sex": sex_age["sex"].str.lower(),
        "age": sex_age["age"].astype(str).str.rstrip("+").astype(int),
        "count": sex_age["count"].astype(int),
    })
    eth = _read(folder / f"{borough}_ethnicity.csv", ("ethnic_group_code", "ethnic_group", "count", "level"))
    eth = pd.DataFrame({"code": eth["ethnic_group_code"].astype(str), "label": eth["ethnic_group"],
                        "count": eth["count"].astype(int), "level": eth["level"]})
    wards = _read(folder / f"{borough}_wards_derived_from_oa.csv", ("ward_code", "ward_name", "measure", "count"))
    totals = _read_totals(folder / "borough_totals.csv", borough)
    return CensusTables(borough, sex_age, eth, wards, totals)


def _read(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise CensusDataError(f"census file {str(path)!r} not found; see weights/data/census2021/SOURCES.md")
    frame = pd.read_csv(path, dtype={"age": str, "ethnic_group_code": str})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CensusDataError(f"census file {str(path)!r} lacks columns {missing!r}")
    return frame


def _read_totals(path: Path, borough: str) -> dict[str, int]:
    names = {"havering": "Havering", "barking_dagenham": "Barking and Dagenham"}
    frame = _read(path, ("geography_name", "ons_table", "measure", "count"))
    rows = frame[frame["geography_name"] == names[borough]]
    totals: dict[str, int] = {}
    for table, measure, count in zip(rows["ons_table"], rows["measure"], rows["count"], strict=True):
        if table == "TS001" and measure == "All usual residents":
            totals["TS001"] = int(count)
        elif table == "TS008":
            totals[f"TS008 {measure.lower()}"] = int(count)
        elif table in ("TS009", "TS021", "TS007") and measure.startswith(("All persons", "Sum")):
            totals[table] = int(count)
    if "TS001" not in totals:
        raise CensusDataError(f"{str(path)!r} has no TS001 total for {borough!r}")
    return totals


def _check_bands(bands: Sequence[str], min_age: int, max_age: int | None) -> list[tuple[str, int, int]]:
    """Check that ``bands`` tile ``min_age..max_age`` and return ``(label, low, high)``."""
    parsed = sorted(((label, *parse_age_band(label)) for label in bands), key=lambda t: t[1])
    top = _OPEN_AGE if max_age is None else max_age
    out: list[tuple[str, int, int]] = []
    expected = min_age
    for label, low, high in parsed:
        if low != expected:
            raise ValueError(f"age band {label!r} starts at {low} but the previous band (or min_age) "
                             f"leaves the next band starting at {expected}; bands must tile {min_age}.."
                             f"{'' if max_age is None else max_age}{'+' if max_age is None else ''} without gaps or overlaps")
        end = top if high is None else min(high, top)
        if max_age is None and high is not None and high >= _OPEN_AGE:
            raise ValueError(f"age band {label!r} splits the census open band '90+'; end the bands with 'A+'")
        if high is not None and high > top:
            raise ValueError(f"age band {label!r} goes beyond the target population's max_age={top}")
        out.append((label, low, end))
        expected = end + 1
    if expected <= top:
        raise ValueError(f"age bands {list(bands)!r} stop at {expected - 1} but the target population "
                         f"goes to {top}{'+' if max_age is None else ''}")
    return out


def build_margins(
    census: CensusTables,
    variables: Sequence[str] = ("age_band", "sex", "ethnic_group", "ward"),
    age_bands: Sequence[str] | None = None,
    min_age: int = 16,
    max_age: int | None = None,
    benchmarks: Sequence[pd.DataFrame | Path | str] = (),
) -> Margins:
    """Build population margins for residents aged ``min_age``..``max_age`` (``None``: no upper limit).

    The control total is TS001 x (TS009 persons in the age range / TS009 total). Age band and
    sex margins come from TS009 restricted to the age range. Ethnicity (TS021) and ward tables
    have no age breakdown, so their all-ages distribution is applied to the target population;
    that assumption is recorded in :attr:`Margins.caveats`. Every variable is rescaled to the
    control total and the factor is reported in :attr:`Margins.adjustments`.

    Parameters
    ----------
    census : CensusTables
        From :func:`load_census`.
    variables : sequence of str
        Any of ``age_band``, ``sex``, ``ethnic_group`` (H1..H5), ``ethnicity`` (1..19), ``ward``.
    age_bands : sequence of str, optional
        Labels ``"A-B"``/``"A+"`` tiling the target ages; required for ``age_band``.
    min_age, max_age : int
        Target age range, inclusive. ``max_age`` must be below 90 (TS009 stops at 90+).
    benchmarks : sequence of DataFrame or path
        Extra tables in long format ``variable,level,population`` (see :func:`read_margins`).

    Raises
    ------
    ValueError
        Unknown variable, bad age range or bands that do not tile it.
    """
    if max_age is not None and not min_age <= max_age < _OPEN_AGE:
        raise ValueError(f"max_age={max_age!r} must be between min_age={min_age!r} and 89 (or None for no limit)")
    ages = census.sex_age[(census.sex_age["age"] >= min_age)
                          & (census.sex_age["age"] <= (_OPEN_AGE if max_age is None else max_age))]
    ts009_total = float(census.sex_age["count"].sum())
    in_range = float(ages["count"].sum())
    control = census.control_total * in_range / ts009_total
    upper = f"{min_age}+" if max_age is None else f"{min_age}-{max_age}"
    description = f"{census.borough} residents aged {upper}"
    caveats = [(f"Control total {control:,.1f} = TS001 {census.control_total:,} x share of TS009 aged {upper} "
                f"({in_range:,.0f} of {ts009_total:,.0f}); every margin is rescaled to it (ONS perturbation "
                "makes table totals differ).")]
    parts: list[pd.DataFrame] = []
    adjustments: list[MarginAdjustment] = []
    for variable in variables:
        frame, source, note = _census_margin(census, variable, ages, age_bands, min_age, max_age)
        if note:
            caveats.append(note)
        parts.append(_rescale(frame, variable, control))
        adjustments.append(MarginAdjustment(variable, source, float(frame["population"].sum()), control))
    for benchmark in benchmarks:
        extra = read_margins(benchmark)
        for variable in extra.variables:
            frame = extra.table[extra.table["variable"] == variable]
            parts.append(_rescale(frame, variable, control))
            adjustments.append(MarginAdjustment(variable, f"benchmark table ({_name(benchmark)})",
                                                float(frame["population"].sum()), control))
            caveats.append(f"{variable}: user benchmark {_name(benchmark)} rescaled to the control total.")
    for adj in adjustments:
        logger.info("margin %s from %s rescaled by %.6f to %.1f", adj.variable, adj.source, adj.factor, control)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*MARGIN_COLUMNS, "label"])
    return Margins(table, control, description, tuple(adjustments), tuple(caveats))


def _census_margin(census: CensusTables, variable: str, ages: pd.DataFrame, age_bands: Sequence[str] | None,
                   min_age: int, max_age: int | None) -> tuple[pd.DataFrame, str, str]:
    """One variable's unscaled margin, its source, and a caveat (or ``""``)."""
    if variable == "age_band":
        if not age_bands:
            raise ValueError("variable 'age_band' needs age_bands, e.g. ['16-24', '25-34', ..., '75+']")
        rows = [(label, float(ages.loc[(ages["age"] >= lo) & (ages["age"] <= hi), "count"].sum()), label)
                for label, lo, hi in _check_bands(age_bands, min_age, max_age)]
        return _frame(variable, rows), "TS009 sex by single year of age", ""
    if variable == "sex":
        sums = ages.groupby("sex")["count"].sum()
        rows = [(sex, float(sums[sex]), sex.capitalize()) for sex in ("female", "male")]
        return _frame(variable, rows), "TS009 sex by single year of age", ""
    if variable in ("ethnic_group", "ethnicity"):
        kind = "detailed" if variable == "ethnicity" else "high_level_sum_of_detailed"
        eth = census.ethnicity[census.ethnicity["level"] == kind]
        rows = list(zip(eth["code"], eth["count"].astype(float), eth["label"], strict=True))
        note = (f"{variable}: TS021 has no age breakdown; the all-ages ethnic distribution is assumed "
                "to hold for the target ages.")
        return _frame(variable, rows), "TS021 ethnic group (all ages)", note
    if variable == "ward":
        wards = census.wards[census.wards["measure"] == "All persons (TS001)"]
        rows = list(zip(wards["ward_code"], wards["count"].astype(float), wards["ward_name"], strict=True))
        note = ("ward: sums of output-area TS001 counts (not an official ONS ward table) with no age "
                "breakdown; the all-ages ward distribution is assumed to hold for the target ages.")
        return _frame(variable, rows), "TS001 output areas summed to 2022 wards (all ages)", note
    raise ValueError(f"unknown census variable {variable!r}; expected one of "
                     "['age_band', 'sex', 'ethnic_group', 'ethnicity', 'ward'] or pass a benchmark table")


def _frame(variable: str, rows: list[tuple[str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame({"variable": variable, "level": [str(r[0]) for r in rows],
                         "population": [r[1] for r in rows], "label": [str(r[2]) for r in rows]})


def _rescale(frame: pd.DataFrame, variable: str, control: float) -> pd.DataFrame:
    total = float(frame["population"].sum())
    if total <= 0:
        raise CensusDataError(f"margin for {variable!r} has no population (total {total!r})")
    out = frame.copy()
    out["population"] = out["population"] * (control / total)
    return out


def _name(source: pd.DataFrame | Path | str) -> str:
    return "DataFrame" if isinstance(source, pd.DataFrame) else repr(str(source))


def read_margins(source: pd.DataFrame | Path | str, control_total: float | None = None) -> Margins:
    """Read margins in long format ``variable,level,population`` (optional ``label``).

    Each variable is rescaled to ``control_total``; by default that is the total of the first
    variable in the file, and the factor applied to the others is reported.

    Raises
    ------
    CensusDataError
        Missing columns, negative or non-numeric populations, or duplicate levels.
    """
    name = _name(source)
    try:
        frame = source.copy() if isinstance(source, pd.DataFrame) else pd.read_csv(source, dtype=str)
    except OSError as exc:
        raise CensusDataError(f"cannot read margins file {name}: {exc}") from exc
    missing = [c for c in MARGIN_COLUMNS if c not in frame.columns]
    if missing:
        raise CensusDataError(f"margins {name} lack columns {missing!r}; expected {list(MARGIN_COLUMNS)!r}")
    frame["variable"] = frame["variable"].astype(str).str.strip()
    frame["level"] = frame["level"].astype(str).str.strip()
    population = pd.to_numeric(frame["population"], errors="coerce")
    bad = frame.loc[population.isna() | (population < 0)]
    if not bad.empty:
        row = bad.iloc[0]
        raise CensusDataError(f"margins {name}: population {row['population']!r} for variable "
                              f"{row['variable']!r} level {row['level']!r} is not a non-negative number")
    frame["population"] = population.astype(float)
    duplicated = frame[frame.duplicated(["variable", "level"])]
    if not duplicated.empty:
        row = duplicated.iloc[0]
        raise CensusDataError(f"margins {name}: variable {row['variable']!r} level {row['level']!r} appears twice")
    frame["label"] = frame["label"].astype(str) if "label" in frame.columns else frame["level"]
    frame = frame[[*MARGIN_COLUMNS, "label"]]
    variables = list(dict.fromkeys(frame["variable"]))
    if not variables:
        raise CensusDataError(f"margins {name} have no rows")
    control = float(control_total) if control_total is not None else float(
        frame.loc[frame["variable"] == variables[0], "population"].sum())
    parts, adjustments = [], []
    for variable in variables:
        rows = frame[frame["variable"] == variable]
        parts.append(_rescale(rows, variable, control))
        adjustments.append(MarginAdjustment(variable, f"margins {name}", float(rows["population"].sum()), control))
    caveats = tuple(f"{a.variable}: rescaled by {a.factor:.6f} to the control total {control:,.1f}"
                    for a in adjustments if abs(a.factor - 1) > 1e-12)
    return Margins(pd.concat(parts, ignore_index=True), control, f"margins from {name}", tuple(adjustments), caveats)
