"""The database stops in the middle of a form submission, a connector run and an export (and a disk fills).

The service talks to PostgreSQL through :class:`tests.tcp_proxy.TcpProxy`; stopping the proxy is
the database stopping as the service sees it (open connections cut, new ones refused), and
``stop_when_sent`` stops it at an exact statement of a transaction. The test's own ``engine``
connects directly and sees what was really committed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from service import create_app
from service.cli import main
from service.pipeline.ingest_runs import PullOptions, register_sources, run_ingest
from service.store import sites as site_store
from service.store.db import DatabaseError, make_engine, make_session_factory, transaction
from service.store.models import Answer, AuditEvent, FreeText, IngestRun, ReportFile, Response
from tests.dashboard_data import PASSWORD, seed
from tests.exports import write_csv
from tests.tcp_proxy import TcpProxy

ANSWER = {"safe_here": "2", "feel_safer": "Better lighting", "happened": ["Harassment"], "age_band": "13-15",
          "ward": "E05013983", "consent": "yes"}
HEADER = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
          "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]


@pytest.fixture
def proxy(database_url):
    """A stoppable proxy in front of the test's PostgreSQL server."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs a database server to stop (PostgreSQL); a SQLite file has no connection to cut")
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    yield proxy
    proxy.close()


@pytest.fixture
def proxied(config, proxy, database_url):
    """The configuration, with the service's database reached through the proxy."""
    return replace(config, database=replace(config.database, url=proxy.url_for(database_url)))


def _count(engine, table):
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_form_submission_cut_mid_transaction_shows_retry_page_and_stores_once_after_restart(proxied, proxy, factory, engine):
    with transaction(factory) as session:
        site = site_store.add_site(session, "Romford station", "station", "E05013983", None, None)
    app = create_app(replace(proxied, form=replace(proxied.form, min_seconds=0)))
    app.config.update(TESTING=True)
    register_sources(app.extensions["voice_sessions"], proxied)
    client = app.test_client()
    try:
        page = client.get(f"/q/{site.code}").get_data(as_text=True)
        tokens = {k: re.search(rf'name="{k}" value="([^"]+)"', page).group(1) for k in ("csrf_token", "token")}
        proxy.stop_when_sent(b"COMMIT")  # the submission's inserts ran; their commit never arrives
        reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})
        assert proxy.n_stops == 1
        assert reply.status_code == 503
        assert "Nothing has been saved yet. Please try again in a minute." in reply.get_data(as_text=True)
        assert [_count(engine, t) for t in ("responses", "answers", "free_texts")] == [0, 0, 0]

        again = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})  # still stopped: refused at connect
        assert again.status_code == 503 and "Please try again" in again.get_data(as_text=True)

        proxy.start()
        stored = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})
        assert stored.status_code == 303
        assert client.post(f"/q/{site.code}", data={**ANSWER, **tokens}).status_code == 303  # a double click
        assert [_count(engine, t) for t in ("responses", "answers", "free_texts")] == [1, 3, 1]
    finally:
        app.extensions["voice_engine"].dispose()


def _write_export(path, n):
    write_csv(path, HEADER, ([f"CSS-{i:05d}", "21/04/2023 10:15", "2023", "25-34", "Female", "4", f"More lighting {i}"]
                             for i in range(n)))


@pytest.mark.parametrize("cut", [b"COPY free_texts", b"COMMIT"], ids=["mid-batch", "at-commit"])
def test_connector_run_cut_in_a_batch_keeps_whole_responses_and_the_rerun_resumes(proxied, proxy, engine, factory, cut):
    register_sources(factory, proxied)
    _write_export(proxied.source("css").path / "export.csv", 3500)  # four batches of up to 1,000
    service_engine = make_engine(proxied.database.url)
    sessions = make_session_factory(service_engine)

    def stop_in_third_batch(progress):
        if progress.n_read == 2000:  # two batches committed: cut the third after its responses and answers, or at its commit
            proxy.stop_when_sent(cut)

    try:
        with pytest.raises(DatabaseError, match=r"the database stopped during ingest of css export.csv after 2000 records "
                                                r"\(consuming input failed: server closed the connection unexpectedly\)"):
            run_ingest(sessions, proxied, "css", options=PullOptions(progress=stop_in_third_batch))
        assert proxy.n_stops == 1
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(Response)) == 2000
            assert session.scalar(select(func.count()).select_from(Answer)) == 2000 * 2
            assert session.scalar(select(func.count()).select_from(FreeText)) == 2000
            [run] = session.scalars(select(IngestRun))
            assert (run.status, run.n_read, run.n_new) == ("running", 2000, 2000)  # the database was gone: nothing closed it

        proxy.start()
        [report] = run_ingest(sessions, proxied, "css")
        assert (report.status, report.n_new, report.n_unchanged) == ("finished", 1500, 2000)
        assert [r.status for r in run_ingest(sessions, proxied, "css")] == ["skipped"]  # done now, not before
        with factory() as session:
            assert session.scalar(select(func.count(func.distinct(Response.external_id)))) == 3500
            assert session.scalar(select(func.count()).select_from(Response)) == 3500
            assert session.scalar(select(func.count()).select_from(FreeText)) == 3500
            runs = list(session.scalars(select(IngestRun).order_by(IngestRun.id)))
            assert [(r.status, r.n_new) for r in runs] == [("interrupted", 2000), ("finished", 1500)]
            assert runs[0].finished_at is not None
            assert f"run {runs[1].id} resumed it" in runs[0].errors[-1]
    finally:
        service_engine.dispose()


