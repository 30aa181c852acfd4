"""Cached dashboard figures: new, changed, reviewed, erased or re-weighted data gives new figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ingest.records import Demographics, ResponseRecord
from service.ops.erasure import erase_response
from service.pipeline.screening import screen_text
from service.reports.cache import data_version, remember
from service.store.accounts import add_api_client
from service.store.db import make_engine, make_session_factory, transaction, upgrade
from service.store.models import (
    AnalysisRun,
    FreeText,
    Response,
    ResponseWeight,
    Source,
    TopicCode,
)
from service.store.responses import save_responses
from service.store.reviews import save_text_review
from tests.dashboard_data import START, seed, sign_in


@pytest.fixture
def seeded(app):
    """The app with the small dashboard data set (ten QR responses, four about drugs)."""
    app.config["WTF_CSRF_ENABLED"] = False
    return seed(app.extensions["voice_sessions"])


@pytest.fixture
def token(app, seeded):
    """An analyst token for the API."""
    with transaction(app.extensions["voice_sessions"]) as session:
        _client, value = add_api_client(session, "cache-test", "analyst")
    return {"Authorization": f"Bearer {value}"}


def _record(external_id: str, age_band: str, content_hash: str) -> ResponseRecord:
    return ResponseRecord(source="qr", external_id=external_id, submitted_at=START + timedelta(days=1), wave=None,
                          site=None, consent=True, demographics=Demographics(age_band=age_band, sex="female",
                                                                             ethnic_group="H4", ward="E05013983"),
                          answers=(), raw={"synthetic": True}, content_hash=content_hash)


def _save(factory, *records: ResponseRecord) -> None:
    with transaction(factory) as session:
        save_responses(session, session.scalar(select(Source).where(Source.key == "qr")), list(records), set(), screen=screen_text)


def _drugs(client, token, query: str = "") -> dict:
    body = client.get(f"/api/v1/topics{query}", headers=token).get_json()
    return next(row for row in body["rows"] if row["topic"] == "drugs")


def test_overview_new_response_changes_the_cached_count(client, seeded, factory):
    sign_in(client, "engagement")
    assert "<strong>10</strong> responses" in client.get("/dashboard/").get_data(as_text=True)
    _save(factory, _record("new-1", "16-24", "n1"))
    assert "<strong>11</strong> responses" in client.get("/dashboard/").get_data(as_text=True)
    assert "<strong>3</strong> responses" in client.get("/dashboard/?group=age_band:16-24").get_data(as_text=True)


def test_overview_reingested_demographics_change_the_cached_group_count(client, seeded, factory):
    sign_in(client, "engagement")
    assert "<strong>2</strong> responses" in client.get("/dashboard/?group=age_band:16-24").get_data(as_text=True)
    _save(factory, _record("dash-0", "25-34", "changed"))  # same response, new content: no new id, no new row
    assert "<strong>1</strong> responses" in client.get("/dashboard/?group=age_band:16-24").get_data(as_text=True)


def test_topics_reviewer_correction_changes_the_cached_prevalence(client, token, seeded, factory):
    assert _drugs(client, token)["n"] == 4
    with transaction(factory) as session:
        police = session.scalars(select(TopicCode.free_text_id).where(TopicCode.topic == "police_presence")
                                 .order_by(TopicCode.free_text_id)).first()
        save_text_review(session, police, seeded["engagement"], ["drugs"], audit_share=0.2, audit_seed=15)
    drugs = _drugs(client, token)
    assert drugs["n"] == 5 and drugs["base_n"] == 10 and drugs["pct"] == 50.0


def test_topics_erased_response_leaves_the_cached_figures(client, token, seeded, factory):
    sign_in(client, "engagement")
    assert _drugs(client, token)["base_n"] == 10
    client.get("/dashboard/voices/")
    with transaction(factory) as session:
        first = session.scalar(select(FreeText.response_id).where(FreeText.id == seeded["first_text"]))
        erase_response(session, first, actor="test")
    drugs = _drugs(client, token)
    assert drugs["n"] == 3 and drugs["base_n"] == 9
    assert "<strong>9</strong> responses" in client.get("/dashboard/").get_data(as_text=True)


def test_topics_new_weighting_run_changes_the_cached_weighted_share(client, token, seeded, factory):
    assert _drugs(client, token, "?source=qr")["weighted_pct"] == round(100 * 8 / 14, 1)
    with transaction(factory) as session:
        run = AnalysisRun(kind="weighting", source_key="qr", method="rake", parameters={"period": "2024Q1"}, result={})
        session.add(run)
        session.flush()
        session.add_all(ResponseWeight(run_id=run.id, response_id=rid, weight=1.0) for rid in session.scalars(select(Response.id)))
        run_id = run.id
    body = client.get("/api/v1/topics?source=qr", headers=token).get_json()
    assert body["weighting_run"] == run_id
    assert next(r for r in body["rows"] if r["topic"] == "drugs")["weighted_pct"] == 40.0


def test_data_version_sees_the_sessions_own_writes(session):
    source = session.scalar(select(Source).limit(1)) or Source(key="x", name="X", kind="file")
    session.add(source)
    session.flush()
    before = data_version(session)
    assert data_version(session) == before  # read once per transaction
    session.add(Response(source_id=source.id, external_id="own-write", content_hash="h", raw={}))
    session.flush()
    assert data_version(session) != before


def test_remember_keeps_one_cache_per_database(tmp_path):
    factories = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade(engine)
        factories.append(make_session_factory(engine))
    with factories[0]() as first, factories[1]() as second:
        assert data_version(first) == data_version(second)  # both empty: the same version
        assert remember(first, "test", "key", lambda: "a") == "a"
        assert remember(second, "test", "key", lambda: "b") == "b"
        assert remember(first, "test", "key", lambda: "not cached") == "a"
    for factory in factories:
        factory.kw["bind"].dispose()
