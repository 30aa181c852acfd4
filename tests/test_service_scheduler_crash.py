"""The scheduler process is killed (SIGKILL) in the middle of an ingest job, then started again.

Real ``voice scheduler`` processes on the test's database (SQLite file or PostgreSQL): the job must
run to its end exactly once across the two processes: not lost until its next scheduled time, not
run twice, and no response half-written or stored twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from service.config import load_config
from service.ops.scheduler import build_scheduler, holder_of, job_lock, lock_number, sync_jobs
from service.store.db import transaction
from service.store.models import Answer, FreeText, IngestRun, JobLock, Response
from tests.exports import write_csv

PROJECT = Path(__file__).resolve().parent.parent
HEADER = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
          "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]
N_ROWS = 8_000  # eight batches: the kill comes after the first, long before the last


def _environment(database_url, tmp_path):
    """The child's environment: the shipped config.toml with only the css ingest job scheduled."""
    env = {"VOICE_DATABASE_URL": database_url, "VOICE_INSTANCE_PATH": str(tmp_path / "instance"),
           "VOICE_SECRET_KEY": "scheduler-crash-test-key", "VOICE_SOURCES_CSS_PATH": str(tmp_path / "drop"),
           "VOICE_ANALYSIS_SCHEDULE": "", "VOICE_ANALYSIS_CLASSIFY_SCHEDULE": "", "VOICE_REPORTS_SCHEDULE": "",
           "VOICE_RETENTION_SCHEDULE": "", "VOICE_SAFEGUARDING_SCHEDULE": "",
           "VOICE_LOG_LEVEL": "INFO"}
    shipped = load_config(PROJECT / "config.toml", environ={})
    env.update({f"VOICE_SOURCES_{s.key.upper()}_SCHEDULE": "" for s in shipped.sources if s.key != "css" and s.schedule})
    return env


def _start(env, log):
    return subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "scheduler"],
                            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)


def _wait_for(condition, what, process, log_path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(f"the scheduler exited ({process.returncode}) before {what}:\n{log_path.read_text()}")
        time.sleep(0.02)
    pytest.fail(f"no {what} within {timeout} s:\n{log_path.read_text()}")


def _runs(factory):
    with factory() as session:
        return [(r.status, r.n_read, r.n_new, r.n_unchanged) for r in session.scalars(select(IngestRun).order_by(IngestRun.id))]


def _stop(process):
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def test_scheduler_killed_mid_ingest_resumes_the_job_once_when_restarted(database_url, engine, factory, tmp_path):
    env = _environment(database_url, tmp_path)
    config = load_config(PROJECT / "config.toml", environ=env)
    (tmp_path / "drop").mkdir()
    write_csv(tmp_path / "drop" / "export.csv", HEADER,
              ([f"CSS-{i:05d}", "21/04/2023 10:15", "2023", "25-34", "Female", "4", f"More lighting {i}"] for i in range(N_ROWS)))
    # Store the job as due two hours ago, as if the scheduler had been down at 06:00: it starts at once.
    seeded = build_scheduler(config, engine)
    seeded.start(paused=True)
    assert sync_jobs(seeded, config) == ["ingest:css"]
    seeded.shutdown()
    _set_next_run_time(engine, "ingest:css", datetime.now(timezone.utc) - timedelta(hours=2))

    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with first_log.open("w") as log:
        first = _start(env, log)
    try:
        _wait_for(lambda: any(run[1] >= 1000 for run in _runs(factory)), "committed batch", first, first_log)
        first.kill()
        first.wait(timeout=10)
    finally:
        _stop(first)

    [(status, n_read, n_new, _)] = _runs(factory)
    assert status == "running" and 1000 <= n_read < N_ROWS, "the kill came too late to test anything"
    with factory() as session:  # whole batches only: every stored response has its answers and free text
        n_stored = session.scalar(select(func.count()).select_from(Response))
        assert n_stored == n_read == n_new
        assert session.scalar(select(func.count()).select_from(Answer)) == 2 * n_stored
        assert session.scalar(select(func.count()).select_from(FreeText)) == n_stored
        [holder] = session.scalars(select(JobLock.holder).where(JobLock.name == "ingest:css"))
    assert f":{first.pid}:" in holder  # the killed job's row is left behind
    if engine.dialect.name == "postgresql":  # the server ends the advisory lock once it sees the connection closed
        _wait_for(lambda: _is_advisory_lock_free(engine, "ingest:css"), "advisory lock released", first, first_log, 10)

    with second_log.open("w") as log:
        second = _start(env, log)
    try:
        _wait_for(lambda: any(run[0] == "finished" for run in _runs(factory)), "finished run", second, second_log)
        _wait_for(lambda: _no_lock_rows(factory), "lock released", second, second_log, 10)
        with factory() as session:
            next_run = session.scalar(text("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'ingest:css'"))
    finally:
        _stop(second)

    assert _runs(factory) == [("interrupted", n_read, n_read, 0), ("finished", N_ROWS, N_ROWS - n_read, n_read)]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == N_ROWS
        assert session.scalar(select(func.count(func.distinct(Response.external_id)))) == N_ROWS
        assert session.scalar(select(func.count()).select_from(Answer)) == 2 * N_ROWS
    assert "ingest:css was cut short" in second_log.read_text()
    assert next_run > time.time() + 3600  # back on its daily schedule: it does not run again now


def _set_next_run_time(engine, job_id, when):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    store = SQLAlchemyJobStore(engine=engine)
    store.start(BackgroundScheduler(timezone="Europe/London"), "default")
    job = store.lookup_job(job_id)
    state = job.__getstate__()
    state["next_run_time"] = when
    job.__setstate__(state)
    store.update_job(job)


def _is_advisory_lock_free(engine, name):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.execute(text("SELECT pg_try_advisory_lock(:n)"), {"n": lock_number(name)}).scalar():
            return False
        connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": lock_number(name)})
        return True


def _no_lock_rows(factory):
    with factory() as session:
        return session.scalar(select(func.count()).select_from(JobLock)) == 0


def test_sqlite_lock_row_is_taken_over_only_when_its_holder_has_ended(engine, factory):
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL: the advisory lock decides, and it ends with its holder's connection")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    later = datetime.now(timezone.utc) + timedelta(hours=1)  # not expired: only the holder's state decides
    try:
        for holder, is_free in [(holder_of(alive.pid), False),
                                (holder_of(int(ended.stdout)), True),
                                (holder_of(os.getpid()), True),  # this process, but no block of it holds the lock
                                ("otherhost:1:abcd1234", False)]:  # another host: cannot tell, so wait for the expiry
            with transaction(factory) as session:
                session.execute(JobLock.__table__.delete())
                session.add(JobLock(name="ingest:css", holder=holder, acquired_at=later, expires_at=later))
            with job_lock(engine, "ingest:css") as acquired:
                assert acquired is is_free, holder
    finally:
        alive.kill()
        alive.wait()
