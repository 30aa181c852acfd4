"""Redaction and the safeguarding screen at intake (service/pipeline/screening.py): in the transaction that stores a text.

Through the real QR form, a signed webhook delivery and a file ingest, on a real database; staff
pages, the review queues and the JSON API then show the redacted text only, and the original
appears on its own audited page.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from ingest import sign_body
from service import create_app
from service.pipeline.ingest_runs import register_sources, run_ingest
from service.pipeline.screening import screen_text
from service.pipeline.text_runs import has_pending_texts, run_topics
from service.store import responses as store
from service.store import sites as site_store
from service.store.accounts import add_api_client, add_user
from service.store.db import transaction
from service.store.models import AuditEvent, FreeText, SafeguardingFlag, Site, TopicCode
from tests.exports import write_csv

JADE = ("my mums boyfriend hits me... a man in the park keeps asking me to go to his flat... "
        "call me on 07700 900123 - Jade")
PHONE = "07700 900123"
PASSWORD = "correct horse battery"
SECRET = "whsec-test-only"


@pytest.fixture
def intake_app(config, monkeypatch):
    """The app with the form's minimum time off, a webhook source, a QR site and one user per role."""
    monkeypatch.setenv("VOICE_TEST_WEBHOOK_SECRET", SECRET)
    pushed = replace(config.source("qr"), key="qr_push", name="QR pushed", kind="webhook", url="", token_env="",
                     secret_env="VOICE_TEST_WEBHOOK_SECRET", schedule="")
    config = replace(config, form=replace(config.form, min_seconds=0), sources=(*config.sources, pushed))
    app = create_app(config)
    app.config.update(TESTING=True)
    factory = app.extensions["voice_sessions"]
    register_sources(factory, config)
    with transaction(factory) as session:
        site = site_store.add_site(session, "Harrow Lodge Park", "park", "E05013983", None, None)
        session.add(Site(code="zzsite1", name="Romford station", kind="station"))
        for role in ("analyst", "viewer"):
            add_user(session, f"{role}@example.org", f"Test {role}", role, PASSWORD)
        app.config["SITE_CODE"] = site.code
    yield app
    app.extensions["voice_engine"].dispose()


def _submit(app, text):
    client = app.test_client()
    code = app.config["SITE_CODE"]
    html = client.get(f"/q/{code}").get_data(as_text=True)
    tokens = {name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1) for name in ("csrf_token", "token")}
    answer = {"safe_here": "1", "feel_safer": text, "age_band": "13-15", "ward": "E05013983", "consent": "yes"}
    reply = client.post(f"/q/{code}", data={**answer, **tokens})
    assert reply.status_code == 303, reply.get_data(as_text=True)[:500]


def _staff(app, role):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/sign-in", data={"email": f"{role}@example.org", "password": PASSWORD}).status_code == 302
    return client


def test_form_message_is_stored_redacted_and_flagged_in_the_same_transaction(intake_app):
    _submit(intake_app, JADE)
    factory = intake_app.extensions["voice_sessions"]
    with factory() as session:
        [text] = session.scalars(select(FreeText)).all()
        [flag] = session.scalars(select(SafeguardingFlag)).all()
    assert text.original == JADE and text.redacted_at is not None and text.classified_at is None
    assert text.redacted == screen_text(JADE).redacted and PHONE not in text.redacted and "[phone]" in text.redacted
    assert "Jade" not in text.redacted
    assert flag.free_text_id == text.id and flag.status == "new"
    assert "domestic abuse" in flag.reason and "child sexual exploitation" in flag.reason


def _flag_id(app) -> int:
    with app.extensions["voice_sessions"]() as session:
        return session.scalar(select(SafeguardingFlag.id))


def test_form_message_is_redacted_on_every_staff_page_and_sits_in_the_safeguarding_queue_at_once(intake_app):
    _submit(intake_app, JADE)
    redacted = screen_text(JADE).redacted
    analyst = _staff(intake_app, "analyst")
    with transaction(intake_app.extensions["voice_sessions"]) as session:
        _client, token = add_api_client(session, "partner", "analyst")
    pages = {
        "responses": analyst.get("/dashboard/responses").get_data(as_text=True),
        "queue": analyst.get("/review/safeguarding").get_data(as_text=True),
        "safeguarding": analyst.get(f"/review/safeguarding/{_flag_id(intake_app)}").get_data(as_text=True),
        "topics": analyst.get("/review/").get_data(as_text=True),
        "api": analyst.get("/api/v1/responses", headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True),
    }
    for name, page in pages.items():
        assert PHONE not in page and JADE not in page and "Jade" not in page, name
    assert redacted in pages["responses"] and redacted in pages["safeguarding"]
    assert "domestic abuse" in pages["safeguarding"]
    assert json.loads(pages["api"])["data"][0]["texts"][0]["redacted"] == redacted


