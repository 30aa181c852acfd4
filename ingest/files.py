"""File connector: survey exports (CSV, XLSX, SPSS .sav) streamed into raw records.

Every reader yields one :class:`~ingest.records.RawRecord` per non-blank row and never holds the
whole file, so a 1,000,000-row export ingests in bounded memory. Locations read
``name.csv row 7``, counting rows as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.columns import (
    ReadNotes,
    check_columns,
    find_extra_columns,
    is_blank,
    row_record,
)
from ingest.errors import SourceUnavailable
from ingest.records import RawRecord

logger = logging.getLogger(__name__)

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = ",;\t"
SUFFIXES = (".csv", ".txt", ".xlsx", ".sav")
MAX_CELL = 64 * 1024 * 1024


@dataclass(frozen=True)
class FileOptions:
    """How to read a source's files (the ``[sources.KEY.file]`` table of ``config.toml``).

    Parameters
    ----------
    sheet
        XLSX: the sheet to read; ``""`` reads the first sheet.
    header_row
        XLSX: the row (counting from 1) holding the header, or its first row.
    header_rows
        XLSX: 1, or 2 for the two-row headers survey platforms export (question text over
        option text); the two rows are combined into one column name, "Question - Option".
    chunk_rows
        SPSS: rows read per chunk.
    """

    sheet: str = ""
    header_row: int = 1
    header_rows: int = 1
    chunk_rows: int = 10_000

    def __post_init__(self) -> None:
        if self.header_rows not in (1, 2):
            raise ValueError(f"header_rows {self.header_rows!r}: expected 1 or 2")
        if self.header_row < 1 or self.chunk_rows < 1:
            raise ValueError(f"header_row {self.header_row!r} and chunk_rows {self.chunk_rows!r}: expected 1 or more")


def hash_file(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, so a file already ingested can be skipped."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file_records(path: Path, id_column: str, required: tuple[str, ...] = (), known: tuple[str, ...] = (),
                      options: FileOptions | None = None, notes: ReadNotes | None = None) -> Iterator[RawRecord]:
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
        from ingest.xlsx import read_xlsx_records

        return read_xlsx_records(path, id_column, required, known, options, notes)
    if suffix == ".sav":
        from ingest.spss import read_sav_records

        return read_sav_records(path, id_column, required, known, options, notes)
    if suffix in (".csv", ".txt"):
        return read_csv_records(path, id_column, required, known, notes)
    raise SourceUnavailable(f"{path.name}: files of type {suffix or '(none)'!r} cannot be read; "
                            f"expected one of {', '.join(SUFFIXES)}")


def detect_encoding(path: Path) -> str:
    """Choose UTF-8 (with or without BOM) when the file decodes as UTF-8, else Windows-1252.

    Raises
    ------
    SourceUnavailable
        The file is UTF-16 or holds bytes that are neither UTF-8 nor Windows-1252; the message
        names the row and the byte.
    """
    with path.open("rb") as handle:
        start = handle.read(4)
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SourceUnavailable(f"{path.name}: the file is UTF-16 text; expected UTF-8, UTF-8 with BOM or "
                                "Windows-1252. In Excel choose 'Save as: CSV UTF-8 (comma delimited)'")
    position = 0
    for encoding in ENCODINGS:
        bad = _first_bad_byte(path, encoding)
        if bad is None:
            return encoding
        position = bad
    return _refuse_encoding(path, position)


def _first_bad_byte(path: Path, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                carried = len(error.object) - len(block)  # bytes held over from the previous block
                return max(0, offset - carried + error.start)
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return max(0, offset - 1)
    return None


def _refuse_encoding(path: Path, position: int) -> str:
    with path.open("rb") as handle:
        before = handle.read(position)
        bad = handle.read(1)
    row = before.count(b"\n") + 1
    raise SourceUnavailable(f"{path.name} row {row}: byte {bad!r} at offset {position} is not valid UTF-8 or "
                            "Windows-1252 text; expected a CSV saved as UTF-8 (Excel: 'CSV UTF-8') or Windows-1252")


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
                     notes: ReadNotes | None = None) -> Iterator[RawRecord]:
    """Yield one :class:`RawRecord` per non-blank row of a CSV export, streamed.

    UTF-8, UTF-8 with BOM and Windows-1252 are recognised, and comma, semicolon or tab.

    Raises
    ------
    SourceUnavailable
        The file is missing or unreadable.
    MappingError
        A required column is absent (the message lists the columns found and the closest match).
    """
    if not path.is_file():
        raise SourceUnavailable(f"{path}: file not found")
    notes = notes if notes is not None else ReadNotes()
    encoding = detect_encoding(path)
    csv.field_size_limit(MAX_CELL)
    handle = path.open("r", encoding=encoding, newline="")
    try:
        header_line = handle.readline()
        delimiter = detect_delimiter(header_line)
        header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter), [])]
    except BaseException:
        handle.close()
        raise
    if not any(header):
        handle.close()
        raise SourceUnavailable(f"{path.name} row 1: the header row is empty; expected column names in the first row")
    try:
        check_columns(path.name, header, (id_column, *required))
    except BaseException:
        handle.close()
        raise
    notes.extra_columns = find_extra_columns(header, known) if known else ()
    return _csv_rows(path, handle, header, delimiter, id_column, notes)


def _csv_rows(path: Path, handle: io.TextIOWrapper, header: list[str], delimiter: str, id_column: str,
              notes: ReadNotes) -> Iterator[RawRecord]:
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        row_number = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise SourceUnavailable(f"{path.name} row {reader.line_num + 1}: {error}; expected cells of at most "
                                        f"{MAX_CELL // (1024 * 1024)} MB with balanced quotes") from None
            row_number += 1
            if is_blank(row):
                notes.add_blank(row_number)
                continue
            yield row_record(path.name, row_number, header, row, id_column, is_text=True)
