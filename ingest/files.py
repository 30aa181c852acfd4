"""File connector: survey exports (CSV, XLSX, SPSS .sav) streamed into raw records.

Every reader yields one :class:`~ingest.records.RawRecord` per non-blank row and never holds the
whole file, so a 1,000,000-row export ingests in bounded memory. Locations read
``name.csv row 7``, counting rows as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

from ingest.columns import (
    HeaderCheck,
    ReadNotes,
    check_columns,
    compile_patterns,
    find_extra_columns,
    join_header_rows,
    row_kind,
    row_record,
)
from ingest.encodings import detect_encoding
from ingest.errors import FileSettingError, SourceUnavailable
from ingest.options import FileOptions
from ingest.records import RawRecord

__all__ = ["FileOptions", "detect_encoding", "hash_file", "read_csv_records", "read_file_records"]

logger = logging.getLogger(__name__)

DELIMITERS = ",;\t|"
SUFFIXES = (".csv", ".txt", ".xlsx", ".sav")
MAX_CELL = 64 * 1024 * 1024


def hash_file(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, so a file already ingested can be skipped."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file_records(path: Path, id_column: str, required: tuple[str, ...] = (), known: tuple[str, ...] = (),
                      options: FileOptions | None = None, notes: ReadNotes | None = None,
                      check: HeaderCheck | None = None) -> Iterator[RawRecord]:
    """Yield the raw records of one export, choosing the reader by the file's suffix.

    Parameters
    ----------
    path
        A ``.csv`` (or ``.txt``), ``.xlsx`` or ``.sav`` file.
    id_column
        The column holding the source's own id of each response.
    required
        Further columns that must be present.
    known
        Every column the mapping reads; other columns are listed in ``notes``.
    options
        Sheet and header settings (XLSX) and chunk size (SPSS).
    notes
        Filled in with blank rows skipped and columns the mapping ignores.
    check
        Called with the header before any row is read; what it raises stops the read, with the
        file closed (``ingest.exports`` checks the mapped columns this way).

    Raises
    ------
    SourceUnavailable
        The file is missing, of an unknown type, or cannot be read (wrong encoding, damaged).
    MappingError
        A required column is absent.
    """
    options = options or FileOptions()
    notes = notes if notes is not None else ReadNotes()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from ingest.xlsx import (
            read_xlsx_records,  # imported when needed: openpyxl is slow to load
        )

        return read_xlsx_records(path, id_column, required, known, options, notes, check=check)
    if suffix == ".sav":
        from ingest.spss import read_sav_records

        return read_sav_records(path, id_column, required, known, options, notes, check=check)
    if suffix in (".csv", ".txt"):
        return read_csv_records(path, id_column, required, known, notes, options, check)
    raise SourceUnavailable(f"{path.name}: files of type {suffix or '(none)'!r} cannot be read; "
                            f"expected one of {', '.join(SUFFIXES)}")


def detect_delimiter(header_line: str) -> str:
    """Pick the delimiter (comma, semicolon or tab) that splits the header line most."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def count_lines(path: Path) -> int:
    """Count newline bytes quickly (an estimate of rows, for progress reports)."""
    n = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def read_csv_records(path: Path, id_column: str, required: tuple[str, ...] = (), known: tuple[str, ...] = (),
                     notes: ReadNotes | None = None, options: FileOptions | None = None,
                     check: HeaderCheck | None = None) -> Iterator[RawRecord]:
    """Yield one :class:`RawRecord` per data row of a CSV export, streamed.

    The encoding (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252) and delimiter (comma, semicolon,
    tab, bar) are detected unless ``options`` names them. Rows above ``options.header_row`` are
    passed over; one to three header rows are joined; blank, skipped and summary rows are noted.

    Raises
    ------
    SourceUnavailable
        The file is missing or unreadable.
    MappingError
        A required column is absent (the message lists the columns found and the closest match).
    """
    if not path.is_file():
        raise SourceUnavailable(f"{path}: file not found")
    options = options or FileOptions()
    notes = notes if notes is not None else ReadNotes()
    notes.encoding = detect_encoding(path, options.encoding)
    csv.field_size_limit(MAX_CELL)
    handle = path.open("r", encoding=notes.encoding, newline="")
    try:
        header = _read_header(path, handle, options, notes)
        if check is not None:
            check(tuple(header))
        check_columns(path.name, header, (id_column, *required))
    except BaseException:
        handle.close()
        raise
    notes.columns = tuple(header)
    notes.extra_columns = find_extra_columns(header, known) if known else ()
    return _csv_rows(path, handle, header, id_column, options, notes)


def _read_header(path: Path, handle: io.TextIOWrapper, options: FileOptions, notes: ReadNotes) -> list[str]:
    for _ in range(options.header_row - 1):
        handle.readline()
    header_line = handle.readline()
    notes.delimiter = options.delimiter or detect_delimiter(header_line)
    rows = [next(csv.reader([header_line], delimiter=notes.delimiter), [])]
    reader = csv.reader(handle, delimiter=notes.delimiter)
    for _ in range(options.header_rows - 1):
        rows.append(next(reader, []))
    header = [h.strip() for h in join_header_rows(rows)]
    if not any(not h.startswith("column_") for h in header):
        raise FileSettingError(f"{path.name} row {options.header_row}: the header row is empty; expected column "
                               "names there", "header_row", "set {where} to the row that holds them")
    return header


def _csv_rows(path: Path, handle: io.TextIOWrapper, header: list[str], id_column: str, options: FileOptions,
              notes: ReadNotes) -> Iterator[RawRecord]:
    skip, summary = compile_patterns(options.skip_patterns), compile_patterns(options.summary_patterns)
    with handle:
        reader = csv.reader(handle, delimiter=notes.delimiter)
        row_number = options.first_data_row - 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise SourceUnavailable(f"{path.name} row {row_number + 1}: {error}; expected cells of at most "
                                        f"{MAX_CELL // (1024 * 1024)} MB with balanced quotes") from None
            row_number += 1
            kind, text = row_kind(row, row_number, options.skip_rows, skip, summary)
            if notes.take(kind, row_number, text):
                yield row_record(path.name, row_number, header, row, id_column, is_text=True)
