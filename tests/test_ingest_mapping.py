"""Mapping checks each field and names the field, value and rule that fail."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingest import (
    NOT_STATED,
    QuestionSpec,
    RawRecord,
    RecordError,
    SourceMapping,
    map_record,
    parse_datetime,
)

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
MAPPING = SourceMapping(id_column="id", submitted_at="when", age_column="age", age_bands=("11-15", "16-18"),
                        sex_column="sex", min_age=10, max_age=19,
                        questions=(QuestionSpec("safe", "safe", "single_choice", options=("Safe", "Unsafe")),
                                   QuestionSpec("score", "score", "scale", minimum=1, maximum=5, required=True)))


def _map(**data):
    record = {"id": "R1", "when": "21/04/2023", "age": "14", "sex": "Girl", "safe": "Safe", "score": "3", **data}
    return map_record(RawRecord("R1", record, "export.csv row 2"), "shout", MAPPING, now=NOW)


def test_excel_serial_number_and_serial_text_are_dates():
    assert parse_datetime(45037, "dayfirst", NOW, "when") == datetime(2023, 4, 21, tzinfo=timezone.utc)
    assert parse_datetime("45037.5", "dayfirst", NOW, "when") == datetime(2023, 4, 21, 12, tzinfo=timezone.utc)


def test_impossible_date_31_april_is_refused_naming_field_and_value():
    with pytest.raises(RecordError, match=r"when: '31/04/2023' breaks rule 'date': expected a date such as 21/04/2023 \(a real calendar date\)"):
        _map(when="31/04/2023")


def test_future_date_is_refused_with_the_range():
    with pytest.raises(RecordError, match=r"when: '02/07/2024' breaks rule 'date_range': expected a date between 2000 and 01/06/2024"):
        _map(when="02/07/2024")


def test_prefer_not_to_say_becomes_not_stated_and_keeps_the_response():
    record = _map(sex="Prefer not to say", age="Prefer not to say")
    assert record.demographics.sex == NOT_STATED
    assert record.demographics.age is None and record.demographics.age_band == NOT_STATED


def test_age_of_250_is_refused_as_implausible():
    with pytest.raises(RecordError, match=r"age: '250' breaks rule 'vocabulary': expected a whole number of years from 10 to 19"):
        _map(age="250")


def test_unknown_option_is_refused_listing_the_options():
    with pytest.raises(RecordError, match=r"safe: 'Maybe' breaks rule 'option': expected one of 'Safe', 'Unsafe'"):
        _map(safe="Maybe")


def test_missing_required_answer_is_refused():
    with pytest.raises(RecordError, match=r"score: None breaks rule 'required'"):
        _map(score="")


def test_unknown_optional_label_keeps_the_rest_of_the_record():
    record = _map(sex="Wizard")
    assert record.demographics.sex == NOT_STATED
    assert [a.value for a in record.answers] == ["Safe", 3.0]


def _keep(**data):
    record = {"id": "R1", "when": "21/04/2023", "age": "14", "sex": "Girl", "safe": "Safe", "score": "3", **data}
    return map_record(RawRecord("R1", record, "export.csv row 2"), "shout", MAPPING, now=NOW, keep_issues=True)


def test_bad_answer_is_one_field_issue_and_the_response_is_kept():
    record = _keep(safe="Maybe", score="\u2713")
    assert [(i.location, i.field, i.column, i.value, i.rule) for i in record.field_issues] == [
        ("export.csv row 2", "safe", "safe", "Maybe", "option"), ("export.csv row 2", "score", "score", "\u2713", "number")]
    assert record.field_issues[0].reason == "expected one of 'Safe', 'Unsafe'"
    assert record.answers == () and record.demographics.sex == "female" and record.demographics.age == 14


@pytest.mark.parametrize(("age", "years"), [("14 years", 14), ("17yrs", 17), ("twelve", 12), ("14 y/o", 14), ("fourteen", 14),
                                            ("14 / Year 9", 14), ("15 (Yr 10)", 15), ("14 1/2", 14), ("13\u00bd", 13),
                                            ("13 and a half", 13), ("14.5", 14), (14.5, 14)])
def test_ages_as_people_write_them_are_read(age, years):
    record = _keep(age=age)
    assert record.demographics.age == years and record.field_issues == ()


def test_unreadable_age_keeps_the_response_with_age_not_stated_and_an_issue():
    record = _keep(age="old enough")
    assert record.demographics.age is None and record.demographics.age_band == NOT_STATED
    assert [(i.field, i.rule) for i in record.field_issues] == [("age", "age")]
    with pytest.raises(RecordError, match=r"age: 'old enough' breaks rule 'age'"):
        _map(age="old enough")


def test_age_band_outside_the_source_range_is_refused():
    with pytest.raises(RecordError, match=r"age: '65\+' breaks rule 'vocabulary': expected|a band outside the ages"):
        _keep(age="65+")


def test_dates_in_several_formats_with_zone_suffixes():
    formats = ("%Y/%m/%d %I:%M:%S %p",)
    def read(text):
        return parse_datetime(text, "dayfirst", NOW, "when", formats)

    assert read("2024/05/01 10:15:03 AM GMT+1") == datetime(2024, 5, 1, 9, 15, 3, tzinfo=timezone.utc)
    assert read("2024/01/01 10:15:03 PM GMT") == datetime(2024, 1, 1, 22, 15, 3, tzinfo=timezone.utc)
    assert read("21/04/2024 10:00 BST") == datetime(2024, 4, 21, 9, tzinfo=timezone.utc)
    assert read("2024-04-21T10:00:00+01:00") == datetime(2024, 4, 21, 9, tzinfo=timezone.utc)
    with pytest.raises(RecordError, match=r"expected a date in one of the formats day-first such as 21/04/2023, "
                                          r"'%Y/%m/%d %I:%M:%S %p'"):
        read("May 1st")


def test_recodes_match_whatever_the_case():
    mapping = SourceMapping(id_column="id", ethnicity_column="eth", recodes={"eth": {"BAFR": "6", "WIRI": "14"}})
    codes = [map_record(RawRecord("R", {"id": "R", "eth": label}, "f row 2"), "s", mapping, now=NOW).demographics.ethnicity
             for label in ("bafr", "Wiri", " BAFR ")]
    assert codes == ["6", "14", "6"]


def test_write_in_of_other_ethnic_group_is_read_through_the_same_vocabulary():
    mapping = SourceMapping(id_column="id", ethnicity_column="eth", ethnicity_other_column="other")
    def read(eth, other):
        record = map_record(RawRecord("R", {"id": "R", "eth": eth, "other": other}, "f row 2"), "s", mapping, now=NOW)
        return record.demographics.ethnicity, record.demographics.ethnic_group, [i.rule for i in record.field_issues]
    assert read("Other (please specify)", "Nigerian") == ("6", "H2", [])
    assert read("Any other ethnic group", "Albanian") == ("17", "H4", [])
    assert read("Other ethnic group", "Human race") == (None, "H5", ["write_in"])  # the box names a group: kept
    # Issue 16: a generic "Other" box names no group, so the write-in decides; one we cannot map is not stated.
    assert read("Other (please specify)", "Human race") == ("not_stated", "not_stated", ["vocabulary"])
    assert read("Other (please specify)", "British") == ("not_stated", "not_stated", ["vocabulary"])
    assert read("Other (please specify)", "half english half jamaican") == ("not_stated", "not_stated", ["vocabulary"])
    assert read("Other (please specify)", None) == (None, "H5", [])  # no write-in: the box alone
    assert read("Any other White background", "Polish") == ("17", "H4", [])
    assert read("Black African", "Polish") == ("6", "H2", [])  # a detailed box ticked: the write-in is not needed
    assert read("Any other Asian background", "Polish") == ("5", "H1", ["write_in"])


def test_multi_select_with_a_comma_inside_an_option_label_matches_known_labels_first():
    from ingest.answers import split_choices

    options = ("Poor lighting, e.g. alleys", "Drug dealing", "Groups hanging around")
    assert split_choices("Drug dealing, Poor lighting, e.g. alleys, Groups hanging around", options, ", ") == [
        "Drug dealing", "Poor lighting, e.g. alleys", "Groups hanging around"]
    assert split_choices("poor lighting, e.g. alleys", options, ",") == ["Poor lighting, e.g. alleys"]


def test_one_column_per_option_is_gathered_into_one_answer():
    question = QuestionSpec("worry", "", "multiple_choice", option_columns=("Q - Robbery", "Q - Drugs", "Q - Noise"))
    mapping = SourceMapping(id_column="id", questions=(question,))
    record = map_record(RawRecord("R", {"id": "R", "Q - Robbery": "1", "Q - Drugs": "", "Q - Noise": "Yes"}, "f row 2"),
                        "s", mapping, now=NOW)
    assert [a.value for a in record.answers] == [["Robbery", "Noise"]]
    kept = map_record(RawRecord("R", {"id": "R", "Q - Robbery": "maybe", "Q - Drugs": "Drugs", "Q - Noise": None}, "f row 2"),
                      "s", mapping, now=NOW, keep_issues=True)
    assert [a.value for a in kept.answers] == [] and [i.rule for i in kept.field_issues] == ["ticked"]


def test_an_empty_or_unreadable_age_leaves_a_stated_band_to_speak():
    from dataclasses import replace

    both = replace(MAPPING, age_band_column="band")

    def keep(**data):
        record = {"id": "R1", "when": "21/04/2023", "sex": "Girl", "safe": "Safe", "score": "3", **data}
        return map_record(RawRecord("R1", record, "export.csv row 2"), "shout", both, now=NOW, keep_issues=True)

    unreadable = keep(age="old enough", band="16-18")
    assert unreadable.demographics.age is None and unreadable.demographics.age_band == "16-18"
    assert [(i.field, i.rule) for i in unreadable.field_issues] == [("age", "age")]
    empty = keep(age="", band="11-15")
    assert empty.demographics.age_band == "11-15" and empty.field_issues == ()
    read = keep(age="17", band="11-15")  # a readable age decides; the band column is not consulted
    assert read.demographics.age == 17 and read.demographics.age_band == "16-18"
    neither = keep(age="", band="")
    assert neither.demographics.age_band == NOT_STATED


ADULT_BANDS = SourceMapping(id_column="id", submitted_at="when", age_band_column="band", sex_column="sex",
                            age_bands=("18-24", "25-34", "35-44", "45-54", "55-64", "65+"), min_age=18, max_age=120)


def _adult(band: str):
    record = {"id": "R1", "when": "21/04/2023", "band": band, "sex": "Female,"}
    return map_record(RawRecord("R1", record, "export.csv row 2"), "css", ADULT_BANDS, now=NOW, keep_issues=True)


@pytest.mark.parametrize(("label", "band"), [("Aged 35-44", "35-44"), ("75+", "65+"), ("65 and over", "65+"),
                                             ("16 to 24", "18-24"), ("45-60", NOT_STATED)])
def test_a_band_column_reads_bands_as_the_age_column_does(label, band):
    """Second analyst trial: "Aged 35-44" and "75+" (inside "65+") were lost; a band straddling two stays not stated."""
    assert _adult(label).demographics.age_band == band


def test_a_band_column_value_outside_the_source_ages_quarantines_the_response():
    """Second analyst trial: "Under 16" in a survey of adults was stored as a response."""
    with pytest.raises(RecordError, match=r"band: 'Under 16' breaks rule 'vocabulary': a band outside the ages of this source"):
        map_record(RawRecord("R1", {"id": "R1", "when": "21/04/2023", "band": "Under 16", "sex": "F"}, "export.csv row 2"),
                   "css", ADULT_BANDS, now=NOW)


def test_a_stray_comma_after_a_label_and_im_before_an_age_are_read():
    assert _adult("25-34").demographics.sex == "female"
    assert _keep(age="I'm 15").demographics.age == 15


@pytest.mark.parametrize(("column", "is_personal"), [
    ("Email", True), ("IP Address", True), ("First_Name", True), ("RecipientEmail", True), ("IPAddress", True),
    ("RecipientLastName", True), ("LocationLatitude", True), ("Phone number", True),
    ("How safe do you feel?", False), ("Ward", False), ("Recorded Date", False), ("Shipping", False),
    ("What would help? - Better street lighting", False), ("Safer at home or in the house?", False),
    ("Street address", True), ("House number", True), ("Address line 1", True),
])
def test_personal_column_names_are_recognised_in_camel_case_too(column, is_personal):
    """Trial 3: Qualtrics writes RecipientEmail, IPAddress, LocationLatitude; without the preset they were kept raw."""
    from ingest.mapping import is_personal_column

    assert is_personal_column(column) is is_personal


@pytest.mark.parametrize("answer", ["Non-binary", "I use another term", "other", "Prefer not to say"])
def test_a_gender_answer_with_no_census_sex_is_not_stated_without_a_field_issue(answer):
    """Trial 4: 'Non-binary', 'I use another term' and 'other' raised sex field issues the docs promise they do not."""
    record = _keep(sex=answer)
    assert record.demographics.sex == NOT_STATED and record.field_issues == ()


def test_a_sex_label_we_do_not_map_is_still_a_field_issue():
    record = _keep(sex="Fish")
    assert record.demographics.sex == NOT_STATED
    assert [(i.field, i.rule) for i in record.field_issues] == [("sex", "vocabulary")]


def _born(born: str, **mapping) -> tuple:
    spec = SourceMapping(id_column="id", submitted_at="when", birth_date_column="born", min_age=0, max_age=120, **mapping)
    record = map_record(RawRecord("R1", {"id": "R1", "when": "2024-03-01", "born": born}, "jotform.csv row 2"), "jf",
                        spec, now=NOW, keep_issues=True)
    return record.demographics.age, [(i.field, i.rule) for i in record.field_issues]


def test_dates_of_birth_are_read_in_the_tools_own_format_before_day_first():
    """Trial 4 (JotForm, MM-DD-YYYY): 52 ages were lost and 11 silently a year off, read day-first."""
    assert _born("08-30-1958", date_formats=("iso", "%m-%d-%Y")) == (65, [])
    assert _born("02-10-2010", date_formats=("iso", "%m-%d-%Y")) == (14, [])  # 10 Feb, not 2 Oct: 14, not 13
    assert _born("02-10-2010", birth_date_formats=("%m-%d-%Y",)) == (14, [])
    assert _born("02/10/2010") == (13, [])  # day-first by default: 2 October 2010
    age, issues = _born("08-30-1958")
    assert age is None and issues == [("age", "birth_date")]


def test_a_blank_submitted_time_in_a_file_is_an_unfinished_response_and_is_quarantined():
    """Trial 4: LimeSurvey's empty submitdate and Alchemer's Partial rows were stored with no date."""
    with pytest.raises(RecordError, match=r"when: None breaks rule 'date': submitted time left empty; expected a date"):
        _map(when="")


def test_a_pushed_record_without_the_time_key_is_read_without_a_time():
    data = {"id": "R1", "age": "14", "sex": "Girl", "safe": "Safe", "score": "3"}
    record = map_record(RawRecord("R1", data, "webhook delivery 1, record 1"), "shout", MAPPING, now=NOW, keep_issues=True)
    assert record.submitted_at is None


def test_a_row_declining_consent_is_declined_whatever_else_it_breaks():
    """Trial 4 (LimeSurvey row 90): consent No with an age of 150 was quarantined whole, answers and all."""
    spec = SourceMapping(id_column="id", submitted_at="when", consent_column="ok", age_column="age", min_age=11, max_age=18,
                         questions=(QuestionSpec(key="worry", column="worry", type="free_text"),))
    data = {"id": "R9", "when": "", "ok": "No", "age": "150", "worry": "the park at night"}
    record = map_record(RawRecord("R9", data, "lime.csv row 90"), "lime", spec, now=NOW, keep_issues=True)
    assert record.consent is False and record.raw == {} and record.demographics.age is None
    assert [(a.question, a.value) for a in record.answers] == [("worry", "the park at night")]  # for the intake screen only
