"""XLSX reader: openpyxl in read-only mode, streamed row by row, with one- or two-row headers."""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ingest.archive import ArchiveLimits, check_archive
from ingest.columns import (
    HeaderCheck,
    ReadNotes,
    check_columns,
    combine_header,
    compile_patterns,
    find_extra_columns,
    join_header_rows,
    row_kind,
    row_record,
)
from ingest.errors import FileSettingError, SourceUnavailable
from ingest.options import FileOptions
from ingest.records import RawRecord

__all__ = ["combine_header", "read_xlsx_records"]

logger = logging.getLogger(__name__)
# zipfile raises zlib.error for damaged deflate data, and RuntimeError (NotImplementedError) for a flipped
# compression, version or encryption field.
_BROKEN = (zipfile.BadZipFile, zlib.error, RuntimeError, InvalidFileException, KeyError, ParseError, EOFError, OSError,
           ValueError)


def read_xlsx_records(path: Path, id_column: str, required: tuple[str, ...], known: tuple[str, ...],
                      options: FileOptions, notes: ReadNotes,
                      limits: ArchiveLimits | None = None, check: HeaderCheck | None = None) -> Iterator[RawRecord]:
    """Yield one raw record per non-blank row of a sheet of an XLSX workbook.

    Cells keep their types: numbers stay numbers (Excel date serials are read by the mapping),
    dates become ISO text. Before openpyxl opens the workbook, :func:`~ingest.archive.check_archive`
    refuses one that would expand past ``limits`` (a zip bomb).

    Raises
    ------
    SourceUnavailable
        The workbook is missing, damaged or truncated, expands past ``limits``, or the sheet does
        not exist.
    MappingError
        A required column is absent.
    """
    if not path.is_file():
        raise SourceUnavailable(f"{path}: file not found")
    try:
        check_archive(path, limits)
        workbook = load_workbook(path, read_only=True, data_only=True)
    except _BROKEN as error:
        raise SourceUnavailable(f"{path.name}: not a readable XLSX workbook ({type(error).__name__}: {error}); "
                                "the file may be truncated or damaged. Export it again from the survey platform") from None
    try:
        sheet = _sheet(workbook, path, options.sheet)
        rows = sheet.iter_rows(min_row=options.header_row, values_only=True)
        header = _read_header(path, rows, options)
        if check is not None:
            check(tuple(header))
        check_columns(f"{path.name} sheet {sheet.title!r}", header, (id_column, *required))
        notes.columns = tuple(header)
        notes.extra_columns = find_extra_columns(header, known) if known else ()
        notes.n_rows_estimate = max(0, (sheet.max_row or 0) - options.header_row - options.header_rows + 1) or None
    except BaseException:
        workbook.close()
        raise
    return _xlsx_rows(path, workbook, rows, header, id_column, options, notes)


def _sheet(workbook: Any, path: Path, name: str) -> Any:
    if not workbook.worksheets:  # a damaged workbook can list none
        raise SourceUnavailable(f"{path.name}: the workbook has no worksheets; the file may be damaged. "
                                "Export it again from the survey platform")
    if not name:
        return workbook.worksheets[0]
    if name not in workbook.sheetnames:
        listed = ", ".join(repr(s) for s in workbook.sheetnames)
        raise FileSettingError(f"{path.name}: sheet {name!r} not found; sheets in the workbook: {listed}", "sheet",
                               "fix {where}")
    return workbook[name]


def _read_header(path: Path, rows: Iterator[tuple[Any, ...]], options: FileOptions) -> list[str]:
    try:
        lines = [list(next(rows, ())) for _ in range(options.header_rows)]
    except _BROKEN as error:
        raise SourceUnavailable(f"{path.name}: the header could not be read ({error}); the file may be damaged") from None
    return join_header_rows(lines)


def _xlsx_rows(path: Path, workbook: Any, rows: Iterator[tuple[Any, ...]], header: list[str], id_column: str,
               options: FileOptions, notes: ReadNotes) -> Iterator[RawRecord]:
    row_number = options.header_row + options.header_rows - 1
    skip, summary = compile_patterns(options.skip_patterns), compile_patterns(options.summary_patterns)
    try:
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except _BROKEN as error:
                raise SourceUnavailable(f"{path.name} row {row_number + 1}: the workbook stops or is damaged here "
                                        f"({type(error).__name__}: {error}); export it again") from None
            row_number += 1
            values = list(cells)
            while values and values[-1] is None:
                values.pop()
            kind, text = row_kind(values, row_number, options.skip_rows, skip, summary)
            if not notes.take(kind, row_number, text):
                continue
            yield row_record(path.name, row_number, header, values, id_column)
    finally:
        workbook.close()
