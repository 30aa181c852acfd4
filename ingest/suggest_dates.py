"""The date formats that read a date column, for ``voice sources suggest``.

Every candidate format is tried with :func:`ingest.dates.parse_datetime`, the reader the mapping
uses, so a time-zone suffix ("GMT+1", "BST"), an Excel date cell and the range check count exactly
as they will in an ingest. One format rarely reads a whole export (Google Forms writes
"2024/05/01 9:51:52 pm GMT+1" in the form's sheet and "18/10/2024 21:51:52" once the sheet is
re-saved), so formats are chosen in turn, each reading most of the values the ones before it left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ingest.columns import plain_text
from ingest.dates import parse_datetime, read_date
from ingest.errors import RecordError
from ingest.suggest_questions import quote

#: Formats tried after a preset's own, in this order (a tie goes to the earlier): UK day-first before US,
#: then a month's name (JotForm's "Mar 3, 2024", "3 March 2024").
CANDIDATES = ("iso", "dayfirst", "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p",
              "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M:%S", "%b %d, %Y", "%b %d, %Y %I:%M %p",
              "%B %d, %Y", "%d %b %Y", "%d %B %Y")
_DAY_FIRST = ("dayfirst", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
_MONTH_FIRST = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M:%S")


@dataclass(frozen=True)
class DateChoice:
    """The formats chosen for one column, in the order the mapping should try them, and what they leave."""

    formats: tuple[str, ...]
    n_values: int
    unread: tuple[str, ...]
    #: Every value also reads, differently, the other way round (day-first against month-first).
    is_ambiguous: bool
    #: Every value carries its own zone ("GMT+1", "+01:00"), so the mapping's timezone changes nothing.
    has_zones: bool

    def then(self, others: Sequence[str]) -> list[str]:
        """The formats after the first: the rest chosen, then ``others`` (a preset's) that read dates the same
        way round as the first (a US month-first format never follows a UK day-first one, nor the reverse)."""
        first = self.formats[0]
        opposite = _MONTH_FIRST if first in _DAY_FIRST else _DAY_FIRST if first in _MONTH_FIRST else ()
        return [f for f in dict.fromkeys([*self.formats[1:], *others]) if f != first and f not in opposite]

    @property
    def n_read(self) -> int:
        """How many values the formats read."""
        return self.n_values - len(self.unread)


def read_with(value: Any, formats: Sequence[str]) -> datetime | None:
    """``value`` read as the mapping reads it, trying ``formats`` in order; None when none reads it."""
    try:
        return parse_datetime(value, formats[0], datetime.now(timezone.utc), "date", tuple(formats[1:]))
    except RecordError:
        return None


def choose_formats(values: Sequence[Any], first: Sequence[str] = ()) -> DateChoice:
    """The formats that read the filled ``values``, tried ``first`` (a preset's) then :data:`CANDIDATES`."""
    filled = [v for v in values if plain_text(v)]
    order = tuple(dict.fromkeys((*first, *CANDIDATES)))
    readings = {f: [read_with(v, (f,)) for v in filled] for f in order}
    chosen: list[str] = []
    left = set(range(len(filled)))
    while left:
        best = max(order, key=lambda f: sum(readings[f][i] is not None for i in left))
        gained = {i for i in left if readings[best][i] is not None}
        if not gained:
            break
        chosen.append(best)
        left -= gained
    final = [read_with(v, chosen) if chosen else None for v in filled]
    return DateChoice(formats=tuple(chosen), n_values=len(filled), unread=tuple(plain_text(filled[i]) for i in sorted(left)),
                      is_ambiguous=bool(chosen) and _other_way_reads_all(chosen[0], readings, final),
                      has_zones=bool(filled) and all(_has_zone(v, chosen) for v in filled))


def reads_the_same(values: Sequence[Any], formats: Sequence[str], choice: DateChoice) -> bool:
    """True when ``formats`` (a preset's) read every filled value as ``choice`` does."""
    filled = [v for v in values if plain_text(v)]
    return bool(formats) and all(read_with(v, formats) is not None and read_with(v, formats) == read_with(v, choice.formats)
                                 for v in filled)


def _has_zone(value: Any, formats: Sequence[str]) -> bool:
    """The value names its own zone: read before the mapping's timezone would be applied."""
    raw = next((r for r in (read_date(value, f) for f in formats) if r is not None), None)
    return raw is not None and raw.tzinfo is not None


def _other_way_reads_all(chosen: str, readings: dict[str, list[datetime | None]], final: list[datetime | None]) -> bool:
    """Day-first chosen and a month-first format reads every value too, some to another date (or the reverse)."""
    others = _MONTH_FIRST if chosen in _DAY_FIRST else _DAY_FIRST if chosen in _MONTH_FIRST else ()
    return any(f in readings and all(r is not None for r in readings[f]) and readings[f] != final for f in others)


#: Formats a date of birth is written in: UK day-first (the mapping's default), then the others tools write.
BIRTH_CANDIDATES = ("dayfirst", "%m-%d-%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%b %d, %Y", "%d %B %Y")


def birth_date_lines(values: Sequence[Any]) -> list[str]:
    """A ``birth_date_formats`` line when the dates of birth are not day-first (analyst trial 4: JotForm's
    MM-DD-YYYY), or a warning when both readings fit every value; nothing when day-first reads them."""
    filled = [v for v in values if plain_text(v)]
    if not filled:
        return []
    fits = {f: [read_date(v, f) for v in filled] for f in BIRTH_CANDIDATES}
    whole = [f for f in BIRTH_CANDIDATES if all(d is not None for d in fits[f])]
    if "dayfirst" in whole:
        others = [f for f in whole if f != "dayfirst" and fits[f] != fits["dayfirst"]]
        return [f"# every date of birth also reads as {others[0]!r} (month first): day-first is assumed; set "
                f"birth_date_formats = [{quote(others[0])}] if the tool writes months first"] if others else []
    if whole:
        n_not = sum(1 for d in fits["dayfirst"] if d is None)
        return [f"birth_date_formats = [{quote(whole[0])}]  # {n_not} of {len(filled)} dates of birth cannot be "
                "day-first; this format reads them all"]
    return [f"# no one format reads every date of birth, e.g. {plain_text(filled[0])!r}: set birth_date_formats"]
