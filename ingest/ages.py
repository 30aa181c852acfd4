"""Ages as people write them: "14", "14 years", "14yrs", "fourteen", "14 y/o", "Under 16", "16-24", "65+".

:func:`read_age` gives an age in years or a band, says when the value lies outside the source's
age range (the response is then quarantined) and says why a value could not be read (the response
is kept with age not stated).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from ingest.codes import DECLINED, NOT_STATED, normalise_label
from ingest.dates import read_date
from ingest.vocabulary import band_for_age, parse_band

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_YEARS = r"\s*(?:years?(?: old)?|yrs?(?: old)?|y\s*/\s*o|y\.o\.?|yo|y)?"
_SAID = r"(?:(?:i'?m|i am|age(?:d)?)\s*)?"  # "I'm 15", "aged 35-44"
_NUMBER = re.compile(r"^" + _SAID + r"(\d{1,3})(?:\.0+)?" + _YEARS + "$")
_SPAN = re.compile(r"^" + _SAID + r"(\d{1,3})\s*(?:-|to)\s*(\d{1,3})" + _YEARS + "$")
_OPEN = re.compile(r"^" + _SAID + r"(\d{1,3})\s*(?:\+|plus|and over|or over|or older|and above|or above)" + _YEARS + "$")
_UNDER = re.compile(r"^(?:under|below|less than|younger than)\s*(\d{1,3})" + _YEARS + "$")
_CHOICE_BAND = re.compile(r"\s*\d{1,3}_\d{1,3}\s*")
#: Half a year after the years ("14 1/2", "14½", "14 and a half", "14.5"): the age is the whole years.
_HALF = re.compile(r"(?<=\d)(?:\s*(?:1/2|½|and a half)|\.\d+)(?=\s*(?:years?|yrs?|y/o|yo)?(?: old)?$)")
#: A school year written beside the age ("14 / Year 9", "14 (Yr 9)"): the age is what is read.
_AGE_WITH_YEAR = re.compile(r"\s*(?:/|,|\(|-)\s*(?:year|yr|y)\s*\d{1,2}\s*\)?$")


@dataclass(frozen=True)
class AgeReading:
    """An age read from one cell: years and/or band, or why neither could be had.

    ``is_out_of_range`` says the value was read but lies outside the source's ages (quarantine);
    ``reason`` without it says the value could not be read (kept, age not stated).
    """

    age: int | None
    band: str | None
    reason: str = ""
    is_out_of_range: bool = False


def read_age(value: object, minimum: int = 0, maximum: int = 120, bands: tuple[str, ...] = ()) -> AgeReading:
    """Read an age in years, or an age band, from one cell."""
    expected = f"an age from {minimum} to {maximum}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            return AgeReading(None, NOT_STATED, f"{value!r} is not a number of years; expected {expected}")
        return _from_years(math.floor(value), minimum, maximum, bands)  # 14.5 is 14 years old
    if isinstance(value, str) and _CHOICE_BAND.fullmatch(value):
        value = value.replace("_", "-")  # a form tool's choice name: "16_24" is the band 16-24
    text = normalise_label(value)
    if text in DECLINED:
        return AgeReading(None, NOT_STATED)
    text = _AGE_WITH_YEAR.sub("", text) or text
    text = _HALF.sub("", text)  # "14 1/2", "14½", "14 and a half": 14 years old
    years = _years(text)
    if years is not None:
        return _from_years(years, minimum, maximum, bands)
    span = _span(text)
    if span is not None:
        return _from_span(span, minimum, maximum, bands)
    return AgeReading(None, NOT_STATED, f"not an age in years or a band; expected {expected}, e.g. '14' or '14 years'")


def read_band(value: object) -> tuple[int, int | None] | None:
    """The ages of a band as people write it ("16-24", "75 or over", "Under 16"): (lowest, highest or None).

    None when the value is not a band (an age in years such as "14" is not a band).
    """
    return _span(normalise_label(value))


def _years(text: str) -> int | None:
    if match := _NUMBER.match(text):
        return int(match.group(1))
    words = re.sub(r"\s*(years?( old)?|yrs?|y/o)$", "", text).replace("-", " ").split()
    if not words or any(w not in _UNITS and w not in _TENS for w in words):
        return None
    if len(words) == 1:
        return _UNITS.index(words[0]) if words[0] in _UNITS else _TENS[words[0]]
    if len(words) == 2 and words[0] in _TENS and words[1] in _UNITS[1:10]:
        return _TENS[words[0]] + _UNITS.index(words[1])
    return None


def _span(text: str) -> tuple[int, int | None] | None:
    if match := _SPAN.match(text):
        return int(match.group(1)), int(match.group(2))
    if match := _OPEN.match(text):
        return int(match.group(1)), None
    if match := _UNDER.match(text):
        return 0, int(match.group(1)) - 1
    return None


def _from_years(years: int, minimum: int, maximum: int, bands: tuple[str, ...]) -> AgeReading:
    if not minimum <= years <= maximum:
        return AgeReading(None, None, f"expected a whole number of years from {minimum} to {maximum}", True)
    if not bands:
        return AgeReading(years, None)
    band = band_for_age(years, bands)
    if band is None:
        return AgeReading(None, None, "expected an age inside the bands " + ", ".join(bands), True)
    return AgeReading(years, band)


def _from_span(span: tuple[int, int | None], minimum: int, maximum: int, bands: tuple[str, ...]) -> AgeReading:
    low, high = max(span[0], minimum), min(span[1] if span[1] is not None else maximum, maximum)
    if low > high:
        return AgeReading(None, None, f"a band outside the ages of this source ({minimum} to {maximum})", True)
    # The span is cut to the ages this source can hold (with min_age 18, "16-24" can only be 18-24),
    # then it must lie wholly inside one band ("75+" inside "65+"); one straddling two is not guessed.
    holding = [band for band in bands if _band_holds(band, low, high, minimum, maximum)]
    if low == high:
        return _from_years(low, minimum, maximum, bands)
    if len(holding) == 1:
        return AgeReading(None, holding[0])
    wanted = ("one of the bands " + ", ".join(bands)) if bands else "an age in years"
    return AgeReading(None, NOT_STATED, f"an age band that is not {wanted}; not guessed")


def _band_holds(band: str, low: int, high: int, minimum: int, maximum: int) -> bool:
    b_low, b_high = parse_band(band)
    return max(b_low, minimum) <= low and high <= min(b_high if b_high is not None else maximum, maximum)


_SCHOOL_YEAR = re.compile(r"^(?:school )?(?:year|yr|y)\s*(\d{1,2})(?: group)?$")


def read_birth_date(value: object, on: datetime, minimum: int = 0, maximum: int = 120,
                    bands: tuple[str, ...] = (), formats: tuple[str, ...] = ("dayfirst",)) -> AgeReading:
    """The age on the date ``on`` (when the response was given) of someone born on the date in ``value``.

    A date of birth after ``on`` or more than 120 years before it is not an age (the reason says
    which; age not stated). The date is read in the first of ``formats`` that fits (day-first
    21/04/2009 by default; ISO and Excel dates always).
    """
    if value is None or normalise_label(value) in DECLINED:
        return AgeReading(None, NOT_STATED)
    born = next((d for d in (read_date(value, f) for f in formats) if d is not None), None)
    if born is None:
        shown = ", ".join(formats)
        return AgeReading(None, NOT_STATED, f"not a date of birth in the format(s) {shown} (e.g. 21/04/2009 day-first); "
                                            "set birth_date_formats for another")
    day = on.date()
    if born.date() > day:
        return AgeReading(None, NOT_STATED, f"a date of birth after the response was given ({day:%d/%m/%Y})")
    years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if years > 120:
        return AgeReading(None, NOT_STATED, f"a date of birth more than 120 years before the response ({day:%d/%m/%Y})")
    return _from_years(years, minimum, maximum, bands)


def read_year_group(value: object) -> int | None:
    """The number N of a school year group as written ("Year 9", "Yr 9", "Y9", "9"; Years 1-13), else None."""
    text = normalise_label(value)
    match = _SCHOOL_YEAR.match(text) or re.match(r"^(\d{1,2})$", text)
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 13 else None


def read_school_year(value: object, bands: tuple[str, ...] = ()) -> AgeReading:
    """The age band of a school year group in England ("Year 9", "Yr 9", "Y9", "9"): Year N is N+4 to N+5.

    Pupils in Year N are N+4 on 1 September and N+5 by the end of the school year, so Year 9 is
    13-14 and Year 13 is 17-18 (Years 1 to 13; Reception is not read). The year's span must lie
    inside one of ``bands``; one straddling two bands is not stated, with the reason.
    """
    if normalise_label(value) in DECLINED:
        return AgeReading(None, NOT_STATED)
    year = read_year_group(value)
    if year is None:
        return AgeReading(None, NOT_STATED, "not a school year group from Year 1 to Year 13 (e.g. 'Year 9', 'Y9')")
    low = year + 4
    for band in bands:
        b_low, b_high = parse_band(band)
        if b_low <= low and (b_high is None or low + 1 <= b_high):
            return AgeReading(None, band)
    wanted = ("inside one of the bands " + ", ".join(bands)) if bands else "with age_bands set"
    return AgeReading(None, NOT_STATED, f"Year {low - 4} is aged {low}-{low + 1}, not {wanted}; not guessed")
