"""What every CSV and XLSX the service writes does to text cells: spreadsheet formulas are defused.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel and LibreOffice (and written as one by openpyxl), so a resident's comment or a
site name such as ``=HYPERLINK("http://...")`` could run in an analyst's spreadsheet. Such text
gets a leading apostrophe, which spreadsheets show as plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only a type here: the audit log's CSV and `voice --help` need no pandas
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(value: Any) -> Any:
    """The value, with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def defuse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through :func:`defuse_formula`."""
    return frame.map(defuse_formula)