@pytest.mark.parametrize("cut", [b"SELECT free_texts.id", b"INSERT INTO audit_events"], ids=["reading", "archiving"])
def test_export_cut_by_a_database_stop_fails_cleanly_and_leaves_nothing(proxied, proxy, database_url, factory, runner,
                                                                         tmp_path, cut):
    register_sources(factory, proxied)
    _write_export(proxied.source("css").path / "export.csv", 40)
    run_ingest(factory, proxied, "css")
    env = {"VOICE_DATABASE_URL": proxied.database.url, "VOICE_INSTANCE_PATH": str(tmp_path / "instance")}
    out = tmp_path / "out" / "sna_2023.xlsx"
    command = ["export", "sna", "--year", "2023", "--format", "xlsx", "--out", str(out)]

    proxy.stop_when_sent(cut)  # "archiving": the archive row is in, its audit entry is not
    result = runner.invoke(main, command, env=env)
    assert proxy.n_stops == 1
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output  # a ClickException
    assert ("Error: the export: the database stopped or cannot be reached (consuming input failed: server closed the "
            "connection unexpectedly); nothing was archived or written; run it again") in result.output
    assert "Archived" not in result.output and "Traceback" not in result.output
    assert not out.exists() and not out.parent.exists()
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ReportFile)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0

    proxy.start()
    result = runner.invoke(main, command, env=env)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ReportFile)) == 1


def test_export_made_on_the_staff_page_answers_503_and_archives_nothing_when_the_database_stops(proxied, proxy, factory):
    app = create_app(proxied)
    app.config.update(TESTING=True)
    register_sources(factory, proxied)
    seed(factory)
    client = app.test_client()

    def token(url):
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)

    try:
        signed_in = client.post("/sign-in", data={"csrf_token": token("/sign-in"), "email": "analyst@example.org",
                                                  "password": PASSWORD})
        assert signed_in.status_code == 302
        form = {"csrf_token": token("/briefings/"), "year": "2024", "format": "xlsx"}
        with factory() as session:
            n_events = session.scalar(select(func.count()).select_from(AuditEvent))
        proxy.stop_when_sent(b"INSERT INTO audit_events")  # the archive row is in, its audit entry is not
        reply = client.post("/briefings/sna", data=form)
        assert proxy.n_stops == 1, reply.status_code
        assert reply.status_code == 503
        assert "Please try again in a minute" in reply.get_data(as_text=True)
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(ReportFile)) == 0
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == n_events

        proxy.start()
        made = client.post("/briefings/sna", data=form)
        assert made.status_code == 302 and "/briefings/files/" in made.headers["Location"]
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(ReportFile)) == 1
    finally:
        app.extensions["voice_engine"].dispose()


def test_export_file_write_that_fails_half_way_leaves_no_partial_file(config, factory, database_url, tmp_path):
    register_sources(factory, config)
    _write_export(config.source("css").path / "export.csv", 40)
    run_ingest(factory, config, "css")
    out = tmp_path / "out" / "sna_2023.docx"
    out.parent.mkdir()
    out.write_bytes(b"last year's file")
    # The child may write no file over 33,000 bytes (a full disk, as far as the write is concerned);
    # SQLite's 32 KiB shared-memory file fits, the ~38 kB narrative does not.
    limit = 33_000
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (%d, %d)); "
            "from service.cli import main; sys.argv[0] = 'voice'; main()" % (limit, limit))
    env = {**os.environ, "VOICE_DATABASE_URL": database_url, "VOICE_INSTANCE_PATH": str(tmp_path / "instance"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", code, "export", "sna", "--year", "2023", "--format", "docx",
                             "--no-archive", "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Error: could not write {out}: File too large; nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["sna_2023.docx"]  # no half-written temporary file
    assert out.read_bytes() == b"last year's file"  # the earlier file is untouched, not cut short
