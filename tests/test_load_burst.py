"""A burst of QR form submissions over real HTTP while a file import writes to the same database.

The bounded version of bench/load/burst.py for CI: the app on a threaded WSGI server on 127.0.0.1,
20 clients with 10 submissions each, and meanwhile a 4,000-row CSV import (the file connector, as
`voice ingest` runs it). On SQLite the import and the submissions take turns for the one write
lock; a submission waits for it (the busy timeout of service.store.db), so residents still get their
thank-you page. Every guard stays on, with the configured rate limits (each client has its own
address, as behind the reverse proxy).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace

import pytest
import requests
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.serving import make_server

from service import create_app
from service.pipeline.ingest_runs import register_sources, run_ingest
from service.store import sites as site_store
from service.store.db import make_engine, make_session_factory, transaction
from service.store.models import Answer, FreeText, Response, Source
from tests.exports import write_csv

N_CLIENTS, N_EACH, N_ROWS = 20, 10, 4000
ANSWER = {"safe_here": "3", "feel_safer": "Brighter lighting by the bus stop", "happened": ["Harassment"],
          "age_band": "16-17", "ward": "E05013983", "consent": "yes"}
HEADER = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
          "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]
CALM = "We could not save your answers just now. Nothing has been saved yet."


@pytest.fixture
def served(config):
    """The app (min answer time 1 s, proxy headers trusted) on a threaded server on 127.0.0.1."""
    config = replace(config, app=replace(config.app, behind_proxy=True), form=replace(config.form, min_seconds=1))
    app = create_app(config)
    register_sources(app.extensions["voice_sessions"], config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, config, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["voice_engine"].dispose()


def _write_import(path, n_rows):
    """A CSV for the `css` source; every 500th row repeats the id before it (a duplicate)."""
    rows = ([f"LOAD-{i - 1 if i % 500 == 499 else i:05d}", "21/04/2023 10:15", "2023", "25-34", "Female", str(1 + i % 5),
             "More patrols"] for i in range(n_rows))
    write_csv(path, HEADER, rows)


def _open_forms(base, code, address, n=N_EACH):
    http = requests.Session()
    http.headers["X-Forwarded-For"] = address
    forms = []
    for _ in range(n):
        page = http.get(f"{base}/q/{code}", timeout=60)
        assert page.status_code == 200
        forms.append({name: re.search(rf'name="{name}" value="([^"]+)"', page.text).group(1) for name in ("csrf_token", "token")})
    return http, forms


def _submit_all(base, code, clients, go, replies):
    go.wait()
    for http, forms in clients:
        for tokens in forms:
            reply = http.post(f"{base}/q/{code}", data={**ANSWER, **tokens}, allow_redirects=False, timeout=60)
            replies.append((tokens["token"], reply.status_code, reply.text, time.monotonic()))


@pytest.mark.slow
def test_form_burst_during_an_import_loses_and_duplicates_nothing(served):
    app, config, base = served
    factory = app.extensions["voice_sessions"]
    with transaction(factory) as session:
        code = site_store.add_site(session, "Burst test station", "station", "E05013983", None, None).code
    _write_import(config.source("css").path / "burst.csv", N_ROWS)
    clients = [_open_forms(base, code, f"10.9.0.{i + 1}") for i in range(N_CLIENTS)]
    time.sleep(config.form.min_seconds)  # people take a moment to answer

    go, replies, imported, window = threading.Event(), [], [], {}

    def run_import():
        go.wait()
        window["import_started"] = time.monotonic()
        imported.extend(run_ingest(factory, config, "css"))
        window["import_finished"] = time.monotonic()

    threads = [threading.Thread(target=run_import)]
    threads += [threading.Thread(target=_submit_all, args=(base, code, [client], go, replies)) for client in clients]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    go.set()
    for thread in threads:
        thread.join(timeout=120)

    assert len(replies) == N_CLIENTS * N_EACH
    statuses = [status for _, status, _, _ in replies]
    # Each resident got the thank-you redirect, or else the calm page saying nothing was saved.
    assert set(statuses) <= {303, 503}, statuses
    assert all(CALM in text for _, status, text, _ in replies if status == 503)
    accepted = {token for token, status, _, _ in replies if status == 303}
    # The import really overlapped the submissions.
    assert window["import_started"] < max(at for *_, at in replies) and window["import_finished"] > started

    with factory() as session:
        form_id = session.scalar(select(Source.id).where(Source.key == "form"))
        rows = session.execute(select(
            Response.external_id,
            select(func.count()).where(Answer.response_id == Response.id).scalar_subquery(),
            select(func.count()).where(FreeText.response_id == Response.id).scalar_subquery(),
        ).where(Response.source_id == form_id)).all()
        n_imported = session.scalar(select(func.count()).select_from(Response).join(Source).where(Source.key == "css"))
    stored = [external_id for external_id, _, _ in rows]
    nonces = {token: _nonce(token) for token, *_ in replies}
    assert len(stored) == len(set(stored))  # none twice
    assert set(stored) == {f"form-{nonces[t]}" for t in accepted}  # every accepted one, and nothing else
    assert all((n_answers, n_texts) == (3, 1) for _, n_answers, n_texts in rows)  # each one whole
    assert statuses.count(303) == N_CLIENTS * N_EACH, f"{statuses.count(503)} submissions got the calm retry page"

    [report] = imported
    n_duplicate = N_ROWS // 500
    assert (report.status, report.n_read, report.n_new, report.n_duplicate) == ("finished", N_ROWS, N_ROWS - n_duplicate, n_duplicate)
    assert n_imported == N_ROWS - n_duplicate


def test_form_submission_meeting_a_locked_sqlite_database_gets_the_calm_page(served, database_url):
    """SQLite has one write lock; a submission that cannot get it in time stores nothing and says so calmly."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, not the database")
    import sqlite3

    app, _config, base = served
    # The app's engine, but waiting 0.5 s for the write lock instead of 30 s, so the test is quick.
    engine = make_engine(database_url, connect_args={"timeout": 0.5})
    app.extensions["voice_sessions"] = make_session_factory(engine)
    with transaction(app.extensions["voice_sessions"]) as session:
        code = site_store.add_site(session, "Locked station", "station", "E05013983", None, None).code
    http, [tokens] = _open_forms(base, code, "10.9.1.1", n=1)
    time.sleep(1)
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer (an import batch, say) holds the lock
    try:
        locked = http.post(f"{base}/q/{code}", data={**ANSWER, **tokens}, allow_redirects=False, timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = http.post(f"{base}/q/{code}", data={**ANSWER, **tokens}, allow_redirects=False, timeout=60)
    with app.extensions["voice_sessions"]() as session:
        n_stored = session.scalar(select(func.count()).select_from(Response))
    engine.dispose()
    assert locked.status_code == 503 and CALM in locked.text
    assert again.status_code == 303 and n_stored == 1  # the same form, sent again, is stored once


def _nonce(token):
    """The random part of a form token, which the form stores as external id ``form-<nonce>``."""
    return URLSafeTimedSerializer("only-reading").loads_unsafe(token)[1]["n"]
