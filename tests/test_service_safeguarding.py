"""The safeguarding workflow (issue 17): New -> Acknowledged -> Referred -> Closed with who, when and a
note; owners; waiting times; overdue counts on the Overview and in the navigation; a paged, filtered
queue; the procedure that applies; the old statuses mapped by the migration; the overdue e-mail
delivered to a real SMTP server on loopback."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select, text

from service.config import MailConfig
from service.ops.alerts import AlertError, send_overdue_alerts
from service.store.db import alembic_config, make_engine, transaction
from service.store.models import FreeText, Response, SafeguardingEvent, SafeguardingFlag, utcnow
from tests.dashboard_data import seed, sign_in
from tests.smtp_server import SmtpServer


@pytest.fixture
def seeded(app):
    """Dashboard data with 25 flags: the seed's one (age 16-24, new now) plus 24 more, three days old."""
    app.config["WTF_CSRF_ENABLED"] = False
    ids = seed(app.extensions["voice_sessions"])
    with transaction(app.extensions["voice_sessions"]) as session:
        texts = list(session.scalars(select(FreeText.id).where(FreeText.id != ids["first_text"]).order_by(FreeText.id)))
        old = utcnow() - timedelta(days=3)
        for i in range(24):
            session.add(SafeguardingFlag(free_text_id=texts[i % len(texts)] if i < len(texts) else _new_text(session, i),
                                         reason="mentions a weapon" if i % 2 else "may be at risk at home", created_at=old))
    return ids


def _new_text(session, i: int) -> int:
    """A comment of an adult (25+) on its own response, from the seed's channel and question."""
    first = session.scalar(select(FreeText).order_by(FreeText.id))
    source_id = session.scalar(select(Response.source_id).where(Response.id == first.response_id))
    response = Response(source_id=source_id, external_id=f"extra-{i}", content_hash=f"x{i}", raw={}, age_band="25+",
                        submitted_at=utcnow(), is_synthetic=True)
    response.free_texts.append(FreeText(question_id=first.question_id, original=f"extra {i}", redacted=f"extra {i}"))
    session.add(response)
    session.flush()
    return response.free_texts[0].id


def _flag_id(factory, reason: str) -> int:
    with factory() as session:
        return session.scalar(select(SafeguardingFlag.id).where(SafeguardingFlag.reason == reason).order_by(SafeguardingFlag.id))


def test_flag_moves_new_acknowledged_referred_closed_with_who_when_and_note(client, seeded, factory):
    sign_in(client, "engagement")
    flag_id = _flag_id(factory, "mentions a threat")
    client.post(f"/review/safeguarding/{flag_id}", data={"status": "acknowledged", "note": "looking now"})
    client.post(f"/review/safeguarding/{flag_id}", data={"status": "referred", "referred_to": "mash", "note": "sent to MASH",
                                                        "owner": str(seeded["analyst"])})
    client.post(f"/review/safeguarding/{flag_id}", data={"status": "closed", "note": "MASH confirmed receipt"})
    with factory() as session:
        flag = session.get(SafeguardingFlag, flag_id)
        events = session.scalars(select(SafeguardingEvent).where(SafeguardingEvent.flag_id == flag_id).order_by(SafeguardingEvent.id)).all()
    assert flag.status == "closed" and flag.owner_id == seeded["analyst"] and flag.referred_to == "mash"
    assert [(e.status, e.referred_to, e.user_id, e.note) for e in events] == [
        ("acknowledged", None, seeded["engagement"], "looking now"),
        ("referred", "mash", seeded["engagement"], "sent to MASH"),
        ("closed", None, seeded["engagement"], "MASH confirmed receipt")]
    assert all(e.at is not None for e in events)
    page = client.get(f"/review/safeguarding/{flag_id}").get_data(as_text=True)
    history = page[page.index('id="flag-history"'):]
    assert "Referred to Children&#39;s services (MASH), by Test engagement; owner Test analyst. Note: sent to MASH" in history


def test_flag_referral_needs_whom_and_closing_needs_a_note(client, seeded, factory):
    sign_in(client, "engagement")
    flag_id = _flag_id(factory, "mentions a threat")
    refused = client.post(f"/review/safeguarding/{flag_id}", data={"status": "referred"}, follow_redirects=True)
    assert "Select who the flag was referred to" in refused.get_data(as_text=True)
    refused = client.post(f"/review/safeguarding/{flag_id}", data={"status": "closed"}, follow_redirects=True)
    assert "Enter a note saying why the flag is closed" in refused.get_data(as_text=True)
    with factory() as session:
        assert session.get(SafeguardingFlag, flag_id).status == "new"
        assert session.scalar(select(SafeguardingEvent.id)) is None