def test_show_original_is_one_audited_page_for_roles_allowed_it(intake_app):
    _submit(intake_app, JADE)
    factory = intake_app.extensions["voice_sessions"]
    with factory() as session:
        text_id = session.scalar(select(FreeText.id))
    viewer = _staff(intake_app, "viewer")
    assert "/original" not in viewer.get("/dashboard/responses").get_data(as_text=True)
    assert viewer.get(f"/texts/{text_id}/original").status_code == 403
    analyst = _staff(intake_app, "analyst")
    queue = analyst.get(f"/review/safeguarding/{_flag_id(intake_app)}").get_data(as_text=True)
    assert f'href="/texts/{text_id}/original"' in queue and PHONE not in queue
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "view_original_text")) == 0
    page = analyst.get(f"/texts/{text_id}/original").get_data(as_text=True)
    assert PHONE in page and "recorded in the audit log" in page
    with factory() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "view_original_text")).all()
    assert event.target == f"free_text:{text_id}" and "analyst" in event.actor and PHONE not in json.dumps(event.detail)


def test_text_without_a_redacted_form_shows_not_yet_screened(intake_app):
    _submit(intake_app, "More lighting by the bandstand")
    factory = intake_app.extensions["voice_sessions"]
    with transaction(factory) as session:
        session.scalars(select(FreeText)).one().redacted = None
    page = _staff(intake_app, "analyst").get("/dashboard/responses").get_data(as_text=True)
    assert store.NOT_SCREENED in page and "More lighting by the bandstand" not in page


def test_webhook_delivery_is_redacted_and_flagged_before_the_200(intake_app):
    record = {"id": "w-1", "submitted_at": "2024-02-01T10:00:00Z", "site": "zzsite1", "consent": "yes",
              "age_band": "13-15", "safe_here": 1, "happened": [], "feel_safer": JADE}
    body = json.dumps([record]).encode()
    stamp = str(int(time.time()))
    reply = intake_app.test_client().post("/webhooks/qr_push", data=body, headers={
        "X-Voice-Timestamp": stamp, "X-Voice-Signature": sign_body(SECRET, stamp, body), "Content-Type": "application/json"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    with intake_app.extensions["voice_sessions"]() as session:
        [text] = session.scalars(select(FreeText)).all()
        assert PHONE not in text.redacted and text.redacted_at is not None
        assert session.scalar(select(SafeguardingFlag.free_text_id)) == text.id


def test_ingested_rows_are_redacted_and_flagged_when_stored_and_coded_by_the_next_topics_run(factory, config):
    register_sources(factory, config)
    folder = config.source("css").path
    header = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
              "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]
    rows = [["CSS-00001", "21/04/2023 10:15", "2023", "25-34", "Female", "2", JADE],
            ["CSS-00002", "21/04/2023 10:20", "2023", "25-34", "Male", "4", "More police on the high street"]]
    write_csv(folder / "export.csv", header, rows)
    [report] = run_ingest(factory, config, "css")
    assert report.n_new == 2
    with factory() as session:
        texts = {t.original: t for t in session.scalars(select(FreeText))}
        assert all(t.redacted_at is not None and t.classified_at is None for t in texts.values())
        assert PHONE not in texts[JADE].redacted
        assert list(session.scalars(select(SafeguardingFlag.free_text_id))) == [texts[JADE].id]
    assert has_pending_texts(factory)
    run_topics(factory, config)
    assert not has_pending_texts(factory)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SafeguardingFlag)) == 1  # not flagged twice
        assert session.scalar(select(func.count(func.distinct(TopicCode.free_text_id)))) == 2


def test_classify_job_codes_texts_stored_since_the_last_run_and_waits_for_the_nightly_lock(intake_app, config, engine):
    from service.ops.scheduler import (
        ANALYSES_JOB,
        CLASSIFY_JOB,
        build_scheduler,
        job_lock,
        run_classify_job,
        sync_jobs,
    )

    scheduler = build_scheduler(config, engine)
    scheduler.start(paused=True)
    try:
        assert CLASSIFY_JOB in sync_jobs(scheduler, config)
        assert str(scheduler.get_job(CLASSIFY_JOB).trigger).startswith("cron[month='*', day='*', day_of_week='*', hour='*', minute='*'")
    finally:
        scheduler.shutdown()
    assert run_classify_job() is None  # nothing stored yet
    _submit(intake_app, "More lighting by the bandstand")
    with job_lock(engine, ANALYSES_JOB):
        assert run_classify_job() is None  # the nightly analyses hold the lock: skipped, not run twice
    run_id = run_classify_job()
    assert isinstance(run_id, int) and not has_pending_texts(intake_app.extensions["voice_sessions"])


def test_text_whose_redaction_is_uncertain_is_stored_so_and_never_quoted_on_the_voices_page(intake_app):
    from service.reports.dashboard import ResponseFilter
    from service.reports.prevalence import quotes

    factory = intake_app.extensions["voice_sessions"]
    _submit(intake_app, "Too dark on the path by the lake")
    _submit(intake_app, "ask for dazza_king at the chicken shop")  # a handle-like word the redactor is unsure of
    with factory() as session:
        texts = {t.original: t for t in session.scalars(select(FreeText))}
        quoted = [q["id"] for q in quotes(session, ResponseFilter(), None)]
    assert texts["ask for dazza_king at the chicken shop"].is_redaction_uncertain is True
    assert texts["Too dark on the path by the lake"].is_redaction_uncertain is False
    assert quoted == [texts["Too dark on the path by the lake"].id]
