"""Dates and times as exports write them: ISO 8601, UK day-first, strftime formats, Excel serials,
with time-zone suffixes ("GMT", "GMT+1", "BST", "UTC", "Z", "+01:00").

A time without a zone is UTC, or local time in the source's ``timezone`` (issue 16). Several formats may be configured for one field; they are
tried in order, and the first that reads the whole value wins.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.errors import RecordError

EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:,? (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y",
              "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p", "%d/%m/%y %H:%M")
_ZONE = re.compile(r"(?:\s*\b(GMT|UTC|BST|Z)\b\s*([+-]\s*\d{1,2}(?::?\d{2})?)?|(?<=:\d\d)\s*([+-]\d{2}:?\d{2}))\s*$",
                   re.IGNORECASE)


def parse_datetime(value: Any, date_format: str, now: datetime, field_name: str,
                   formats: tuple[str, ...] = (), zone: str = "") -> datetime | None:
    """Read a date or date-time in ``date_format`` or any of ``formats`` ("dayfirst", "iso" or strftime).

    Dates before 2000 or more than a day in the future are refused, as are impossible dates
    such as 31/04/2023. A time without a zone is in ``zone`` (an IANA name such as
    "Europe/London", see :func:`localise`), or UTC when ``zone`` is "".

    Raises
    ------
    RecordError
        The value is in none of the formats, or out of range.
    """
    if value is None:
        return None
    tried = tuple(dict.fromkeys((date_format, *formats)))
    parsed = None
    for fmt in tried:
        parsed = _parse_any_date(value, fmt)
        if parsed is not None:
            break
    if parsed is None:
        raise RecordError(field_name, value, "date", f"expected {_describe(tried)} (a real calendar date)")
    if parsed.tzinfo is None:
        parsed = localise(parsed, zone) if zone else parsed.replace(tzinfo=timezone.utc)
    if not EARLIEST <= parsed <= now + timedelta(days=1):
        raise RecordError(field_name, value, "date_range", f"expected a date between 2000 and {now:%d/%m/%Y}")
    return parsed


def localise(moment: datetime, zone: str) -> datetime:
    """A local time without a zone, as it was in ``zone`` (an IANA name), in UTC.

    At the clock changes (Europe/London: last Sunday of March and of October, at 01:00 UTC):
    a time that happens twice in October (01:00 to 01:59) is read as the first, still in summer
    time (BST); a time that never happened in March (01:00 to 01:59) is read with the offset
    before the change (GMT), as a clock not yet put forward would show it.

    Raises
    ------
    ValueError
        ``zone`` is not a known IANA time zone.
    """
    local = moment.replace(tzinfo=time_zone(zone), fold=0)
    return local.astimezone(timezone.utc)


def time_zone(zone: str) -> ZoneInfo:
    """The IANA time zone ``zone`` (e.g. "Europe/London").

    Raises
    ------
    ValueError
        ``zone`` is not a known IANA time zone name.
    """
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone {zone!r} is not an IANA time zone name; expected e.g. 'Europe/London' "
                         "or '' (times without a zone are UTC)") from None


def _describe(formats: tuple[str, ...]) -> str:
    if formats == ("dayfirst",):
        return "a date such as 21/04/2023"
    names = ["day-first such as 21/04/2023" if f == "dayfirst" else repr(f) for f in formats]
    return ("a date in the format " if len(names) == 1 else "a date in one of the formats ") + ", ".join(names)


def split_zone(text: str) -> tuple[str, timezone | None]:
    """Split a trailing zone ("GMT+1", "BST", "+01:00") off a date-time text."""
    match = _ZONE.search(text)
    if not match or match.start() == 0:
        return text, None
    name, offset, iso = match.groups()
    hours = 1 if (name or "").upper() == "BST" else 0
    spec = (offset or iso or "").replace(" ", "")
    if spec:
        sign = -1 if spec[0] == "-" else 1
        digits = spec[1:].replace(":", "")
        hh, mm = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
        if hh > 14 or mm > 59:
            return text, None
        return text[:match.start()], timezone(sign * timedelta(hours=hh + hours, minutes=mm))
    return text[:match.start()], timezone(timedelta(hours=hours))


def read_date(value: Any, date_format: str) -> datetime | None:
    """``value`` read in one format ("dayfirst", "iso" or strftime), or None when it does not fit."""
    return _parse_any_date(value, date_format)


def _parse_any_date(value: Any, date_format: str) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20_000 < value < 80_000:  # an Excel serial day number (1954..2119)
            return datetime.combine(EXCEL_EPOCH, datetime.min.time()) + timedelta(days=float(value))
        return None
    text = str(value).strip()
    if _SERIAL.match(text):  # an Excel serial saved as text in a CSV export
        return _parse_any_date(float(text), date_format)
    if _ISO.match(text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    text, zone = split_zone(text)
    parsed = _parse_text(text.strip(), date_format)
    if parsed is not None and zone is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _parse_text(text: str, date_format: str) -> datetime | None:
    if date_format == "iso":
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    if date_format == "dayfirst" and (match := _UK.match(text)):
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None  # 31/04/2023: not a calendar date
    for fmt in _DAY_FIRST if date_format == "dayfirst" else (date_format,):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
