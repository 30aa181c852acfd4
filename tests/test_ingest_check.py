"""Checking a file against a mapping, and drafting a mapping for a new file, on real files the tests write."""

from __future__ import annotations

import tomllib

from ingest import QuestionSpec, SourceMapping
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


def test_check_says_which_rows_decline_consent_and_when_ids_repeat(tmp_path):
    """Analyst trial 3: consent "No" rows, and an id column whose values repeat (a Typeform hidden field)."""
    from tests.test_ingest_exports import _write_rows

    header = ["ref", "Submitted At", "Sex", "Happy for us to use your answers?"]
    rows = [["poster" if i % 2 else "insta", "2024-05-01 10:00:00", "Female", "No" if i == 3 else "Yes"] for i in range(10)]
    path = _write_rows(tmp_path / "typeform.csv", [header, *rows])
    mapping = SourceMapping(id_column="ref", sex_column="Sex", consent_column="Happy for us to use your answers?")
    report = check_export(path, mapping, None, source="tf", now=NOW)
    assert report.declined == ["typeform.csv row 5"] and report.n_repeated_ids == 8
    text = report.to_text()
    assert "typeform.csv row 5: answered no to consent; an ingest stores nothing of it (unless its text may" in text
    assert "Ids: 8 of 10 row(s) repeat an id met earlier - is the id column right?" in text


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


def test_check_maps_rows_exactly_as_an_ingest_does_and_shows_free_text_by_length_only(tmp_path):
    from ingest import QuestionSpec, Ward
    from ingest.exports import read_export
    from tests.test_ingest_exports import _write_rows

    path = _write_rows(tmp_path / "g.csv", [
        ["When", "Sex", "Ward", "Age", "Comments", "Email"],
        ["01/05/2024", "F", "Gooshays", "16-24", "My neighbour at 4 Elm Road sells drugs", "a@example.org"],
        ["01/05/2024", "M", "Nowhere", "30", "Fine", "b@example.org"], ["TEST", "M", "", "", "", ""]])
    mapping = SourceMapping(row_id=True, submitted_at="When", sex_column="Sex", ward_column="Ward", age_column="Age",
                            age_bands=("16-24", "25-34"), questions=(QuestionSpec("comments", "Comments", "free_text"),))
    wards = (Ward("E05013976", "Gooshays"),)
    report = check_export(path, mapping, source="gf", wards=wards, now=NOW)
    result = read_export(path, "gf", mapping, wards=wards, now=NOW)
    assert [q[0] for q in report.quarantined] == [q.location for q in result.quarantined] == ["g.csv row 4"]
    assert [i.describe() for i in report.field_issues] == [i.describe() for r in result.responses for i in r.field_issues]
    assert report.samples["ward"] == [("Gooshays", "E05013976"), ("Nowhere", "not_stated")]
    assert ("16-24", "16-24") in report.samples["age_band"]
    text = report.to_text()
    assert "ok      [sources.gf] mapping.ward_column = 'Ward'" in text
    assert "Elm Road" not in text and "example.org" not in text and "(free text, 38 characters)" in text


def test_suggest_proposes_consent_birth_date_year_group_and_one_multi_select_and_leaves_personal_columns_out(tmp_path):
    from tests.test_ingest_exports import _write_rows

    header = ["UserNo", "Ended", "Name", "Email", "IP Address", "Do you agree to your answers being used?",
              "What is your date of birth?", "Year group", "How safe? (1-5)", "Problems? - Knife crime",
              "Problems? - Drug dealing", "What would make you feel safer?"]
    rows = [[str(i), "01/05/2024", f"Person {i}", f"p{i}@example.org", f"10.0.0.{i}", "Yes", "02/05/2009",
             f"Year {7 + i % 3}", "✓" if i == 3 else str(1 + i % 5), "1" if i % 2 else "", "✓" if i % 3 else "",
             f"Answer number {i} in my own words."] for i in range(1, 9)]
    path = _write_rows(tmp_path / "ss.csv", [header, *rows])
    draft = suggest_mapping(path)
    mapping = tomllib.loads(draft)["sources"]["KEY"]["mapping"]
    assert mapping["consent_column"] == "Do you agree to your answers being used?"
    assert (mapping["birth_date_column"], mapping["school_year_column"]) == ("What is your date of birth?", "Year group")
    questions = {q.get("column") or q["option_columns"][0]: q for q in mapping["questions"]}
    assert set(questions) == {"How safe? (1-5)", "Problems? - Knife crime", "What would make you feel safer?"}
    assert questions["How safe? (1-5)"]["type"] == "scale"
    assert questions["Problems? - Knife crime"]["option_columns"] == ["Problems? - Knife crime", "Problems? - Drug dealing"]
    assert questions["What would make you feel safer?"]["type"] == "free_text"
    assert "# 'IP Address' looks like personal data: left out" in draft
    assert "Person 1" not in draft and "example.org" not in draft and "own words" not in draft


