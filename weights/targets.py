"""Margins for a named target population (ages 11-24, 16+, 11-18), saying which are age-specific.

Census 2021 TS009 gives sex by single year of age, so age and sex margins can be cut to any
target ages exactly. TS021 (ethnic group) and the ward counts have no age breakdown: for those
the all-ages distribution is applied to the target ages. A youth survey weighted to all-ages
ethnicity is weighted to the wrong mix if young residents are more diverse than older ones (they
are in both boroughs), so :class:`TargetMargins` flags each such variable as ``"all ages"`` and
pages must say so; a school-census table passed as a benchmark replaces the flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from weights.margins import CensusTables, Margins, build_margins, parse_age_band

__all__ = ["TargetMargins", "build_target_margins"]

_AGE_SPECIFIC = ("age_band", "sex")


@dataclass(frozen=True)
class TargetMargins:
    """Margins for one target population and, per variable, the population its distribution describes.

    Attributes
    ----------
    margins : Margins
        All variables rescaled to the control total of the target ages.
    target : str
        The target ages as given, e.g. ``"11-24"`` or ``"16+"``.
    coverage : dict[str, str]
        ``"ages 11-24"`` for a variable cut to the target ages, ``"all ages"`` for one whose
        census table has no age breakdown, ``"benchmark"`` for a user table.
    """

    margins: Margins
    target: str
    coverage: dict[str, str]

    @property
    def all_ages(self) -> tuple[str, ...]:
        """Variables whose distribution is the all-ages one (pages must say so)."""
        return tuple(v for v, c in self.coverage.items() if c == "all ages")

    @property
    def notes(self) -> tuple[str, ...]:
        """One sentence per all-ages variable, for a page to print."""
        return tuple(f"The {v.replace('_', ' ')} margin is for residents of all ages: the census publishes no "
                     f"{v.replace('_', ' ')} table for ages {self.target}." for v in self.all_ages)


def build_target_margins(
    census: CensusTables,
    target: str,
    variables: Sequence[str] = ("age_band", "sex", "ethnic_group"),
    *,
    age_bands: Sequence[str] | None = None,
    benchmarks: Sequence[pd.DataFrame | Path | str] = (),
) -> TargetMargins:
    """Margins for residents in the target ages ``target`` (``"A-B"`` or ``"A+"``) from the shipped census tables.

    ``age_bands`` must tile the target ages (default: the target as one band, which makes the
    age margin trivial). Variables in ``benchmarks`` (e.g. school-census pupil ethnicity for
    ages 11-18) are taken from there instead of the census and marked ``"benchmark"``.

    Raises
    ------
    ValueError
        A malformed target or bands that do not tile it.
    """
    low, high = parse_age_band(target)
    bands = list(age_bands) if age_bands is not None else [target]
    extra = {v for b in benchmarks for v in _benchmark_variables(b)}
    census_vars = [v for v in variables if v not in extra]
    margins = build_margins(census, census_vars, age_bands=bands if "age_band" in census_vars else None,
                            min_age=low, max_age=high, benchmarks=benchmarks)
    label = f"ages {target}"
    coverage = {v: (label if v in _AGE_SPECIFIC else "all ages") for v in census_vars}
    coverage.update({v: "benchmark" for v in extra})
    return TargetMargins(margins, target, coverage)


def _benchmark_variables(source: pd.DataFrame | Path | str) -> list[str]:
    frame = source if isinstance(source, pd.DataFrame) else pd.read_csv(source, dtype=str)
    return list(dict.fromkeys(frame["variable"].astype(str)))
