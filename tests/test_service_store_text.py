"""Texts entering the store lose their NUL characters in one place, so PostgreSQL and SQLite agree.

Findings 5 and 12 of issue 19: a signed delivery with a NUL in one record's text or id answered
500 on every resend on PostgreSQL; ten concurrent copies of one delivery answered some 500s.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from ingest import sign_body
from service.store.db import without_nul
from service.store.models import AuditEvent, FreeText, Response, Site

SECRET = "whsec-store-text-test-only"


@pytest.fixture
def push_app(config, monkeypatch):
    from service import create_app
    from service.pipeline.ingest_runs import register_sources

    pushed = replace(config.source("qr"), key="qr_push", name="QR pushed", kind="webhook", url="", token_env="",
                     secret_env="VOICE_TEST_WEBHOOK_SECRET", schedule="")
    push_config = replace(config, sources=(*config.sources, pushed))
    monkeypatch.setenv("VOICE_TEST_WEBHOOK_SECRET", SECRET)
    app = create_app(push_config)
    app.config.update(TESTING=True, RATELIMIT_ENABLED=False)
    factory = app.extensions["voice_sessions"]
    register_sources(factory, push_config)
    with factory() as session:
        session.add(Site(code="zzsite1", name="Romford station", kind="station"))
        session.commit()
    yield app
    app.extensions["voice_engine"].dispose()


def _record(i: int, **changes) -> dict:
    return {"id": f"w-{i}", "submitted_at": "2024-02-01T10:00:00Z", "site": "zzsite1", "consent": "yes",
            "age_band": "16-17", "safe_here": 3, "happened": ["Harassment"], "feel_safer": "Better lighting", **changes}


def _post(client, payload):
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    headers = {"X-Voice-Timestamp": stamp, "X-Voice-Signature": sign_body(SECRET, stamp, body),
               "Content-Type": "application/json"}
    return client.post("/webhooks/qr_push", data=body, headers=headers)


def test_without_nul_replaces_nul_in_text_and_nested_values():
    assert without_nul("ab\x00cd") == "ab\ufffdcd"
    assert without_nul({"k\x00": ["x\x00", 3, None]}) == {"k\ufffd": ["x\ufffd", 3, None]}
    assert without_nul(("a", 1.5)) == ("a", 1.5)
    assert without_nul(b"\x00") == b"\x00"  # bytes are data, not text


@pytest.mark.parametrize("field", ["feel_safer", "id"])
def test_a_delivery_with_nul_in_one_record_stores_every_record_and_resends_unchanged(push_app, field):
    client = push_app.test_client()
    payload = [_record(1), _record(2, **{field: f"{_record(2)[field]}\x00tail"}), _record(3)]
    first = _post(client, payload)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["new"] == 3
    again = _post(client, payload)
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.get_json()["unchanged"] == 3
    with push_app.extensions["voice_sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 3
        texts = list(session.scalars(select(FreeText.original)))
        ids = list(session.scalars(select(Response.external_id)))
    assert all("\x00" not in text for text in texts) and all("\x00" not in i for i in ids)
    assert ("Better lighting\ufffdtail" in texts) if field == "feel_safer" else ("w-2\ufffdtail" in ids)


def test_audit_detail_with_nul_is_stored(push_app):
    from service.store import audit

    with push_app.extensions["voice_sessions"]() as session:
        audit.record(session, "sign_in_failed", actor="anonymous", target="email:a\x00@x.y", detail={"e": "a\x00"})
        session.commit()
        event = session.scalar(select(AuditEvent))
    assert event.target == "email:a\ufffd@x.y" and event.detail == {"e": "a\ufffd"}


def test_ten_concurrent_copies_of_one_delivery_all_answer_200(push_app):
    payload = [_record(i) for i in range(1, 6)]
    statuses: list[int] = []
    start = threading.Barrier(10)

    def send() -> None:
        client = push_app.test_client()
        start.wait()
        statuses.append(_post(client, payload).status_code)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [200] * 10
    with push_app.extensions["voice_sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 5
