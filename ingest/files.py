"""File connector: survey exports (CSV for now) read in chunks into raw records."""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

from ingest.errors import MappingError, SourceUnavailable
from ingest.records import RawRecord

logger = logging.getLogger(__name__)

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = ",;\t"


def hash_file(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, so a file already ingested can be skipped."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(path: Path) -> str:
    """Choose UTF-8 (with or without BOM) when the file decodes as UTF-8, else Windows-1252."""
    with path.open("rb") as handle:
        decoder = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
        try:
            while decoder.read(1 << 20):
                pass
            return "utf-8-sig"
        except UnicodeDecodeError:
            return "cp1252"


def detect_delimiter(header_line: str) -> str:
    """Pick the delimiter (comma, semicolon or tab) that splits the header line most."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_records(path: Path, id_column: str, required: tuple[str, ...] = ()) -> Iterator[RawRecord]:
    """Yield one :class:`RawRecord` per non-blank row of a CSV export.

    The file is streamed, so memory stays bounded whatever its size. Locations read
    ``name.csv row 7`` counting the header as row 1, as a spreadsheet shows it.

    Raises
    ------
    SourceUnavailable
        The file is missing or unreadable.
    MappingError
        A required column is absent (the message lists the columns found and the closest match).
    """
    if not path.is_file():
        raise SourceUnavailable(f"{path}: file not found")
    encoding = detect_encoding(path)
    csv.field_size_limit(64 * 1024 * 1024)
    with path.open("r", encoding=encoding, newline="") as handle:
        header_line = handle.readline()
        delimiter = detect_delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        header = [h.strip() for h in header]
        check_columns(path.name, header, (id_column, *required))
        reader = csv.reader(handle, delimiter=delimiter)
        for offset, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            yield _row_record(path.name, offset, header, row, id_column)


def _row_record(name: str, row_number: int, header: list[str], row: list[str], id_column: str) -> RawRecord:
    data: dict[str, object] = dict(zip(header, row))
    if len(row) > len(header):
        data["_extra_cells"] = row[len(header):]
    external_id = str(data.get(id_column, "")).strip()
    return RawRecord(external_id=external_id, data=data, location=f"{name} row {row_number}")


def check_columns(name: str, found: list[str], wanted: tuple[str, ...]) -> None:
    """Raise :class:`MappingError` naming each wanted column that ``found`` lacks."""
    for column in wanted:
        if column and "." not in column and column not in found:
            close = difflib.get_close_matches(column, found, n=1)
            hint = f"; the closest is {close[0]!r}" if close else ""
            listed = ", ".join(repr(c) for c in found)
            raise MappingError(f"{name}: required column {column!r} is missing{hint}. Columns found: {listed}")
