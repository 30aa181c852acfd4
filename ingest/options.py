"""How to read one source's export files: the ``[sources.KEY.file]`` table of ``config.toml``.

It lives in its own module so that every reader (``files``, ``xlsx``, ``spss``) can import it
without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Rows such as "Total responses: 212" or "Survey closed 30/04/2024" that exports add above or
#: below the data. A row is a summary row when it has at most two filled cells and its first
#: filled cell matches one of these (case-insensitive).
SUMMARY_PATTERNS = (
    r"^(grand )?totals?\b",
    r"^(number of |no\.? of )?(responses|respondents|completes|completed responses)\s*[:=]",
    r"^survey (closed|opened|ended|started|end|start|status)\b",
    r"^(report |export |file )?(generated|exported|downloaded|created|printed)\b",
    r"^(average|mean|median|count|sum)\s*[:=]",
    r"^(filter|filters) (applied|used)?",
)
ENCODINGS = ("", "utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "latin-1")
DELIMITERS = ("", ",", ";", "\t", "|")


@dataclass(frozen=True)
class FileOptions:
    """How to read a source's files. Every field is a key of ``[sources.KEY.file]``.

    Parameters
    ----------
    sheet
        XLSX: the sheet to read; ``""`` reads the first sheet.
    header_row
        The row (counting from 1, as a spreadsheet shows it) holding the header, or its first row.
    header_rows
        1, 2 or 3 rows of header; several rows (question text over option text) are joined into
        one column name, "Question - Option". Blank or merged cells carry the question right.
    encoding
        CSV: ``""`` detects UTF-8 (with or without BOM), UTF-16 (with BOM, or without BOM by its
        zero bytes) and Windows-1252; or name one of :data:`ENCODINGS`.
    delimiter
        CSV: ``""`` picks comma, semicolon, tab or bar from the header line.
    skip_rows
        Row numbers (as a spreadsheet shows them) below the header that are not responses.
    skip_patterns
        Regular expressions; a row with a cell matching one (case-insensitive) is skipped and reported.
    summary_patterns
        Regular expressions for summary and total rows (default :data:`SUMMARY_PATTERNS`);
        such rows are reported, never stored.
    chunk_rows
        SPSS: rows read per chunk.
    """

    sheet: str = ""
    header_row: int = 1
    header_rows: int = 1
    encoding: str = ""
    delimiter: str = ""
    skip_rows: tuple[int, ...] = ()
    skip_patterns: tuple[str, ...] = ()
    summary_patterns: tuple[str, ...] = SUMMARY_PATTERNS
    chunk_rows: int = 10_000

    def __post_init__(self) -> None:
        if self.header_rows not in (1, 2, 3):
            raise ValueError(f"header_rows {self.header_rows!r}: expected 1, 2 or 3")
        if self.header_row < 1 or self.chunk_rows < 1:
            raise ValueError(f"header_row {self.header_row!r} and chunk_rows {self.chunk_rows!r}: expected 1 or more")
        if self.encoding.lower() not in ENCODINGS:
            raise ValueError(f"encoding {self.encoding!r}: expected \"\" (detect) or one of {', '.join(ENCODINGS[1:])}")
        if self.delimiter not in DELIMITERS:
            raise ValueError(f"delimiter {self.delimiter!r}: expected \"\" (detect) or one of , ; tab |")
        for pattern in (*self.skip_patterns, *self.summary_patterns):
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {error}") from None

    @property
    def first_data_row(self) -> int:
        """The row number of the first row below the header."""
        return self.header_row + self.header_rows
