"""Limits on the zip archive inside an XLSX workbook, checked before openpyxl expands any of it.

An XLSX file is a zip archive of XML parts. A "zip bomb" packs gigabytes of XML into a few
kilobytes, and openpyxl would expand and parse all of it. :func:`check_archive` reads the archive's
directory, and the rows of parts large enough to matter, and refuses the workbook when

* a part's declared expanded size is over its limit, or all parts' together are;
* a part expands more than ``max_ratio`` times its packed size, or all parts together expand more
  than ``max_ratio`` times the size of the file (which catches entries that overlap, or that claim
  more packed bytes than they have);
* a part holds more ``<row>`` elements than an Excel sheet can: openpyxl's read-only parser keeps an
  emptied element for each row it has passed (about 70 bytes), and reads every sheet through once
  when the sheet has no ``<dimension>``, so memory follows the number of rows, not of bytes.

Declared sizes can lie, but zipfile never returns more than a part's declared size: it stops there
and raises ``BadZipFile`` when the data goes on (the CRC no longer matches). openpyxl reads the
parts through zipfile, so the declared sizes bound what it can expand.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import SourceUnavailable

logger = logging.getLogger(__name__)

EXCEL_ROWS = 1_048_576
SHARED_STRINGS = "xl/sharedStrings.xml"
SHEETS = "xl/worksheets/"
# A row element: "<row" or a prefixed "<x:row", then a space, "/" or ">" (five bytes, so a block
# boundary is handled by carrying four bytes over). Text cannot hold a raw "<"; ":row " in text,
# CDATA or comments only makes the count higher.
_ROW = re.compile(rb"[<:]row[\s/>]")
_BLOCK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """How far an XLSX workbook may expand before it is refused as a zip bomb.

    Parameters
    ----------
    max_total_bytes
        All parts together, expanded. A 1,000,000-row export of 30 columns is about 1.4 GB of sheet
        XML, so 4 GiB leaves room; a worksheet (``xl/worksheets/...``) is bounded only by this.
    max_strings_bytes
        The shared strings (``xl/sharedStrings.xml``), which openpyxl reads into memory whole.
    max_part_bytes
        Each other part (styles, workbook, relationships, a part stored under another name).
    max_ratio
        Expanded size over packed size, for each part of at least ``ratio_from_bytes`` expanded and
        for the whole file. Sheets written by openpyxl pack 11:1 to 22:1 (measured), even when every
        cell holds the same value. Apache POI's default limit is 100:1 too.
    ratio_from_bytes
        Smaller parts are not held to ``max_ratio``: they cannot do harm, and small, very repetitive
        parts (drawings, styles) are where real files pass 100:1. POI checks from 100 kB.
    max_rows
        Row elements in any one part; an Excel sheet holds at most 1,048,576 rows.
    """

    max_total_bytes: int = 4 * 1024**3
    max_strings_bytes: int = 512 * 1024**2
    max_part_bytes: int = 64 * 1024**2
    max_ratio: float = 100.0
    ratio_from_bytes: int = 1024**2
    max_rows: int = EXCEL_ROWS


def check_archive(path: Path, limits: ArchiveLimits | None = None) -> None:
    """Refuse an XLSX workbook whose parts expand past ``limits``, before anything is parsed.

    Raises
    ------
    SourceUnavailable
        A part (or the whole file) is over a limit: the message names the file, the part, its
        declared size and the limit.
    zipfile.BadZipFile
        The file is not a readable zip archive (``read_xlsx_records`` reports it as damaged); zipfile
        may also raise ``zlib.error``, ``EOFError`` or ``NotImplementedError`` while rows are counted.
    """
    limits = limits or ArchiveLimits()
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        for part in parts:
            _check_part(path, part, limits)
        total = sum(part.file_size for part in parts)
        if total > limits.max_total_bytes:
            raise SourceUnavailable(f"{path.name}: the workbook's parts expand to {total:,} bytes, over the limit of "
                                    f"{limits.max_total_bytes:,}; {_ADVICE}")
        on_disk = max(1, path.stat().st_size)
        if total >= limits.ratio_from_bytes and total > limits.max_ratio * on_disk:
            raise SourceUnavailable(f"{path.name}: the workbook's parts expand to {total:,} bytes from a file of "
                                    f"{on_disk:,} bytes ({total / on_disk:,.0f}:1), over the limit of "
                                    f"{limits.max_ratio:,.0f}:1; {_ADVICE}")
        for part in parts:
            # Each row element takes at least five bytes: a smaller part cannot hold too many.
            if part.file_size > 5 * limits.max_rows:
                _check_rows(path, archive, part, limits.max_rows)


_ADVICE = ("the file looks like a zip bomb and was not opened. If it is a real export, export it again "
           "from the survey platform, or split it")


def _check_part(path: Path, part: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    name, size = part.filename, part.file_size
    if name.startswith(SHEETS):
        limit, what = limits.max_total_bytes, "a worksheet"
    elif name == SHARED_STRINGS:
        limit, what = limits.max_strings_bytes, "the shared strings"
    else:
        limit, what = limits.max_part_bytes, "a part other than a worksheet or the shared strings"
    if size > limit:
        raise SourceUnavailable(f"{path.name}: part {name!r} expands to {size:,} bytes (as declared), over the limit "
                                f"of {limit:,} bytes for {what}; {_ADVICE}")
    packed = max(1, part.compress_size)
    if size >= limits.ratio_from_bytes and size > limits.max_ratio * packed:
        raise SourceUnavailable(f"{path.name}: part {name!r} expands to {size:,} bytes (as declared) from "
                                f"{packed:,} packed, {size / packed:,.0f}:1, over the limit of {limits.max_ratio:,.0f}:1; "
                                f"{_ADVICE}")


def _check_rows(path: Path, archive: zipfile.ZipFile, part: zipfile.ZipInfo, max_rows: int) -> None:
    n_rows = 0
    carried = b""
    with archive.open(part) as stream:
        start = stream.read(4)
        if start[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in start:
            raise SourceUnavailable(f"{path.name}: part {part.filename!r} is not UTF-8 XML (it starts with "
                                    f"{start!r}); Excel writes UTF-8. Export it again from the survey platform")
        block = start
        while block:
            window = carried + block
            n_rows += len(_ROW.findall(window))
            if n_rows > max_rows:
                raise SourceUnavailable(f"{path.name}: part {part.filename!r} holds more than {max_rows:,} rows, the "
                                        f"limit (an Excel sheet holds at most {EXCEL_ROWS:,}); {_ADVICE}")
            carried = window[-4:]
            block = stream.read(_BLOCK)
