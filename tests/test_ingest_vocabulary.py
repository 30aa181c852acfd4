"""The vocabulary mapper on the label spellings real survey exports use."""

from __future__ import annotations

import pytest

from ingest import NOT_STATED, VocabularyError, Ward
from ingest.ages import read_age
from ingest.vocabulary import (
    band_for_age,
    map_ethnicity,
    map_postcode_district,
    map_sex,
    map_ward,
)

ETHNICITY_LABELS = [
    ("White - English/Welsh/Scottish/Northern Irish/British", "13", "H4"),
    ("White British/English/Welsh/Scottish/NI", "13", "H4"),
    ("White British", "13", "H4"),
    ("white british", "13", "H4"),
    ("White: English, Welsh, Scottish, Northern Irish or British", "13", "H4"),
    ("White - British", "13", "H4"),
    ("WBRI", "13", "H4"),
    ("White - Irish", "14", "H4"),
    ("White Irish", "14", "H4"),
    ("White: Gypsy or Irish Traveller", "15", "H4"),
    ("White: Roma", "16", "H4"),
    ("White - Any other White background", "17", "H4"),
    ("White other", "17", "H4"),
    ("White - Other", "17", "H4"),
    ("Any other White background", "17", "H4"),
    ("White European", "17", "H4"),
    ("Polish", "17", "H4"),
    ("Mixed - White and Black Caribbean", "11", "H3"),
    ("Mixed White & Black Caribbean", "11", "H3"),
    ("Mixed White/Black Caribbean", "11", "H3"),
    ("Mixed/Multiple ethnic groups: White and Black African", "10", "H3"),
    ("Mixed - White and Asian", "9", "H3"),
    ("Mixed White & Asian", "9", "H3"),
    ("Any other Mixed/Multiple ethnic background", "12", "H3"),
    ("Mixed other", "12", "H3"),
    ("Asian/Asian British - Indian", "3", "H1"),
    ("Asian or Asian British: Indian", "3", "H1"),
    ("Indian", "3", "H1"),
    ("Asian - Pakistani", "4", "H1"),
    ("Pakistani", "4", "H1"),
    ("Asian - Bangladeshi", "1", "H1"),
    ("Bangladeshi", "1", "H1"),
    ("Chinese", "2", "H1"),
    ("Asian, Asian British or Asian Welsh: Chinese", "2", "H1"),
    ("Any other Asian background", "5", "H1"),
    ("Asian other", "5", "H1"),
    ("Black/Black British: African", "6", "H2"),
    ("Black/African/Caribbean/Black British - African", "6", "H2"),
    ("Black African", "6", "H2"),
    ("Black, Black British, Black Welsh, Caribbean or African: African", "6", "H2"),
    ("Nigerian", "6", "H2"),
    ("Black/Black British: Caribbean", "7", "H2"),
    ("Black Caribbean", "7", "H2"),
    ("Black/African/Caribbean/Black British - Caribbean", "7", "H2"),
    ("Any other Black/African/Caribbean background", "8", "H2"),
    ("Black other", "8", "H2"),
    ("Other ethnic group: Arab", "18", "H5"),
    ("Arab", "18", "H5"),
    ("Any other ethnic group", "19", "H5"),
    ("13", "13", "H4"),
    ("6", "6", "H2"),
]

GROUP_ONLY = [
    ("Black or Black British", "H2"),
    ("Asian", "H1"),
    ("Mixed", "H3"),
    ("Mixed/multiple ethnic groups", "H3"),
    ("White", "H4"),
    ("H2", "H2"),
    ("Gypsy/Roma/Traveller of Irish heritage", "H4"),  # names two detailed groups (15 and 16)
    ("Other", "H5"),  # the high-level group, not "Any other ethnic group"
]

DECLINED = ["Prefer not to say", "prefer not to say ", "Rather not say", "", "   ", None, "N/A", "Not stated",
            "Don't know", "dont know", "Prefer not to answer", "I'd rather not say", "-"]


@pytest.mark.parametrize(("label", "code", "group"), ETHNICITY_LABELS)
def test_map_ethnicity_real_spelling_gives_ons_code(label, code, group):
    assert map_ethnicity(label) == (code, group)


@pytest.mark.parametrize(("label", "group"), GROUP_ONLY)
def test_map_ethnicity_high_level_label_gives_group_only(label, group):
    assert map_ethnicity(label) == (None, group)


@pytest.mark.parametrize("label", DECLINED)
def test_map_ethnicity_refusal_or_blank_is_not_stated(label):
    assert map_ethnicity(label) == (NOT_STATED, NOT_STATED)


def test_map_ethnicity_unknown_label_is_not_guessed():
    assert map_ethnicity("Martian") == (NOT_STATED, NOT_STATED)
    with pytest.raises(VocabularyError, match=r"ethnicity: 'Martian' is not a known value; expected an ONS 2021 ethnic group"):
        map_ethnicity("Martian", strict=True)


@pytest.mark.parametrize(("label", "code"), [
    ("Female", "female"), ("F", "female"), ("female", "female"), ("Woman", "female"), ("Girl", "female"),
    ("Male", "male"), ("M", "male"), ("MALE", "male"), ("Man", "male"), ("Boy", "male"),
    ("Prefer not to say", NOT_STATED), ("", NOT_STATED), (None, NOT_STATED),
])
def test_map_sex_real_spelling(label, code):
    assert map_sex(label) == code


