"""SPSS ``.sav`` reader: pyreadstat in chunks, with value labels applied."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from pathlib import Path

import pyreadstat

from ingest.columns import ReadNotes, check_columns, find_extra_columns, row_record, unique_header
from ingest.errors import SourceUnavailable
from ingest.files import FileOptions
from ingest.records import RawRecord

logger = logging.getLogger(__name__)


def read_sav_records(path: Path, id_column: str, required: tuple[str, ...], known: tuple[str, ...],
                     options: FileOptions, notes: ReadNotes) -> Iterator[RawRecord]:
    """Yield one raw record per case of an SPSS file; columns are variable names.

    Value labels are applied (1 -> "Female"), so the mapping sees the labels a person would.
    Rows are read ``options.chunk_rows`` at a time with ``row_offset``/``row_limit``.

    Raises
    ------
    SourceUnavailable
        The file is missing or not a readable ``.sav`` file.
    MappingError
        A required variable is absent.
    """
    if not path.is_file():
        raise SourceUnavailable(f"{path}: file not found")
    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except pyreadstat.ReadstatError as error:
        raise SourceUnavailable(f"{path.name}: not a readable SPSS .sav file ({error}); export it again") from None
    header = unique_header(list(meta.column_names))  # a damaged file can hold unnamed variables (None)
    check_columns(path.name, header, (id_column, *required))
    notes.extra_columns = find_extra_columns(header, known) if known else ()
    notes.n_rows_estimate = meta.number_rows
    return _sav_rows(path, header, id_column, options.chunk_rows, notes)


def _sav_rows(path: Path, header: list[str], id_column: str, chunk_rows: int, notes: ReadNotes) -> Iterator[RawRecord]:
    offset = 0
    while True:
        try:
            frame, _ = pyreadstat.read_sav(str(path), row_offset=offset, row_limit=chunk_rows,
                                           apply_value_formats=True, formats_as_category=False)
        except pyreadstat.ReadstatError as error:
            raise SourceUnavailable(f"{path.name} row {offset + 2}: the file stops or is damaged here ({error})") from None
        if frame.empty:
            return
        for i, cells in enumerate(frame.itertuples(index=False, name=None)):
            row_number = offset + i + 2  # as a spreadsheet would show it, under a header row
            values = list(cells)
            if all(v is None or v == "" or (isinstance(v, float) and math.isnan(v)) for v in values):
                notes.add_blank(row_number)
                continue
            yield row_record(path.name, row_number, header, values, id_column)
        if len(frame) < chunk_rows:
            return
        offset += chunk_rows
