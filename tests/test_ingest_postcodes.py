"""The shipped postcode-to-ward lookup (OS Code-Point Open 2025.2.0, Havering and Barking and
Dagenham): full postcodes give their 2022 ward, districts stay not stated, and a postcode of the
other borough is never put in a ward of this one."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.codes import NOT_STATED
from ingest.postcodes import SHIPPED, load_postcode_lookup
from ingest.vocabulary import Ward

CENSUS = Path(__file__).resolve().parent.parent / "weights" / "data" / "census2021"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _wards(stem: str) -> tuple[Ward, ...]:
    """The borough's 2022 wards from the census ward file."""
    with (CENSUS / f"{stem}_wards_derived_from_oa.csv").open(encoding="utf-8", newline="") as handle:
        return tuple({row["ward_code"]: Ward(row["ward_code"], row["ward_name"])
                      for row in csv.DictReader(handle)}.values())


# Wards read from the shipped file itself (Code-Point Open's Admin_ward_code); names from the
# census ward files.
@pytest.mark.parametrize(("postcode", "ward"), [
    ("RM1 1AA", "E05013983"),   # Havering, St Edward's
    ("rm7 0aa", "E05013981"),   # Havering, St Alban's (lower case)
    ("RM107AA", "E05014059"),   # Barking and Dagenham, Eastbrook & Rush Green (no space)
    ("IG11 7AA", "E05014061"),  # Barking and Dagenham, Gascoigne
])
def test_shipped_lookup_gives_the_ward_of_a_full_postcode(postcode, ward):
    assert load_postcode_lookup().ward_for(postcode) == (ward, "")


@pytest.mark.parametrize(("district", "reason"), [
    ("RM1", "the district RM1 spans 8 wards; a full postcode is needed"),
    ("RM4", "the district RM4 spans 7 wards; a full postcode is needed"),  # Havering and Epping Forest
    ("IG11", "the district IG11 spans 11 wards; a full postcode is needed"),
])
def test_shipped_lookup_leaves_a_district_that_spans_wards_not_stated(district, reason):
    assert load_postcode_lookup().ward_for(district) == (NOT_STATED, reason)


def test_shipped_lookup_decides_no_district_of_the_two_boroughs():
    lookup = load_postcode_lookup()
    single = sorted(d for d, wards in lookup.districts.items() if len(wards) == 1)
    assert single == [], f"districts wholly in one ward: {single}"


def test_shipped_lookup_reaches_every_2022_ward_of_both_boroughs():
    in_file = set(load_postcode_lookup().postcodes.values())
    for stem in ("havering", "barking_dagenham"):
        missing = sorted(w.code for w in _wards(stem) if w.code not in in_file)
        assert missing == [], f"{stem} wards with no postcode in {SHIPPED.name}: {missing}"


def test_postcode_of_the_other_borough_is_not_stated_with_the_reason():
    from ingest import RawRecord, SourceMapping, map_record

    mapping = SourceMapping(id_column="id", postcode_column="pc", ward_from_postcode=True)

    def read(postcode: str) -> tuple[str, list[str]]:
        record = map_record(RawRecord("A", {"id": "A", "pc": postcode}, "f row 2"), "s", mapping,
                            _wards("havering"), now=NOW, keep_issues=True)
        return record.demographics.ward, [i.reason for i in record.field_issues]

    assert read("RM1 1AA") == ("E05013983", [])
    assert read("IG11 7AA") == (NOT_STATED, [
        "the lookup puts it in ward E05014061, which is not a 2022 ward of the borough; ward not stated"])
