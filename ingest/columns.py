"""Helpers shared by the file readers: header checks, plain cell values, read notes."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from ingest.errors import MappingError
from ingest.records import RawRecord


@dataclass
class ReadNotes:
    """What a reader noticed but did not refuse: blank rows skipped, columns the mapping ignores.

    Readers append to it as they go, so the run report can say what was left out and why.
    """

    n_blank: int = 0
    blank_rows: list[int] = field(default_factory=list)
    extra_columns: tuple[str, ...] = ()
    n_rows_estimate: int | None = None

    def add_blank(self, row_number: int) -> None:
        """Count one blank row (the first few row numbers are kept for the report)."""
        self.n_blank += 1
        if len(self.blank_rows) < 5:
            self.blank_rows.append(row_number)

    def lines(self, name: str) -> list[str]:
        """Sentences for the run report."""
        out = []
        if self.n_blank:
            rows = ", ".join(str(r) for r in self.blank_rows) + (", ..." if self.n_blank > len(self.blank_rows) else "")
            out.append(f"{name}: {self.n_blank} blank row(s) skipped (row {rows})")
        if self.extra_columns:
            listed = ", ".join(repr(c) for c in self.extra_columns)
            out.append(f"{name}: column(s) {listed} are not in the mapping; their values are kept in the raw record only")
        return out


def check_columns(name: str, found: list[str], wanted: tuple[str, ...]) -> None:
    """Raise :class:`MappingError` naming the first wanted column that ``found`` lacks.

    The message lists the columns found and the closest match, so a renamed column is easy to fix.
    """
    for column in wanted:
        if column and "." not in column and column not in found:
            close = difflib.get_close_matches(column, found, n=1, cutoff=0.5)
            hint = f"; the closest is {close[0]!r}" if close else ""
            listed = ", ".join(repr(c) for c in found)
            raise MappingError(f"{name}: required column {column!r} is missing{hint}. Columns found: {listed}. "
                               "Rename the column in the file or fix the mapping in config.toml")


def find_extra_columns(found: list[str], known: tuple[str, ...]) -> tuple[str, ...]:
    """Columns of a file that the mapping does not read (kept in the raw record only)."""
    wanted = set(known)
    return tuple(c for c in found if c and c not in wanted and not c.startswith("_"))


def unique_header(cells: list[Any]) -> list[str]:
    """Header cells as text; blanks become ``column_N`` and repeats get ``(2)``, ``(3)``."""
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(cells, start=1):
        text = plain_text(cell) or f"column_{i}"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def plain_text(value: Any) -> str:
    """A cell as stripped text ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def plain_value(value: Any) -> Any:
    """A cell value that JSON can hold: dates as ISO text, NaN as None, Decimal as float."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return plain_value(value.item())
    return str(value)


def row_record(name: str, row_number: int, header: list[str], cells: list[Any], id_column: str,
               is_text: bool = False) -> RawRecord:
    """One raw record from a row of cells; cells beyond the header go under ``_extra_cells``.

    ``is_text`` says every cell is already a ``str`` (a CSV row), so no cell needs converting.
    """
    data: dict[str, Any] = dict(zip(header, cells)) if is_text else {h: plain_value(c) for h, c in zip(header, cells)}
    for column in header[len(cells):]:
        data[column] = None
    extra = [plain_value(c) for c in cells[len(header):] if c not in (None, "")]
    if extra:
        data["_extra_cells"] = extra
    return RawRecord(external_id=plain_text(data.get(id_column)), data=data, location=f"{name} row {row_number}")


def is_blank(cells: list[Any]) -> bool:
    """Say whether a row has no value at all."""
    return not any(plain_text(c) for c in cells)
