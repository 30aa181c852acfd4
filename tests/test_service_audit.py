"""The audit log: events written with the action, append-only in the database, the admin page and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from service.store import audit
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import AuditEvent

PASSWORD = "a long enough password"


def _user(app, email: str, role: str) -> None:
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, email, role.title(), role, PASSWORD)


def _sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/sign-in", data={"email": email, "password": password})


def _events(app, action: str | None = None) -> list[AuditEvent]:
    with app.extensions["voice_sessions"]() as session:
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        return list(session.scalars(statement))


def test_record_adds_an_event_in_the_callers_transaction(factory):
    with factory() as session:
        audit.record(session, "export", actor="user:1 a@b.example", target="report_file:3", detail={"rows": 10}, address="10.0.0.1")
        session.rollback()
        assert session.scalar(select(func.count(AuditEvent.id))) == 0
    with transaction(factory) as session:
        audit.record(session, "export", actor="system", target="report_file:3", detail={"rows": 10})
    with factory() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (event.actor, event.action, event.target, event.detail, event.address) == ("system", "export", "report_file:3", {"rows": 10}, None)
    assert event.at.tzinfo is not None


def test_record_refuses_an_unknown_action_or_empty_actor(session):
    with pytest.raises(ValueError, match="audit action 'looked_around' is not one of"):
        audit.record(session, "looked_around", actor="system")
    with pytest.raises(ValueError, match="needs an actor"):
        audit.record(session, "export", actor="")


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_audit_rows_cannot_be_changed_or_deleted_in_the_database(engine, factory, statement):
    with transaction(factory) as session:
        audit.record(session, "backup", actor="system", target="file:x")
    change = (update(AuditEvent).values(actor="someone else") if statement == "update" else delete(AuditEvent))
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(change)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_events")).scalar_one() == "system"


def test_sign_in_and_failed_sign_in_are_logged_without_the_password(app, client):
    app.config.update(WTF_CSRF_ENABLED=False)
    _user(app, "officer@council.example", "engagement")
    _sign_in(client, "officer@council.example", "wrong password here")
    _sign_in(client, "nobody@council.example", "another wrong one")
    assert _sign_in(client, "officer@council.example").status_code == 302
    failed = _events(app, "sign_in_failed")
    assert [e.detail["reason"] for e in failed] == ["wrong_password", "unknown_or_inactive"]
    assert failed[0].actor.endswith("officer@council.example") and failed[0].detail["failures"] == 1
    assert failed[1].actor == "anonymous" and failed[1].target == "email:nobody@council.example"
    signed_in = _events(app, "sign_in")
    assert len(signed_in) == 1 and signed_in[0].address == "127.0.0.1"
    everything = repr([(e.actor, e.target, e.detail) for e in _events(app)])
    assert "wrong password here" not in everything and "another wrong one" not in everything


def test_five_failures_are_logged_and_the_pause_refuses_the_right_password(app, client):
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    _user(app, "officer@council.example", "engagement")
    for _ in range(5):
        _sign_in(client, "officer@council.example", "wrong password here")
    response = _sign_in(client, "officer@council.example")
    assert response.status_code == 401 and b"locked" not in response.data  # one message for every refusal (issue 19)
    reasons = [(e.detail["reason"], e.detail.get("failures")) for e in _events(app, "sign_in_failed")]
    assert reasons[4] == ("wrong_password", 5) and reasons[5] == ("throttled", 5)


def test_audit_page_is_for_admins_only_and_lists_events(app, client):
    app.config.update(WTF_CSRF_ENABLED=False)
    _user(app, "admin@council.example", "admin")
    _user(app, "analyst@council.example", "analyst")
    _sign_in(client, "analyst@council.example")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
    client.post("/sign-out")
    _sign_in(client, "admin@council.example")
    page = client.get("/admin/audit?action=sign_in")
    assert page.status_code == 200
    assert b"analyst@council.example" in page.data and b"sign_in" in page.data
    assert client.get("/admin/audit?since=yesterday").status_code == 400


def test_audit_csv_download_has_every_event_and_is_itself_logged(app, client):
    app.config.update(WTF_CSRF_ENABLED=False)
    _user(app, "admin@council.example", "admin")
    with transaction(app.extensions["voice_sessions"]) as session:
        audit.record(session, "erasure", actor="=HYPERLINK(\"x\")", target="response:9", detail={"removed": {"answers": 3}})
    _sign_in(client, "admin@council.example")
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["erasure", "sign_in"]
    assert rows[0]["actor"].startswith("'=")  # a formula is defused for spreadsheets
    assert rows[0]["detail"] == '{"removed": {"answers": 3}}'
    exports = _events(app, "export")
    assert len(exports) == 1 and exports[0].target == "audit_log"