def test_flag_detail_names_the_childrens_procedure_for_a_young_person(client, seeded, factory):
    sign_in(client, "engagement")
    page = client.get(f"/review/safeguarding/{_flag_id(factory, 'mentions a threat')}").get_data(as_text=True)
    procedure = page[page.index('id="procedure"'):][:400]
    assert "Children&#39;s safeguarding procedure" in procedure and "MASH" in procedure  # age band 16-24 may be a child


def test_flag_detail_names_the_adult_procedure_for_an_adult(client, seeded, factory):
    sign_in(client, "engagement")
    with factory() as session:  # the seed's texts 2..9 are from people aged 25+
        flag_id = session.scalar(select(SafeguardingFlag.id).where(SafeguardingFlag.free_text_id == seeded["first_text"] + 5))
    page = client.get(f"/review/safeguarding/{flag_id}").get_data(as_text=True)
    assert "Adult safeguarding procedure" in page[page.index('id="procedure"'):][:400]


def test_queue_is_paged_and_filtered_by_status_channel_age_and_reason(client, seeded, factory):
    sign_in(client, "engagement")
    first = client.get("/review/safeguarding").get_data(as_text=True)
    assert "25 flags match; page 1 of 2." in first
    assert len(re.findall(r'<tr class="govuk-table__row">', first)) == 20
    assert len(re.findall(r'<tr class="govuk-table__row">', client.get("/review/safeguarding?page=2").get_data(as_text=True))) == 5
    # New flags: the longest waiting at the top, each with its waiting time
    assert re.search(r"Flag 2</a>.*?New</strong> <strong[^>]*>Overdue</strong>.*?3 days", first, re.S)
    weapon = client.get("/review/safeguarding?category=mentions+a+weapon").get_data(as_text=True)
    assert "12 flags match" in weapon and "may be at risk at home" not in weapon.split("flag-table")[1]
    assert "2 flags match" in client.get("/review/safeguarding?age_group=child").get_data(as_text=True)
    assert "0 flags match" in client.get("/review/safeguarding?status=closed").get_data(as_text=True)
    assert "25 flags match" in client.get("/review/safeguarding?channel=qr").get_data(as_text=True)
    assert "0 flags match" in client.get("/review/safeguarding?channel=css").get_data(as_text=True)
    refused = client.get("/review/safeguarding?status=open")
    assert refused.status_code == 400 and b"should be one of new, acknowledged, referred, closed" in refused.data


def test_overview_and_navigation_count_new_and_overdue_flags(client, seeded, factory):
    sign_in(client, "engagement")
    page = client.get("/dashboard/").get_data(as_text=True)
    summary = page[page.index('id="flag-summary"'):][:700]
    assert "<strong>25</strong> new flags waiting" in summary and "<strong>24 overdue</strong>" in summary
    assert "25 new flags, 24 overdue" in page[page.index('id="nav-flag-count"'):][:100]
    client.post(f"/review/safeguarding/{_flag_id(factory, 'mentions a threat')}", data={"status": "acknowledged"})
    assert "24 new flags, 24 overdue" in client.get("/dashboard/voices/").get_data(as_text=True)


def test_overview_viewer_sees_no_flag_counts(client, seeded):
    sign_in(client, "viewer")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="flag-summary"' not in page and 'id="nav-flag-count"' not in page


def test_alert_emails_overdue_new_flags_once_through_smtp(app, seeded, factory):
    server = SmtpServer()
    try:
        mail = _mail(app, server.port)
        settings = replace(app.config["VOICE"].safeguarding, alert_from="safeguarding-alerts@example.gov.uk",
                           alert_to=("safeguarding@example.gov.uk",), alert_after_hours=48)
        with transaction(factory) as session:
            result = send_overdue_alerts(session, settings, mail, "https://voice.example.gov.uk/review/safeguarding")
        with transaction(factory) as session:
            again = send_overdue_alerts(session, settings, mail)
    finally:
        server.close()
    assert len(result.flag_ids) == 24 and again.flag_ids == ()  # the fresh flag is not overdue; none twice
    assert len(server.messages) == 1
    recipients, message = server.messages[0]
    assert recipients == ["safeguarding@example.gov.uk"]
    assert message["From"] == "safeguarding-alerts@example.gov.uk"  # alert_from, not [mail] sender
    assert str(message["Subject"]).strip() == "Community Voice: 24 safeguarding flag(s) not acknowledged after 48 hours"
    body = message.get_content()
    assert "Flag 2: may be at risk at home (waiting 3 days)" in body and "https://voice.example.gov.uk/review/safeguarding" in body
    assert "extra" not in body and "Original words" not in body  # never the comment itself
    with factory() as session:
        assert session.scalar(select(SafeguardingFlag.alerted_at).where(SafeguardingFlag.id == 2)) is not None


