"""Roles told by a column's values alone, for ``voice sources suggest``: columns whose header says nothing.

LimeSurvey's export (with "question codes" as headings) names each column by its code: ``G01Q03``,
``G01Q04[other]``, ``G02Q07[SQ001]`` (analyst trial 4, finding 8: the values were Female/Male, ONS
labels and the borough's ward names, yet nothing was found). Such a column, named by a code and with
no question wording beside it, is given the role its values fit: answers that mostly read as a sex
(:func:`ingest.vocabulary.map_sex`), an ethnicity (the reader the mapping uses), one of the borough's
wards, a UK postcode, an age; and the survey's first question, when every answer is yes or no, as its
consent. Every role found this way is written with a comment saying so, for the analyst to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ingest.ages import read_age, read_band
from ingest.columns import plain_text
from ingest.errors import VocabularyError
from ingest.ethnicity import read_ethnicity
from ingest.vocabulary import Ward, is_declined, map_postcode_district, map_sex, map_ward

#: A question code: letters and digits such as ``Q5``, ``G01Q03``, ``q5_2``, ``V12``, with LimeSurvey's
#: ``[SQ001]`` / ``[other]`` after it.
CODE = re.compile(r"^[A-Za-z]{0,4}\d+(?:[A-Za-z_.]{0,3}\d+)*(?:\[\w+\])?$")
#: Of the answers given, the share that must fit a role.
_MOST = 0.8


def says_nothing(column: str, wording: str) -> bool:
    """True for a column named by a question code with no question text beside it."""
    return bool(CODE.match(column.strip())) and wording.strip() in ("", column.strip())


def role_by_values(cells: Sequence[Any], wards: tuple[Ward, ...], taken: set[str], is_first: bool,
                   consent_of: Callable[[Any], bool | None]) -> str | None:
    """The mapping key whose values ``cells`` fit (see the module docstring), among those not ``taken``.

    ``is_first`` says the column is the survey's first question (the only place a yes/no column is
    taken for consent); ``consent_of`` reads a cell as the mapping reads consent.
    """
    filled = [plain_text(v) for v in cells if plain_text(v)]
    if not filled:
        return None
    tests: list[tuple[str, Callable[[list[str]], bool]]] = [
        ("sex_column", _are_sexes), ("ethnicity_column", _are_ethnicities),
        ("ward_column", lambda values: _are_wards(values, wards)), ("postcode_column", _are_postcodes),
        ("age_column", _are_ages),
    ]
    if is_first and len(filled) >= 0.9 * len(cells):
        tests.append(("consent_column", lambda values: all(consent_of(v) is not None for v in values)))
    return next((role for role, fits in tests if role not in taken and fits(filled)), None)


def _share(values: list[str], reads: Callable[[str], bool]) -> float:
    return sum(1 for v in values if reads(v)) / len(values)


def _are_sexes(values: list[str]) -> bool:
    def reads(value: str) -> bool:
        try:
            map_sex(value, strict=True)
        except VocabularyError:
            return False
        return True

    return _share(values, reads) >= _MOST and any(map_sex(v) in ("female", "male") for v in values)


def _are_ethnicities(values: list[str]) -> bool:
    """Most answers read as an ethnicity or a refusal, and at least half name a detailed ONS group."""
    readings = [read_ethnicity(v) for v in values]
    return (sum(1 for r in readings if not r.reason) >= _MOST * len(values)
            and sum(1 for r in readings if r.is_stated and r.code) >= 0.5 * len(values))


def _are_wards(values: list[str], wards: tuple[Ward, ...]) -> bool:
    def reads(value: str) -> bool:
        try:
            map_ward(value, wards, strict=True)
        except VocabularyError:
            return False
        return not is_declined(value)

    return bool(wards) and _share(values, reads) >= _MOST


def _are_postcodes(values: list[str]) -> bool:
    def reads(value: str) -> bool:
        try:
            return map_postcode_district(value, strict=True) is not None
        except VocabularyError:
            return False

    return _share(values, reads) >= _MOST


def _are_ages(values: list[str]) -> bool:
    """Ages in years spread over more than a scale's range (not 1 to 5), or band labels, of several kinds."""
    years = [r.age for r in (read_age(v) for v in values) if r.age is not None and not r.reason]
    if len(years) >= _MOST * len(values) and len(set(years)) >= 5 and max(years) - min(years) >= 15:
        return True
    bands = [b for b in (read_band(v) for v in values) if b]
    return len(bands) >= _MOST * len(values) and len(set(bands)) >= 3
