"""POST /webhooks/<source>: signed deliveries are stored before the 2xx; bad ones are refused."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from ingest import sign_body
from service.store.models import QuarantinedRow, Response, Site

SECRET = "whsec-test-only"


@pytest.fixture
def push_config(config):
    """The shipped config plus a webhook source (the QR mapping, pushed instead of pulled)."""
    pushed = replace(config.source("qr"), key="qr_push", name="QR pushed", kind="webhook", url="", token_env="",
                     secret_env="VOICE_TEST_WEBHOOK_SECRET", schedule="")
    return replace(config, sources=(*config.sources, pushed))


@pytest.fixture
def push_client(push_config, monkeypatch):
    from service import create_app
    from service.pipeline.ingest_runs import register_sources

    monkeypatch.setenv("VOICE_TEST_WEBHOOK_SECRET", SECRET)
    app = create_app(push_config)
    app.config.update(TESTING=True)
    factory = app.extensions["voice_sessions"]
    register_sources(factory, push_config)
    with factory() as session:
        session.add(Site(code="zzsite1", name="Romford station", kind="station"))
        session.commit()
    yield app.test_client(), factory
    app.extensions["voice_engine"].dispose()


def _record(i=1, **changes):
    return {"id": f"w-{i}", "submitted_at": "2024-02-01T10:00:00Z", "site": "zzsite1", "consent": "yes",
            "age_band": "16-17", "safe_here": 3, "happened": ["Harassment"], "feel_safer": "Better lighting", **changes}


def _post(client, payload, secret=SECRET, timestamp=None, signature=None):
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"X-Voice-Timestamp": stamp, "X-Voice-Signature": signature or sign_body(secret, stamp, body),
               "Content-Type": "application/json"}
    return client.post("/webhooks/qr_push", data=body, headers=headers)


def _count(factory, model):
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_signed_delivery_is_committed_before_the_200(push_client):
    client, factory = push_client
    answer = _post(client, _record())
    assert answer.status_code == 200
    assert answer.get_json() | {"run": 0} == {"ok": True, "status": 200, "run": 0, "received": 1, "new": 1, "updated": 0,
                                             "unchanged": 0, "duplicate": 0, "quarantined": 0}
    assert _count(factory, Response) == 1


def test_redelivery_is_idempotent(push_client):
    client, factory = push_client
    _post(client, [_record(1), _record(2)])
    again = _post(client, [_record(1), _record(2)])
    assert again.status_code == 200 and again.get_json()["unchanged"] == 2
    assert _count(factory, Response) == 2


def test_bad_signature_is_refused_and_nothing_stored(push_client):
    client, factory = push_client
    answer = _post(client, _record(), secret="not-the-secret")
    assert answer.status_code == 401
    body = answer.get_json()
    assert body["ok"] is False and body["status"] == 401
    assert body["error"].startswith("source 'qr_push': X-Voice-Signature does not match the body")
    assert _count(factory, Response) == 0


def test_replayed_timestamp_is_refused(push_client):
    client, factory = push_client
    answer = _post(client, _record(), timestamp=int(time.time()) - 3600)
    assert answer.status_code == 401
    assert "(a replayed or delayed delivery)" in answer.get_json()["error"]
    assert _count(factory, Response) == 0


def test_bad_record_is_quarantined_and_answered_422_with_reasons(push_client):
    client, factory = push_client
    answer = _post(client, [_record(1), _record(2, safe_here=9)])
    assert answer.status_code == 422
    body = answer.get_json()
    assert (body["ok"], body["status"], body["new"], body["quarantined"]) == (False, 422, 1, 1)
    assert body["errors"] == ["webhook delivery record 2, field 'safe_here': value 9; expected a number from 1 to 5"]
    assert _count(factory, QuarantinedRow) == 1 and _count(factory, Response) == 1


def test_body_that_is_not_json_is_refused(push_client):
    client, _ = push_client
    stamp = str(int(time.time()))
    answer = client.post("/webhooks/qr_push", data=b"<xml/>",
                         headers={"X-Voice-Timestamp": stamp, "X-Voice-Signature": sign_body(SECRET, stamp, b"<xml/>")})
    assert answer.status_code == 400
    assert "the body is not UTF-8 JSON" in answer.get_json()["error"]


def test_source_that_is_not_a_webhook_is_not_found(push_client):
    client, _ = push_client
    answer = client.post("/webhooks/css", data=b"{}")
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "source 'css' does not take webhook deliveries (it is of kind 'file')"


def test_deliveries_over_the_per_source_limit_get_429_with_retry_after(push_config, monkeypatch):
    from service import create_app
    from service.pipeline.ingest_runs import register_sources

    monkeypatch.setenv("VOICE_TEST_WEBHOOK_SECRET", SECRET)
    limited = replace(push_config, limits=replace(push_config.limits, webhook_per_source="2 per minute"))
    app = create_app(limited)
    factory = app.extensions["voice_sessions"]
    register_sources(factory, limited)
    with factory() as session:
        session.add(Site(code="zzsite1", name="Romford station", kind="station"))
        session.commit()
    client = app.test_client()
    try:
        assert [_post(client, _record(i)).status_code for i in (1, 2)] == [200, 200]
        refused = _post(client, _record(3))
        assert refused.status_code == 429, refused.data[:300]
        assert refused.get_json()["ok"] is False and "Retry-After" in refused.get_json()["error"]
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert _count(factory, Response) == 2
    finally:
        app.extensions["voice_engine"].dispose()