def test_alert_server_down_is_a_clear_error_and_marks_nothing(app, seeded, factory):
    server = SmtpServer()
    port = server.port
    server.close()
    settings = replace(app.config["VOICE"].safeguarding, alert_to=("sg@example.gov.uk",))
    with pytest.raises(AlertError, match=rf"could not send the safeguarding alert through 127.0.0.1:{port}: .*"
                                         r"Check \[mail\] smtp_host, smtp_port"):
        with transaction(factory) as session:
            send_overdue_alerts(session, settings, _mail(app, port))
    with factory() as session:
        assert session.scalar(select(SafeguardingFlag.id).where(SafeguardingFlag.alerted_at.is_not(None))) is None


def test_alert_comes_from_the_mail_sender_when_alert_from_is_empty(app, seeded, factory):
    server = SmtpServer()
    try:
        settings = replace(app.config["VOICE"].safeguarding, alert_from="", alert_to=("sg@example.gov.uk",))
        with transaction(factory) as session:
            result = send_overdue_alerts(session, settings, _mail(app, server.port))
    finally:
        server.close()
    assert len(result.flag_ids) == 24 and len(server.messages) == 1
    assert server.messages[0][1]["From"] == "voice@example.gov.uk"


def test_alert_off_until_smtp_is_configured(app, seeded, factory):
    voice = app.config["VOICE"]
    settings = replace(voice.safeguarding, alert_to=("sg@example.gov.uk",))
    with transaction(factory) as session:
        result = send_overdue_alerts(session, settings, replace(voice.mail, smtp_host=""))
    assert result.flag_ids == ()
    assert result.summary().startswith("overdue alerts are off: set [mail] smtp_host and sender")


def _mail(app, port: int) -> MailConfig:
    """The app's ``[mail]`` pointed at an SMTP server on loopback ``port``."""
    return replace(app.config["VOICE"].mail, smtp_host="127.0.0.1", smtp_port=port, starttls=False,
                   username_env="", sender="voice@example.gov.uk")


def test_migration_maps_old_statuses_and_keeps_the_review(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0009")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sources (id, key, name, kind, created_at) VALUES (1, 's', 'S', 'file', '2024-01-01')"))
        connection.execute(text("INSERT INTO users (id, email, name, role, password_hash, is_active, failed_sign_ins, created_at) "
                                "VALUES (1, 'a@b.c', 'A', 'admin', 'x', 1, 0, '2024-01-01')"))
        connection.execute(text("INSERT INTO questions (id, source_id, key, wording, type, options) VALUES (1, 1, 'q', '', 'free_text', '[]')"))
        for i, status in enumerate(("open", "referred", "no_action"), start=1):
            connection.execute(text("INSERT INTO responses (id, source_id, external_id, content_hash, raw, is_synthetic, is_suspected_bot, "
                                    f"ingested_at, updated_at) VALUES ({i}, 1, 'r{i}', 'h{i}', '{{}}', 0, 0, '2024-01-01', '2024-01-01')"))
            connection.execute(text(f"INSERT INTO free_texts (id, response_id, question_id, original) VALUES ({i}, {i}, 1, 'text {i}')"))
            reviewed = "NULL" if status == "open" else "'2024-02-01 10:00:00'"
            connection.execute(text("INSERT INTO safeguarding_flags (id, free_text_id, reason, status, note, reviewer_id, reviewed_at, created_at) "
                                    f"VALUES ({i}, {i}, 'r', '{status}', 'note {i}', 1, {reviewed}, '2024-01-01')"))
    command.upgrade(alembic_config(engine), "heads")
    with engine.connect() as connection:
        flags = connection.execute(text("SELECT id, status, referred_to FROM safeguarding_flags ORDER BY id")).all()
        events = connection.execute(text("SELECT flag_id, status, user_id, note FROM safeguarding_events ORDER BY flag_id")).all()
    engine.dispose()
    assert [tuple(f) for f in flags] == [(1, "new", None), (2, "referred", "not_recorded"), (3, "closed", None)]
    assert [tuple(e) for e in events] == [(2, "referred", 1, "note 2"), (3, "closed", 1, "note 3")]
