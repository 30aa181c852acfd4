"""Hostile webhook deliveries through the app: refused with 401/400, never a 500, nothing stored."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ingest import sign_body
from service.store.models import Response

SECRET = "whsec-hostile-test-only"
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)


@pytest.fixture
def push_app(config, monkeypatch):
    from service import create_app
    from service.pipeline.ingest_runs import register_sources

    pushed = replace(config.source("qr"), key="qr_push", name="QR pushed", kind="webhook", url="", token_env="",
                     secret_env="VOICE_TEST_WEBHOOK_SECRET", schedule="")
    push_config = replace(config, sources=(*config.sources, pushed))
    monkeypatch.setenv("VOICE_TEST_WEBHOOK_SECRET", SECRET)
    app = create_app(push_config)
    app.config.update(TESTING=True)
    register_sources(app.extensions["voice_sessions"], push_config)
    yield app
    app.extensions["voice_engine"].dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    timestamp=header_text | st.integers(-10**40, 10**400).map(str) | st.sampled_from(["١٧٦٣٧٠٠٠٠٠", "nan", "1e9"]),
    signature=header_text | st.sampled_from(["sha256=é", "sha256=" + "0" * 64]),
    body=st.binary(max_size=300),
)
def test_forged_deliveries_are_refused_without_a_server_error(push_app, timestamp, signature, body):
    client = push_app.test_client()
    answer = client.post("/webhooks/qr_push", data=body, content_type="application/json",
                         headers={"X-Voice-Timestamp": timestamp, "X-Voice-Signature": signature})
    assert answer.status_code == 401
    assert answer.get_json()["ok"] is False
    with push_app.extensions["voice_sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300) | st.sampled_from([b"[" * 100_000, b"9" * 10_000, b'{"records": 5}']))
def test_signed_junk_bodies_are_refused_as_bad_requests(push_app, body):
    timestamp = str(int(time.time()))
    client = push_app.test_client()
    answer = client.post("/webhooks/qr_push", data=body, content_type="application/json",
                         headers={"X-Voice-Timestamp": timestamp, "X-Voice-Signature": sign_body(SECRET, timestamp, body)})
    assert answer.status_code in (200, 400, 422), answer.get_data(as_text=True)[:200]
