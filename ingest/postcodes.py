"""Ward from a postcode, where the borough's postcode-to-ward lookup can decide it.

The lookup is a CSV file with the columns ``postcode`` and ``ward_code`` (one row per full
postcode, e.g. an extract of the ONS National Statistics Postcode Lookup, Open Government
Licence); rows may also give a postcode district ("RM1") that lies wholly in one ward. A full
postcode gives its ward; a district gives a ward only when every postcode of it in the lookup lies
in that one ward; otherwise the ward is not stated, with the reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.codes import NOT_STATED
from ingest.errors import MappingError

#: Where a lookup shipped with the census data would be (none is shipped at present).
SHIPPED = Path(__file__).resolve().parent.parent / "weights" / "data" / "census2021" / "postcode_wards.csv"
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


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
    """Read a lookup CSV (``postcode``, ``ward_code``); ``""`` reads the one shipped, if any.

    Raises
    ------
    MappingError
        The file is missing or lacks those columns; the message says what lookup is needed.
    """
    file = Path(path) if path else SHIPPED
    if not file.is_file():
        raise MappingError(f"ward_from_postcode needs a postcode-to-ward lookup, and {file} does not exist. "
                           "Set [sources.KEY.mapping] postcode_lookup to a CSV with the columns postcode,ward_code "
                           "(e.g. the borough's rows of the ONS National Statistics Postcode Lookup)")
    postcodes: dict[str, str] = {}
    districts: dict[str, set[str]] = {}
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"postcode", "ward_code"} <= set(reader.fieldnames or ()):
            raise MappingError(f"{file.name}: a postcode lookup needs the columns postcode and ward_code; "
                               f"found {', '.join(reader.fieldnames or ())}")
        for row in reader:
            code, ward = re.sub(r"\s+", "", row["postcode"]).upper(), row["ward_code"].strip()
            full = _FULL.match(code)
            if full:
                postcodes[code] = ward
            districts.setdefault(full.group(1) if full else code, set()).add(ward)
    return PostcodeLookup(postcodes, {d: frozenset(w) for d, w in districts.items()})
