"""Quarantined records can be listed, corrected and processed again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.pipeline.ingest_runs import register_sources, run_ingest
from service.pipeline.quarantine import (
    fix_quarantined,
    get_quarantined,
    list_quarantine,
    retry_quarantined,
)
from service.store.db import transaction
from service.store.models import Answer, QuarantinedRow, Response, Source
from tests.exports import write_csv

HEADER = ["Respondent ID", "Date submitted", "How safe do you feel in your neighbourhood during the day?"]


@pytest.fixture
def quarantined(factory, config):
    register_sources(factory, config)
    write_csv(config.source("css").path / "e.csv", HEADER, [["A", "21/04/2023", "9"], ["B", "31/04/2023", "3"],
                                                            ["C", "21/04/2023", "2"], ["C", "22/04/2023", "5"]])
    run_ingest(factory, config, "css")
    with factory() as session:
        return {row.external_id: row.id for row in list_quarantine(session)}


def test_quarantine_lists_unresolved_records_of_a_source(factory, quarantined):
    with factory() as session:
        rows = list_quarantine(session, "css")
        # A's bad answer is one field (A is stored); B's bad date keeps out the record; C's later copy replaced the earlier
        assert sorted((r.external_id, r.scope, r.rule) for r in rows) == [("A", "field", "range"), ("B", "record", "date")]
        assert list_quarantine(session, "shout") == []


def test_fixed_value_is_stored_on_retry_and_marked_resolved(factory, config, quarantined):
    with transaction(factory) as session:
        fix_quarantined(session, quarantined["A"], "How safe do you feel in your neighbourhood during the day?", "4")
    result = retry_quarantined(factory, config, "css")
    assert (result.n_stored, result.n_still_quarantined, result.n_skipped) == (1, 1, 0)
    assert result.reasons == [(f"#{quarantined['B']} e.csv row 3, field 'Date submitted': value '31/04/2023'; "
                               "expected a date such as 21/04/2023 (a real calendar date)")]
    with factory() as session:
        assert get_quarantined(session, quarantined["A"]).resolved_at is not None
        stored = session.scalar(select(Response).where(Response.external_id == "A"))
        assert session.scalar(select(Answer.value_number).where(Answer.response_id == stored.id)) == 4.0
        assert "[edited by hand: 'How safe do you feel in your neighbourhood during the day?' was '9', now '4']" in \
            get_quarantined(session, quarantined["A"]).reason


def test_field_still_unusable_after_retry_stays_quarantined(factory, config, quarantined):
    with transaction(factory) as session:
        fix_quarantined(session, quarantined["A"], "How safe do you feel in your neighbourhood during the day?", "8")
    result = retry_quarantined(factory, config, ids=(quarantined["A"],))
    assert (result.n_stored, result.n_still_quarantined) == (0, 1)
    with factory() as session:
        row = get_quarantined(session, quarantined["A"])
        assert row.resolved_at is None and row.value == "8" and "expected a number from 1 to 5" in row.reason


def test_duplicate_id_quarantined_by_an_earlier_version_is_retried_only_when_named(factory, config, quarantined):
    with transaction(factory) as session:  # the ingest no longer quarantines duplicates; older stores hold such rows
        source = session.scalar(select(Source).where(Source.key == "css"))
        session.add(QuarantinedRow(source_id=source.id, external_id="C", location="old.csv row 9", field="Respondent ID",
                                   value="C", rule="unique_id", reason="an id used once only",
                                   raw={HEADER[0]: "C", HEADER[1]: "23/04/2023", HEADER[2]: "1",
                                        "I agree to my answers being used": "Yes"}))
    assert retry_quarantined(factory, config, "css").n_skipped == 1
    with factory() as session:
        row_id = session.scalar(select(QuarantinedRow.id).where(QuarantinedRow.rule == "unique_id"))
    assert retry_quarantined(factory, config, ids=(row_id,)).n_stored == 1
    with factory() as session:
        stored = session.scalar(select(Response).where(Response.external_id == "C"))
        assert stored.raw["Date submitted"] == "23/04/2023"


def test_fixing_an_unknown_field_lists_the_fields(factory, quarantined):
    with transaction(factory) as session, pytest.raises(KeyError, match=r"has no field 'Age'; its fields are 'Respondent ID', 'Date submitted'"):
        fix_quarantined(session, quarantined["A"], "Age", "30")


def test_unknown_quarantine_id_is_named(factory, quarantined):
    with factory() as session, pytest.raises(LookupError, match=r"there is no quarantined record 999"):
        get_quarantined(session, 999)


def _sign_in_as(app, client, role: str) -> None:
    from service.store.accounts import add_user

    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, f"{role}@council.example", role.title(), role, "a long enough password")
    client.post("/sign-in", data={"email": f"{role}@council.example", "password": "a long enough password"})


def test_analyst_fixes_a_value_on_the_staff_page_and_the_record_is_stored(app, client, factory, quarantined):
    app.config["WTF_CSRF_ENABLED"] = False
    _sign_in_as(app, client, "analyst")
    page = client.get("/review/quarantine").get_data(as_text=True)
    assert "31/04/2023" in page and "Save and re-process" in page
    response = client.post(f"/review/quarantine/{quarantined['B']}/fix", data={"field": "Date submitted", "value": "30/04/2023"},
                           follow_redirects=True)
    assert "stored 1" in response.get_data(as_text=True)
    with factory() as session:
        stored = session.scalar(select(Response).where(Response.external_id == "B"))
        assert stored is not None and stored.submitted_at.day == 30
        assert get_quarantined(session, quarantined["B"]).resolved_at is not None


def test_engagement_officer_sees_the_queue_but_cannot_fix_or_retry(app, client, quarantined):
    app.config["WTF_CSRF_ENABLED"] = False
    _sign_in_as(app, client, "engagement")
    assert "Save and re-process" not in client.get("/review/quarantine").get_data(as_text=True)
    assert client.post("/review/quarantine/retry").status_code == 403
    assert client.post(f"/review/quarantine/{quarantined['B']}/fix", data={"field": "Date submitted", "value": "x"}).status_code == 403


def test_retrying_one_of_two_bad_cells_of_a_response_keeps_the_fix_and_the_other_cell_quarantined(factory, config):
    register_sources(factory, config)
    header = [*HEADER, "How safe do you feel in your neighbourhood after dark?"]
    write_csv(config.source("css").path / "two.csv", header, [["D", "21/04/2023", "9", "8"]])
    run_ingest(factory, config, "css")
    with factory() as session:
        first, second = sorted(list_quarantine(session, "css"), key=lambda r: r.id)
    assert (first.scope, second.scope) == ("field", "field")
    with transaction(factory) as session:
        fix_quarantined(session, first.id, HEADER[2], "3")
    result = retry_quarantined(factory, config, "css")
    assert result.n_stored == 1
    with factory() as session:
        stored = session.scalar(select(Response).where(Response.external_id == "D"))
        assert stored.raw[HEADER[2]] == "3"  # the fix stays: the other row did not rewrite the response from its old copy
        assert list(session.scalars(select(Answer.value_number).where(Answer.response_id == stored.id))) == [3.0]
        [left] = list_quarantine(session, "css")
        assert (left.field, left.value, left.response_id) == (header[3], "8", stored.id)
