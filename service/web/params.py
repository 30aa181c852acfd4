"""One parser for the numbers and dates people put in URLs: pages, page sizes, record ids, days.

Every route reads ``page``, ``per_page`` and date parameters through these functions, so a value
that is not a plain number or date in range (``page=²``, ``page=9999999999999999999999999``,
``until=9999-12-31``) answers 400 saying what to send, never a 500 from ``int()`` or the database.
Record ids in paths use the ``int`` converter of :func:`init_params`, bounded to what the database
can hold, so ``/sites/9999999999999999999999999`` is a 404. NUL characters, which PostgreSQL
refuses in text, are refused in paths (404) and query strings (400) in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: The largest id a database ``INTEGER`` column holds (PostgreSQL's is 32-bit).
MAX_ID = 2**31 - 1
#: The highest page number any list accepts; deeper pages of a 50-row list would hold 50 million rows.
MAX_PAGE = 10**6
#: Dates in filters lie in these years (the service holds nothing older, and nothing planned beyond).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
#: Longest number text worth reading (longer is out of range anyway).
_MAX_DIGITS = 12


class RecordId(IntegerConverter):
    """The ``<int:...>`` converter, limited to ids from 1 to :data:`MAX_ID` (anything else is a 404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's argument name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def read_int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The whole number ``args[name]`` (``default`` when absent), from ``low`` to ``high``, else a 400.

    Only the ASCII digits 0-9 count: ``str.isdigit`` also accepts ``²`` and ``١``, which ``int``
    then refuses or reads as another number.
    """
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS and low <= int(text) <= high):
        abort(400, f"{name} {raw[:40]!r} should be a whole number from {low} to {high}")
    return int(text)


def read_paging(args: Mapping[str, str], per_page: int, max_per_page: int) -> tuple[int, int]:
    """``(page, per_page)`` from the query (defaults 1 and ``per_page``); a bad value is a 400."""
    return read_int(args, "page", 1, 1, MAX_PAGE), read_int(args, "per_page", per_page, 1, max_per_page)


def read_date(args: Mapping[str, str], name: str) -> date | None:
    """The day ``args[name]`` as ``YYYY-MM-DD`` (``None`` when absent), within :data:`FIRST_DAY`..:data:`LAST_DAY`."""
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if text.isascii() and len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        abort(400, f"{name} {text[:40]!r} is not a date; use YYYY-MM-DD, e.g. 2025-04-01")
    if not FIRST_DAY <= day <= LAST_DAY:
        abort(400, f"{name} {text!r} is outside the dates the service holds; use a day from {FIRST_DAY} to {LAST_DAY}")
    return day


def refuse_nul_characters() -> None:
    """Answer 404 for a NUL in the path and 400 for one in a query value (PostgreSQL refuses NUL in text).

    Form fields are not refused here: the residents' form strips control characters from answers,
    and the store replaces NUL in every text it saves (:func:`service.store.db.without_nul`).
    """
    if "\x00" in request.path:
        abort(404)
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            abort(400, f"query parameter {name.replace(chr(0), '')!r} contains a NUL character (\\x00); "
                       "send it without one")


def init_params(app: Flask) -> None:
    """Bound every ``<int:...>`` id in the app's routes and refuse NUL characters before any view runs."""
    app.url_map.converters["int"] = RecordId
    app.before_request(refuse_nul_characters)
