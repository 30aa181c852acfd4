"""Ward from a postcode, where the borough's postcode-to-ward lookup can decide it.

The lookup is a CSV file, one row per full postcode, in either of two shapes:

* ``postcode,ward_code`` (rows may also give a postcode district, "RM1", that lies wholly in one ward);
* the ONS National Statistics Postcode Lookup (NSPL) or ONS Postcode Directory (ONSPD) as
  published (Open Government Licence), whole or any extract of it such as the London file: the
  postcode from ``pcds`` (else ``pcd``, ``pcd2``, ``pcd7`` or ``pcd8``) and the ward from its ward
  column (``wd24cd``, ``wd23cd``, ... in recent editions, ``ward`` in older NSPLs, ``osward`` in
  the ONSPD). Other columns are ignored.

A full postcode gives its ward; a district gives a ward only when every postcode of it in the
lookup lies in that one ward; otherwise the ward is not stated, with the reason. Rows with no ward
(a postcode outside England and Wales, or a large user) are left out. The mapping then checks
the ward against the borough's 2022 wards: a ward of another borough is not stated, never guessed.
The project ships one for Havering and Barking and Dagenham, built from OS Code-Point Open
(``weights/data/census2021/postcode_wards.csv``; source and licence in SOURCES.md beside it).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.codes import NOT_STATED
from ingest.errors import MappingError

#: The lookup shipped with the census data (Code-Point Open, the districts the two boroughs touch).
SHIPPED = Path(__file__).resolve().parent.parent / "weights" / "data" / "census2021" / "postcode_wards.csv"
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
_POSTCODE_COLUMNS = ("postcode", "pcds", "pcd", "pcd2", "pcd7", "pcd8")
_WARD_COLUMN = re.compile(r"^wd[0-9]{2}cd$", re.IGNORECASE)


@dataclass(frozen=True)
class PostcodeLookup:
    """Full postcodes (no spaces, capitals) and districts to ward codes."""

    postcodes: dict[str, str] = field(default_factory=dict)
    districts: dict[str, frozenset[str]] = field(default_factory=dict)

    def ward_for(self, postcode: object) -> tuple[str, str]:
        """The ward of a postcode or district, and why not when it is not stated."""
        text = re.sub(r"\s+", "", str(postcode or "")).upper()
        if not text:
            return NOT_STATED, ""
        full = _FULL.match(text)
        if full and text in self.postcodes:
            return self.postcodes[text], ""
        district = full.group(1) if full else text
        if not full and not _DISTRICT.match(text):
            return NOT_STATED, "not a UK postcode or postcode district"
        wards = self.districts.get(district)
        if not wards:
            return NOT_STATED, f"the postcode lookup has no postcode in {district}"
        if len(wards) > 1:
            return NOT_STATED, f"the district {district} spans {len(wards)} wards; a full postcode is needed"
        return next(iter(wards)), ""


def load_postcode_lookup(path: Path | str = "") -> PostcodeLookup:
    """Read a lookup CSV (``postcode,ward_code``, or an NSPL/ONSPD file); ``""`` reads the one shipped, if any.

    Raises
    ------
    MappingError
        The file is missing or has no postcode or no ward column; the message says what is needed.
    """
    file = Path(path) if path else SHIPPED
    if not file.is_file():
        raise MappingError(f"ward_from_postcode needs a postcode-to-ward lookup, and {file} does not exist. "
                           "Set [sources.KEY.mapping] postcode_lookup to a CSV with the columns postcode,ward_code, "
                           "or to the ONS National Statistics Postcode Lookup file (columns pcds and wdNNcd) as published")
    postcodes: dict[str, str] = {}
    districts: dict[str, set[str]] = {}
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        postcode_column, ward_column = _lookup_columns(file.name, tuple(reader.fieldnames or ()))
        for row in reader:
            code, ward = re.sub(r"\s+", "", row[postcode_column] or "").upper(), (row[ward_column] or "").strip()
            if not code or not ward:
                continue
            full = _FULL.match(code)
            if full:
                postcodes[code] = ward
            districts.setdefault(full.group(1) if full else code, set()).add(ward)
    return PostcodeLookup(postcodes, {d: frozenset(w) for d, w in districts.items()})


def _lookup_columns(name: str, columns: tuple[str, ...]) -> tuple[str, str]:
    """The postcode and ward columns of a lookup: ``postcode``/``ward_code``, or NSPL's ``pcds``/``wdNNcd``."""
    lower = {c.strip().lower(): c for c in columns}
    postcode = next((lower[c] for c in _POSTCODE_COLUMNS if c in lower), None)
    named = [lower[c] for c in ("ward_code", "osward", "ward") if c in lower]  # ONSPD's osward, older NSPLs' ward
    wards = named[:1] or [c for c in columns if _WARD_COLUMN.match(c.strip())]
    if postcode is None or len(wards) != 1:
        found = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        problem = (f"it has {len(wards)} ward columns ({', '.join(wards)}); keep one" if len(wards) > 1 else
                   "it has no postcode column" if postcode is None else "it has no ward column")
        raise MappingError(f"{name}: a postcode lookup needs a postcode column (postcode, or NSPL's pcds) and one ward "
                           f"column (ward_code, or NSPL's wdNNcd); {problem}. Found: {found}")
    return postcode, wards[0]
