"""One home for calendar periods: quarter labels (``2024Q1``), their bounds, and year bounds.

Every bound is a UTC ``datetime``; a start is inclusive and an end exclusive, so consecutive
periods neither overlap nor leave a gap.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

QUARTER_PATTERN = re.compile(r"\d{4}Q[1-4]")


def quarter_of(when: datetime) -> str:
    """The calendar quarter label of a time, e.g. ``2024Q1``."""
    return f"{when.year}Q{(when.month - 1) // 3 + 1}"


def _split(label: str) -> tuple[int, int]:
    if not QUARTER_PATTERN.fullmatch(label):
        raise ValueError(f"quarter {label!r} should look like 2024Q1 (a year, Q, and 1 to 4)")
    return int(label[:4]), int(label[-1])


def quarter_bounds(label: str) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a quarter label such as ``2024Q1``."""
    year, quarter = _split(label)
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=timezone.utc)
    end = datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=timezone.utc)
    return start, end


def previous_quarter(label: str) -> str:
    """The quarter before ``label`` (``2024Q1`` -> ``2023Q4``)."""
    year, quarter = _split(label)
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def next_quarter(label: str) -> str:
    """The quarter after ``label`` (``2023Q4`` -> ``2024Q1``)."""
    year, quarter = _split(label)
    return f"{year + 1}Q1" if quarter == 4 else f"{year}Q{quarter + 1}"


def last_closed_quarter(now: datetime) -> str:
    """The most recent quarter that has ended by ``now``."""
    return previous_quarter(quarter_of(now))


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a calendar year, in UTC."""
    return datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)
