"""The QR form's checks (ingest/form.py): pure, no database or Flask."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from ingest import (
    FormSpec,
    QuestionSpec,
    SourceMapping,
    Ward,
    check_submission,
    clean_text,
    suspect_bot,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
QUESTIONS = (
    QuestionSpec("safe_here", "safe_here", "scale", "How safe do you feel here?", required=True, minimum=1, maximum=5),
    QuestionSpec("feel_safer", "feel_safer", "free_text", "What would make you feel safer here?"),
    QuestionSpec("happened", "happened", "multiple_choice", "Has anything happened?",
                 options=("Robbery", "Violence", "Harassment", "Other", "Prefer not to say")),
)
MAPPING = SourceMapping(
    id_column="id", submitted_at="submitted_at", site_column="site", consent_column="consent",
    age_band_column="age_band", sex_column="sex", ethnicity_column="ethnicity", ward_column="ward",
    postcode_column="postcode_district", age_bands=("11-12", "13-15", "16-17", "18-21", "65+"), questions=QUESTIONS,
)
SPEC = FormSpec(source="form", mapping=MAPPING, questions=QUESTIONS, wards=(Ward("E05013983", "St Edward's"),), max_text=20)


def _check(data, **kwargs):
    return check_submission(data, SPEC, external_id="form-abc", site="k7pq2mxr", now=NOW, **kwargs)


def test_check_submission_full_answer_gives_a_record_in_our_vocabulary():
    result = _check({"safe_here": "2", "feel_safer": "More lights", "happened": ["Robbery", "Harassment"],
                     "age_band": "13-15", "sex": "female", "ethnicity": "6", "ward": "E05013983",
                     "postcode_district": "rm1 3ab", "consent": "yes"})
    assert result.is_valid
    record = result.record
    assert (record.external_id, record.site, record.consent, record.submitted_at) == ("form-abc", "k7pq2mxr", True, NOW)
    assert record.demographics.age_band == "13-15"
    assert (record.demographics.ethnicity, record.demographics.ethnic_group) == ("6", "H2")
    assert record.demographics.ward == "E05013983"
    assert record.demographics.postcode_district == "RM1"
    assert {a.question: a.value for a in record.answers} == {"safe_here": 2.0, "feel_safer": "More lights",
                                                            "happened": ["Robbery", "Harassment"]}
    assert "rm1 3ab" not in str(record.raw) and record.raw["postcode_district"] == "RM1"
    assert not record.is_suspected_bot


def test_check_submission_empty_form_names_required_question_and_consent():
    result = _check({})
    assert not result.is_valid and result.record is None
    assert [(e.field, e.rule) for e in result.errors] == [("safe_here", "required"), ("consent", "consent")]


def test_check_submission_about_you_left_blank_is_stored_as_not_stated():
    result = _check({"safe_here": "4", "consent": "yes"})
    assert result.is_valid
    assert result.record.demographics.sex == "not_stated"
    assert result.record.demographics.age_band == "not_stated"


@pytest.mark.parametrize(("data", "field", "rule"), [
    ({"safe_here": "6"}, "safe_here", "range"),
    ({"safe_here": "two"}, "safe_here", "range"),
    ({"safe_here": "3", "happened": ["Robbery", "Burglary"]}, "happened", "option"),
    ({"safe_here": "3", "age_band": "10-11"}, "age_band", "option"),
    ({"safe_here": "3", "ward": "E99999999"}, "ward", "option"),
    ({"safe_here": "3", "ethnicity": "White"}, "ethnicity", "option"),
    ({"safe_here": "3", "postcode_district": "not a postcode"}, "postcode_district", "postcode"),
])
def test_check_submission_value_outside_the_lists_is_an_error(data, field, rule):
    result = _check({**data, "consent": "yes"})
    assert [(e.field, e.rule) for e in result.errors] == [(field, rule)]


def test_check_submission_too_long_text_says_how_many_too_many():
    result = _check({"safe_here": "3", "consent": "yes", "feel_safer": "x" * 23})
    assert [(e.field, e.rule, dict(e.params)) for e in result.errors] == [("feel_safer", "too_long", {"maximum": 20, "n_over": 3})]
    assert result.values["feel_safer"] == "x" * 23


def test_check_submission_flags_suspected_bot_but_keeps_the_record():
    result = _check({"safe_here": "3", "consent": "yes"}, bot_reasons=("honeypot",))
    assert result.is_valid and result.record.is_suspected_bot
    assert result.record.raw["suspected_bot"] == ["honeypot"]


def test_clean_text_strips_control_and_invisible_characters():
    assert clean_text("a\x00b\x1bc\u202ed\u200be\r\nf", multiline=True) == "abcde\nf"
    assert clean_text(" one\ntwo ") == "one two"
    assert clean_text("cafe\u0301") == "caf\u00e9"


def test_suspect_bot_names_each_reason():
    assert suspect_bot("", 30.0, 3) == ()
    assert suspect_bot("http://spam.example", 30.0, 3) == ("honeypot",)
    assert suspect_bot("", 0.4, 3) == ("too_fast",)
    assert suspect_bot("x", None, 3) == ("honeypot",)


def test_ingest_form_module_does_not_import_flask_or_sqlalchemy():
    source = (Path(__file__).resolve().parent.parent / "ingest" / "form.py").read_text(encoding="utf-8")
    assert "flask" not in source and "sqlalchemy" not in source
