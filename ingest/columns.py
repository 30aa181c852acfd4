"""Helpers shared by the file readers: header checks, plain cell values, read notes."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from ingest.errors import MappingError
from ingest.records import RawRecord

#: A check of a file's header (its column names) run before any row is read.
HeaderCheck = Callable[[tuple[str, ...]], None]


@dataclass
class ReadNotes:
    """What a reader noticed but did not refuse: blank rows skipped, columns the mapping ignores.

    Readers append to it as they go, so the run report can say what was left out and why.
    """

    n_blank: int = 0
    blank_rows: list[int] = field(default_factory=list)
    extra_columns: tuple[str, ...] = ()
    n_rows_estimate: int | None = None
    columns: tuple[str, ...] = ()
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    summary_rows: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    #: SPSS variable labels (the question wording) by variable name; empty for other files.
    column_labels: dict[str, str] = field(default_factory=dict)

    def add_blank(self, row_number: int) -> None:
        """Count one blank row (the first few row numbers are kept for the report)."""
        self.n_blank += 1
        if len(self.blank_rows) < 5:
            self.blank_rows.append(row_number)

    def take(self, kind: str, row_number: int, text: str) -> bool:
        """Note a row that :func:`row_kind` classified; True when it is data to be read."""
        if kind == "blank":
            self.add_blank(row_number)
        elif kind == "skipped":
            self.skipped_rows.append((row_number, text))
        elif kind == "summary":
            self.summary_rows.append((row_number, text))
        return kind == "data"

    def lines(self, name: str) -> list[str]:
        """Sentences for the run report."""
        out = [f"{name} row {row}: summary row {text!r} is not a response; not stored" for row, text in self.summary_rows]
        out += [f"{name} row {row}: skipped as configured ({text!r})" for row, text in self.skipped_rows[:20]]
        if len(self.skipped_rows) > 20:
            out.append(f"{name}: {len(self.skipped_rows) - 20} more row(s) skipped as configured")
        if self.n_blank:
            rows = ", ".join(str(r) for r in self.blank_rows) + (", ..." if self.n_blank > len(self.blank_rows) else "")
            out.append(f"{name}: {self.n_blank} blank row(s) skipped (row {rows})")
        if self.extra_columns:
            listed = ", ".join(repr(c) for c in self.extra_columns)
            out.append(f"{name}: column(s) {listed} are not in the mapping; their values are kept in the raw record only, "
                       "except columns named like personal data or listed in drop_columns, which are not stored at all")
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


def closest_columns(column: str, found: tuple[str, ...] | list[str], n: int = 3) -> tuple[str, ...]:
    """The names in ``found`` most like ``column`` (difflib), case folded, best first."""
    folded = {c.casefold(): c for c in found if c}
    close = difflib.get_close_matches(column.casefold(), list(folded), n=n, cutoff=0.6)
    return tuple(folded[c] for c in close)


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
    return RawRecord(external_id=plain_text(data.get(id_column)), data=data, location=f"{name} row {row_number}",
                     row=row_number)


def is_blank(cells: list[Any]) -> bool:
    """Say whether a row has no value at all."""
    return not any(plain_text(c) for c in cells)


# Survey platforms put these under a question that has no options; the question text alone names it.
NO_OPTION = {"response", "open-ended response", "open ended response", "answer", "responses"}


def combine_header(top: list[Any], bottom: list[Any]) -> list[str]:
    """Join a two-row header: question text over option text becomes "Question - Option".

    A question spanning several options is written once, over its first option (merged cells);
    it is carried right over the options that follow. "Response" under a question means no option.
    """
    width = max(len(top), len(bottom))
    top = top + [None] * (width - len(top))
    bottom = bottom + [None] * (width - len(bottom))
    names: list[str] = []
    question = ""
    for upper, lower in zip(top, bottom):
        upper_text, lower_text = plain_text(upper), plain_text(lower)
        if upper_text:
            question = upper_text
        elif not lower_text:
            question = ""
        if lower_text.lower() in NO_OPTION or not lower_text:
            names.append(upper_text or question)
        elif question and question != lower_text:
            names.append(f"{question} - {lower_text}")
        else:
            names.append(lower_text)
    return names


def join_header_rows(rows: list[list[Any]]) -> list[str]:
    """One column name per column from one to three header rows (see :func:`combine_header`)."""
    if not rows:
        return []
    names: list[Any] = list(rows[0])
    for lower in rows[1:]:
        names = combine_header(names, list(lower))
    return unique_header(names)


def row_kind(cells: list[Any], row_number: int, skip_rows: tuple[int, ...], skip: tuple[re.Pattern[str], ...],
             summary: tuple[re.Pattern[str], ...]) -> tuple[str, str]:
    """Say what a row below the header is: ``data``, ``blank``, ``skipped`` or ``summary``, and its text.

    A summary row has at most two filled cells, the first matching a summary pattern ("Total
    responses: 212"); a skipped row is listed in ``skip_rows`` or has a cell matching ``skip``.
    """
    filled = [c for c in cells if c is not None and c != "" and (type(c) is not str or not c.isspace())]
    if not filled:
        return "blank", ""
    if not skip_rows and not skip and len(filled) > 2:
        return "data", ""  # the common case, decided without turning every cell into text
    texts = [plain_text(c) for c in filled]
    text = " | ".join(texts)[:120]
    if row_number in skip_rows or any(p.search(cell) for p in skip for cell in texts):
        return "skipped", text
    if len(texts) <= 2 and any(p.search(texts[0]) for p in summary):
        return "summary", text
    return "data", text


def compile_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Case-insensitive regular expressions from configured patterns."""
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)
