"""Ethnicity labels: every ONS 2021 label in the spellings real forms use, and nothing guessed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import NOT_STATED
from ingest import NOT_STATED as NS
from ingest.ages import read_age
from ingest.ethnicity import DFE_CODES, NATIONALITY_WRITE_INS, read_ethnicity
from ingest.vocabulary import ETHNIC_GROUPS, ETHNICITIES

# ONS 2021 England questionnaire: the heading of each group, then its tick boxes.
ONS_DETAILED = [
    ("Asian, Asian British or Asian Welsh", "Bangladeshi", "1"),
    ("Asian, Asian British or Asian Welsh", "Chinese", "2"),
    ("Asian, Asian British or Asian Welsh", "Indian", "3"),
    ("Asian, Asian British or Asian Welsh", "Pakistani", "4"),
    ("Asian, Asian British or Asian Welsh", "Any other Asian background", "5"),
    ("Black, Black British, Black Welsh, Caribbean or African", "African", "6"),
    ("Black, Black British, Black Welsh, Caribbean or African", "Caribbean", "7"),
    ("Black, Black British, Black Welsh, Caribbean or African", "Any other Black, Black British or Caribbean background", "8"),
    ("Mixed or Multiple ethnic groups", "White and Asian", "9"),
    ("Mixed or Multiple ethnic groups", "White and Black African", "10"),
    ("Mixed or Multiple ethnic groups", "White and Black Caribbean", "11"),
    ("Mixed or Multiple ethnic groups", "Any other Mixed or Multiple background", "12"),
    ("White", "English, Welsh, Scottish, Northern Irish or British", "13"),
    ("White", "Irish", "14"),
    ("White", "Gypsy or Irish Traveller", "15"),
    ("White", "Roma", "16"),
    ("White", "Any other White background", "17"),
    ("Other ethnic group", "Arab", "18"),
    ("Other ethnic group", "Any other ethnic group", "19"),
]


@pytest.mark.parametrize(("heading", "box", "code"), ONS_DETAILED)
@pytest.mark.parametrize("joiner", [": ", " - ", " – "])
def test_ons_heading_and_tick_box_give_the_detailed_code(heading, box, code, joiner):
    reading = read_ethnicity(f"{heading}{joiner}{box}")
    assert (reading.code, reading.group) == (code, ETHNICITIES[code][0])


@pytest.mark.parametrize(("heading", "box", "code"), ONS_DETAILED)
def test_ons_tick_box_text_alone_gives_the_detailed_code(heading, box, code):
    assert (read_ethnicity(box).code, read_ethnicity(box.upper()).code) == (code, code)


@pytest.mark.parametrize(("group", "label"), sorted(ETHNIC_GROUPS.items()))
def test_ons_high_level_label_gives_the_group_and_no_detailed_code(group, label):
    for spelling in (label, label.lower(), label.replace(",", "/"), group):
        reading = read_ethnicity(spelling)
        assert (reading.code, reading.group) == (None, group), spelling


@pytest.mark.parametrize(("label", "code", "group"), [
    ("White British", "13", "H4"), ("White - British", "13", "H4"), ("WBRI", "13", "H4"), ("wbri", "13", "H4"),
    ("British Indian", "3", "H1"), ("Indian British", "3", "H1"), ("Asian British - Pakistani", "4", "H1"),
    ("Black British", None, "H2"), ("British Asian", None, "H1"), ("Black or Black British", None, "H2"),
    ("Mixed White/Black Caribbean", "11", "H3"), ("White & Black African", "10", "H3"),
    ("Other ethnic group", None, "H5"), ("Other (please specify)", None, "H5"), ("Any other ethnic group", "19", "H5"),
    ("bafr", "6", "H2"), ("WIRI", "14", "H4"), ("aban", "1", "H1"), ("WROM", None, "H4"),
    ("Black Caribbean or African", None, "H2"), ("Gypsy/Roma", None, "H4"),
    # Analyst trial 2 (issue 16): Romany Gypsies are in the ONS Gypsy group; a heading's nationality
    # detail leaves the heading to speak; a generic "Other" heading lets its write-in speak.
    ("Romany Gypsy", "15", "H4"), ("White: Romany Gypsy", "15", "H4"), ("Romani Gypsies", "15", "H4"),
    ("Other White - Italian", "17", "H4"), ("Any other White background: Portuguese", "17", "H4"),
    ("White - Italian", None, "H4"), ("Other Asian - Nepali", "5", "H1"),
    ("Other: Nigerian", "6", "H2"), ("Other (please specify) - Albanian", "17", "H4"),
])
def test_real_form_spellings(label, code, group):
    reading = read_ethnicity(label)
    assert (reading.code, reading.group) == (code, group)


@pytest.mark.parametrize(("label", "reason"), [
    ("British", "nationality"), ("English", "national identity ('English')"), ("Welsh", "national identity"),
    ("half english half jamaican", "free description"), ("Human race", "free description"),
    ("Martian", "free description"), ("White African", "disagree"), ("Black Irish", "disagree"),
    ("White Black", "more than one"), ("Asian - Caribbean", "disagree"),
    ("Mixed - Arab", "disagree"), ("Mixed - Indian", "disagree"),
    ("Other - Human race", "free description"), ("Other White - Nigerian", "disagree"),
])
def test_ambiguous_mixed_or_free_descriptions_are_not_stated_with_a_reason(label, reason):
    reading = read_ethnicity(label)
    assert (reading.code, reading.group) == (NOT_STATED, NOT_STATED)
    assert reason in reading.reason


@pytest.mark.parametrize(("write_in", "code"), sorted(NATIONALITY_WRITE_INS.items()))
def test_listed_nationality_write_ins_name_their_detailed_group(write_in, code):
    assert read_ethnicity(write_in.capitalize()).code == code


def test_every_school_census_code_gives_a_known_code():
    for label, code in DFE_CODES.items():
        reading = read_ethnicity(label.upper())
        assert reading.code in (*ETHNICITIES, None, NOT_STATED) and (reading.group in ETHNIC_GROUPS or code == NOT_STATED)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_known_code_or_not_stated_with_a_reason(label):
    reading = read_ethnicity(label)
    assert reading.group in (*ETHNIC_GROUPS, NS)
    assert reading.code in (*ETHNICITIES, None, NS)
    if reading.code not in (None, NS):
        assert ETHNICITIES[reading.code][0] == reading.group
    if reading.group == NS and reading.code == NS and reading.reason:
        assert isinstance(reading.reason, str)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers(-5, 300), st.floats(allow_nan=True)))
def test_any_age_cell_gives_an_age_in_range_or_a_reason(value):
    reading = read_age(value, 11, 90, ("11-15", "16-24", "25+"))
    assert reading.age is None or 11 <= reading.age <= 90
    assert reading.age is not None or reading.band is not None or reading.reason


@pytest.mark.parametrize(("label", "code", "group"), [
    ("W1", "13", "H4"), ("w2", "14", "H4"), ("W9", None, "H4"), ("M1", "11", "H3"), ("M2", "10", "H3"), ("M3", "9", "H3"),
    ("M9", "12", "H3"), ("A1", "3", "H1"), ("A2", "4", "H1"), ("A3", "1", "H1"), ("A9", "5", "H1"), ("B1", "7", "H2"),
    ("B2", "6", "H2"), ("B9", "8", "H2"), ("O1", "2", "H1"), ("O9", None, "H5"),
])
def test_2001_sixteen_plus_one_codes_give_their_2021_group_and_split_boxes_only_the_group(label, code, group):
    """Trial 4: a police data-entry sheet recorded self-defined ethnicity in the 2001 16+1 codes."""
    reading = read_ethnicity(label)
    assert (reading.code, reading.group, reading.reason) == (code, group, "")


@pytest.mark.parametrize("label", ["IC1", "ic3", "IC 6", "IC9"])
def test_police_observed_ic_codes_are_not_read_as_the_persons_ethnicity(label):
    reading = read_ethnicity(label)
    assert (reading.code, reading.group) == (NOT_STATED, NOT_STATED) and "observed (IC) code" in reading.reason
