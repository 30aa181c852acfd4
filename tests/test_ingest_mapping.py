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