def test_suggest_uses_spss_variable_labels_as_the_question_wording(tmp_path):
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"ID": ["1", "2"], "Date": ["01/05/2024", "02/05/2024"], "Q6": ["Male", "Female"],
                          "Q7": ["White: Irish", "White: Irish"]})
    path = tmp_path / "snap.sav"
    pyreadstat.write_sav(frame, str(path), column_labels=["ID", "Date", "What is your sex?", "What is your ethnic group?"])
    mapping = tomllib.loads(suggest_mapping(path))["sources"]["KEY"]["mapping"]
    assert (mapping["sex_column"], mapping["ethnicity_column"]) == ("Q6", "Q7")


def test_suggest_keeps_an_other_write_in_beside_option_columns_and_leaves_time_columns_out(tmp_path):
    """Second analyst trial: a SmartSurvey "Other (please specify)" column beside the ticks split the
    multi-select into single choices, and "Started" / "Last modified time" became free-text questions."""
    from tests.test_ingest_exports import _write_rows

    header = ["UserNo", "Started", "Ended", "Last modified time", "Problems? - Knife crime",
              "Problems? - Poor lighting, e.g. alleys", "Problems? - Other (please specify)"]
    rows = [[str(i), "01/05/2024 10:00", "01/05/2024 10:05", "01/05/2024 10:06", "Knife crime" if i % 2 else "",
             "Poor lighting, e.g. alleys" if i % 3 else "", "Drug litter" if i == 4 else ""] for i in range(1, 9)]
    draft = suggest_mapping(_write_rows(tmp_path / "ss.csv", [header, *rows]))
    questions = tomllib.loads(draft)["sources"]["KEY"]["mapping"]["questions"]
    assert questions[0]["option_columns"] == ["Problems? - Knife crime", "Problems? - Poor lighting, e.g. alleys"]
    assert questions[0]["options"] == ["Knife crime", "Poor lighting, e.g. alleys"]
    assert questions[1] == {"key": "q2", "column": "Problems? - Other (please specify)", "type": "free_text"}
    assert len(questions) == 2
    assert "# 'Started' is a time the tool recorded" in draft and "# 'Last modified time' is a time" in draft


def test_suggest_keeps_joined_options_with_commas_whole_leaves_analyst_columns_out_and_explains_ages(tmp_path):
    """Second analyst trial: "Poor lighting, e.g. alleys" was proposed as two options, Citizen Space's
    analyst columns as questions, and min_age / max_age came without a word on what they mean."""
    from tests.test_ingest_exports import _write_rows

    joined = ["Speeding, Poor lighting, e.g. alleys", "Poor lighting, e.g. alleys", "Speeding, Vehicles (cars, bikes)",
              "Drugs", "Drugs, Vehicles (cars, bikes)", "Poor lighting, e.g. alleys, Drugs"]
    header = ["Response ID", "Submitted on", "Age", "What worries you?", "Analyst tag", "Coded theme"]
    rows = [[f"ANON-{i}", "2024-05-01 10:00:00", "15", joined[i % 6], "t", "c"] for i in range(12)]
    path = _write_rows(tmp_path / "cs.csv", [header, *rows])
    draft = suggest_mapping(path, key="cs")
    table = tomllib.loads(draft)["sources"]["cs"]
    questions = table["mapping"]["questions"]
    assert [q["column"] for q in questions] == ["What worries you?"]
    assert questions[0]["options"] == ["Drugs", "Poor lighting, e.g. alleys", "Speeding", "Vehicles (cars, bikes)"]
    assert "# 'Analyst tag' looks like a column the council's analysts added" in draft
    assert "min_age = 0  # set to the youngest age of the population" in draft
    assert "max_age = 120  # an age above this quarantines the response" in draft
    listed = {k: tuple(v) if isinstance(v, list) else v for k, v in table["mapping"].items() if k != "questions"}
    mapping = SourceMapping(**listed, questions=tuple(
        QuestionSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in q.items()}) for q in questions))
    report = check_export(path, mapping, None, source="cs", now=NOW)
    assert report.field_issues == [] and report.quarantined == []
    assert report.samples["question q1"][:2] == [(joined[0], "['Speeding', 'Poor lighting, e.g. alleys']"),
                                                (joined[1], "['Poor lighting, e.g. alleys']")]