def test_map_sex_unknown_label_is_not_stated_or_an_error_when_strict():
    assert map_sex("Fish") == NOT_STATED
    assert map_sex("Girl or boy") == NOT_STATED  # parts that disagree are not guessed
    with pytest.raises(VocabularyError, match=r"sex: 'Fish' is not a known value; expected female or male"):
        map_sex("Fish", strict=True)


@pytest.mark.parametrize(("label", "code"), [
    ("Female (including trans woman)", "female"), ("Male (including trans man)", "male"),
    ("Woman (inc. trans women)", "female"), ("Man (incl trans men)", "male"),
    # Analyst trial 3 (Microsoft Forms youth form): the common youth wordings.
    ("Girl or young woman", "female"), ("Boy or young man", "male"), ("Girl / young woman", "female"),
    ("A woman", "female"), ("Young man", "male"), ("G", "female"), ("B", "male"),
])
def test_map_sex_reads_gender_options_that_include_trans_people(label, code):
    assert map_sex(label, strict=True) == code


@pytest.mark.parametrize("label", ["Non-binary", "Nonbinary", "Other", "Prefer to self-describe",
                                   "I describe myself in another way", "Genderfluid", "non_binary", "U", "X"])
def test_map_sex_takes_a_gender_answer_with_no_census_sex_as_not_stated_without_an_error(label):
    """Issue 16: a gender question goes in sex_column; its non-binary answers are answers, not bad cells."""
    assert map_sex(label, strict=True) == NOT_STATED


CSS_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")


@pytest.mark.parametrize(("label", "band"), [
    ("16-24", "16-24"), ("16 - 24", "16-24"), ("16 to 24", "16-24"), ("16\u201324", "16-24"), ("16-24 years", "16-24"),
    ("75 or over", "75+"), ("75+", "75+"), ("75 and over", "75+"), ("75 plus", "75+"),
    ("Prefer not to say", NOT_STATED), ("16_24", "16-24"), ("75_plus", "75+"), ("prefer_not_say", NOT_STATED),
])
def test_age_band_real_spelling(label, band):
    reading = read_age(label, 16, 120, CSS_BANDS)
    assert (reading.age, reading.band, reading.reason) == (None, band, "")


def test_age_band_straddling_two_bands_is_not_guessed():
    reading = read_age("18-30", 16, 120, CSS_BANDS)
    assert reading.band == NOT_STATED and not reading.is_out_of_range
    assert reading.reason.startswith("an age band that is not one of the bands 16-24, 25-34") and "not guessed" in reading.reason


def test_age_in_years_is_read_and_an_implausible_one_is_out_of_range():
    assert read_age("14").age == 14 and read_age(" 52.0 ").age == 52 and read_age("twelve").age == 12
    assert read_age("Prefer not to say").age is None and read_age("Prefer not to say").reason == ""
    assert read_age("250").is_out_of_range


def test_band_for_age_puts_an_age_in_its_band():
    assert band_for_age(16, CSS_BANDS) == "16-24"
    assert band_for_age(90, CSS_BANDS) == "75+"
    assert band_for_age(12, CSS_BANDS) is None


WARDS = (Ward("E05013983", "St Edward's"), Ward("E05013976", "Hylands & Harrow Lodge"),
         Ward("E05013974", "Havering-atte-Bower"), Ward("E05013969", "Elm Park"))


@pytest.mark.parametrize(("label", "code"), [
    ("St Edward's", "E05013983"), ("St Edwards", "E05013983"), ("st. edward's", "E05013983"),
    ("Saint Edwards", "E05013983"), ("ST EDWARDS WARD", "E05013983"), ("E05013983", "E05013983"),
    ("Hylands and Harrow Lodge", "E05013976"), ("Hylands & Harrow Lodge", "E05013976"),
    ("Havering atte Bower", "E05013974"), ("elm park", "E05013969"), ("", NOT_STATED),
])
def test_map_ward_real_spelling(label, code):
    assert map_ward(label, WARDS) == code


def test_map_ward_unknown_name_is_not_guessed():
    assert map_ward("Romford Town", WARDS) == NOT_STATED
    with pytest.raises(VocabularyError, match=r"ward: 'Romford Town' is not a known value"):
        map_ward("Romford Town", WARDS, strict=True)


@pytest.mark.parametrize(("label", "district"), [
    ("RM1 3AB", "RM1"), ("rm11 1aa", "RM11"), ("RM3", "RM3"), ("RM138DP", "RM13"), ("", None), ("not a postcode", None),
])
def test_map_postcode_district_keeps_only_the_outward_code(label, district):
    assert map_postcode_district(label) == district


def test_under_n_bands_are_0_to_n_minus_1_and_a_bad_band_names_the_key_and_value():
    from ingest import SourceMapping

    mapping = SourceMapping(id_column="id", age_bands=("Under 16", "16-24", "65+"))
    assert mapping.age_bands == ("0-15", "16-24", "65+")
    assert read_age("under 16", 0, 120, mapping.age_bands).band == "0-15"
    with pytest.raises(ValueError, match=r"age_bands = \['Under 16', '16 to 24'\]: age band '16 to 24' is not of the "
                                         r"form 'A-B' \(A up to B\), 'A\+' or 'Under N'"):
        SourceMapping(id_column="id", age_bands=("Under 16", "16 to 24"))
