"""Checking a file against a mapping, and drafting a mapping for a new file, on real files the tests write."""

from __future__ import annotations

import tomllib

from ingest import SourceMapping
from ingest.check import check_export
from ingest.suggest import suggest_mapping
from tests.test_ingest_exports import (
    NOW,
    citizen_space_csv,
    google_forms_csv,
    school_xlsx,
    smartsurvey_xlsx,
)


def test_check_names_missing_columns_with_the_closest_and_shows_values_after_mapping(tmp_path):
    path, source, _ = citizen_space_csv(tmp_path)
    mapping = SourceMapping(id_column="Response ID", sex_column="Sex?", ethnicity_column="Ethnic group", age_column="Age",
                            min_age=11, max_age=18)
    report = check_export(path, mapping, source.file, n=5, source="cs", now=NOW)
    assert [(c.column, c.closest) for c in report.missing] == [("Sex?", ("Sex",))]
    assert report.n_checked == 5
    assert report.samples["ethnicity"] == [("Asian, Asian British or Asian Welsh: Indian", "3")]  # the only age in range
    assert [(where, reason) for where, _, _, reason in report.quarantined][:1] == [
        ("citizen_space.csv row 2", "expected a whole number of years from 11 to 18")]
    text = report.to_text()
    assert "MISSING [sources.cs] mapping.sex_column = 'Sex?'   closest: 'Sex'" in text
    assert "An ingest would stop before storing anything: 1 configured column(s) missing." in text


def test_check_shows_an_optional_column_as_absent_and_not_as_a_stop(tmp_path):
    path, source, _ = citizen_space_csv(tmp_path)
    mapping = SourceMapping(id_column="Response ID", sex_column="Sex", postcode_column="Home postcode",
                            optional=("Home postcode",))
    report = check_export(path, mapping, source.file, n=5, source="cs", now=NOW)
    assert report.missing == [] and [c.is_optional for c in report.columns if not c.is_found] == [True]
    text = report.to_text()
    assert "absent  [sources.cs] mapping.postcode_column = 'Home postcode'" in text
    assert "An ingest would stop" not in text


def test_check_lists_the_field_issues_and_summary_rows(tmp_path):
    path, source, _ = school_xlsx(tmp_path)
    report = check_export(path, source.mapping, source.file, source="school", now=NOW)
    assert report.missing == [] and report.n_checked == 5 and report.quarantined == []
    assert "school.xlsx row 11: summary row 'Total: 5' is not a response; not stored" in report.to_text()
    assert report.samples["ethnicity"][0] == ("bafr", "6")
    assert report.samples["question worries"][0] == ("", "None")
    assert report.samples["question worries"][1] == ("Drug dealing", "['Drug dealing']")


def test_suggest_drafts_a_section_that_loads_and_reads_the_file(tmp_path):
    path, _, _ = google_forms_csv(tmp_path)
    draft = suggest_mapping(path, key="new")
    table = tomllib.loads(draft)["sources"]["new"]
    assert table["preset"] == "google_forms"
    mapping = table["mapping"]
    assert mapping["row_id"] is True and mapping["submitted_at"] == "Timestamp"
    assert mapping["sex_column"] == "Sex" and mapping["ethnicity_column"] == "Ethnic group" and mapping["age_column"] == "Age"
    assert "%Y/%m/%d %I:%M:%S %p" in mapping["date_formats"]
    types = {q["column"]: q["type"] for q in mapping["questions"]}
    # Issue 16: the Google multi-select (answers joined by ", ") is a multiple choice, not free text.
    assert types == {"How safe do you feel?": "scale", "What worries you?": "multiple_choice"}
    worries = next(q for q in mapping["questions"] if q["column"] == "What worries you?")
    assert worries["separator"] == ", "


def test_suggest_finds_two_header_rows_and_a_header_below_a_preamble(tmp_path):
    path, _, _ = smartsurvey_xlsx(tmp_path)
    table = tomllib.loads(suggest_mapping(path))["sources"]["KEY"]
    assert (table["file"]["header_row"], table["file"]["header_rows"]) == (1, 2)
    assert table["mapping"]["id_column"] == "UserNo" and table["preset"] == "smartsurvey"
    school, _, _ = school_xlsx(tmp_path)
    table = tomllib.loads(suggest_mapping(school))["sources"]["KEY"]
    assert (table["file"]["header_row"], table["mapping"]["id_column"]) == (5, "Pupil ref")
