"""Field-level quarantine (issue 16 part 5): one bad answer cell is kept aside, its response is stored.

The ingest update that reports such cells (``field_issues`` on a record) is not on this branch:
the records here carry them the way it will, through a subclass of today's record type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from ingest import AnswerRecord, Demographics, ResponseRecord
from service.cli import main
from service.pipeline.ingest_runs import register_sources
from service.pipeline.screening import screen_text
from service.store import responses as store
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import Answer, QuarantinedRow, Response

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class CellIssue:
    """One bad answer cell, with the fields the ingest update's ``FieldIssue`` will have."""

    field: str
    value: str
    rule: str
    reason: str


@dataclass(frozen=True)
class RecordWithIssues(ResponseRecord):
    field_issues: tuple[CellIssue, ...] = ()


def _record(external_id, issues=()):
    return RecordWithIssues(
        source="css", external_id=external_id, submitted_at=datetime(2024, 2, 1, tzinfo=timezone.utc), wave=None,
        site=None, consent=True, demographics=Demographics(age_band="25-34", sex="female"),
        answers=(AnswerRecord("feel_safer", "free_text", "More lighting"),),
        raw={"Respondent ID": external_id, "safe_day": "11"}, content_hash=f"hash-{external_id}", location=f"e.csv row {external_id}",
        field_issues=tuple(issues))


@pytest.fixture
def stored(factory, config):
    register_sources(factory, config)
    issue = CellIssue("safe_day", "11", "scale_range", "row 2, field 'safe_day': 11 is not on the scale 1 to 5")
    with transaction(factory) as session:
        source = store.get_source(session, "css")
        store.save_responses(session, source, [_record("A", [issue]), _record("B")], set(), screen=screen_text)
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)


def test_bad_cell_is_quarantined_alone_and_its_response_is_stored(factory, stored):
    with factory() as session:
        responses = {r.external_id: r for r in session.scalars(select(Response))}
        [row] = session.scalars(select(QuarantinedRow)).all()
        n_answers = len(session.scalars(select(Answer).where(Answer.response_id == responses["A"].id)).all())
    assert set(responses) == {"A", "B"} and n_answers == 1
    assert (row.scope, row.response_id, row.field, row.value, row.rule) == ("field", responses["A"].id, "safe_day", "11", "scale_range")
    assert "not on the scale" in row.reason and row.location == "e.csv row A"


def test_records_without_field_issues_are_stored_as_before(factory, config):
    register_sources(factory, config)
    plain = ResponseRecord(source="css", external_id="C", submitted_at=None, wave=None, site=None, consent=None,
                           demographics=Demographics(), answers=(), raw={}, content_hash="h")
    with transaction(factory) as session:
        counts = store.save_responses(session, store.get_source(session, "css"), [plain], set(), screen=screen_text)
    with factory() as session:
        assert counts.n_new == 1 and session.scalars(select(QuarantinedRow)).all() == []


def test_quarantine_page_and_cli_list_say_which_kind_each_row_is(app, factory, stored, runner, database_url, tmp_path):
    with transaction(factory) as session:
        session.add(QuarantinedRow(source_id=store.get_source(session, "css").id, location="e.csv row 9", field="Respondent ID",
                                   value="", rule="required", reason="row 9: no respondent id", raw={}))
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD}).status_code == 302
    page = client.get("/review/quarantine").get_data(as_text=True)
    assert "one field (response kept)" in page and "whole record" in page
    env = {"VOICE_DATABASE_URL": database_url, "VOICE_INSTANCE_PATH": str(tmp_path / "instance")}
    listed = runner.invoke(main, ["quarantine", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    field_line = next(line for line in listed.output.splitlines() if "'safe_day'" in line)
    record_line = next(line for line in listed.output.splitlines() if "'Respondent ID'" in line)
    assert "[one field (response kept), response " in field_line and "stored without it]" in field_line
    assert "[whole record]" in record_line
