"""One home for the borough's ward list: 2022 ward codes and names from the census ward file.

The file is the one ``weights`` ships (``weights/data/census2021/<borough>_wards_derived_from_oa.csv``).
It is read here with the standard library rather than through ``weights``, so that web workers,
which show ward names on every staff page, do not load the analysis libraries.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

CENSUS = Path(__file__).resolve().parents[2] / "weights" / "data" / "census2021"


@lru_cache(maxsize=4)
def read_ward_names(borough: str) -> dict[str, str]:
    """Ward code to ward name for ``borough``, in code order.

    Raises
    ------
    ValueError
        For a borough without a census ward file, naming the file looked for.
    """
    path = CENSUS / f"{borough}_wards_derived_from_oa.csv"
    if not path.is_file():
        raise ValueError(f"borough {borough!r} has no census ward file {str(path)!r}; "
                         "see weights/data/census2021/SOURCES.md")
    names: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names[row["ward_code"]] = row["ward_name"]
    return dict(sorted(names.items()))
