"""The scheduler: jobs in the database, one lock per job, a missed run caught up once."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from service.config import ConfigError
from service.ops.scheduler import build_scheduler, job_lock, run_source_job, sync_jobs
from service.store.db import transaction
from service.store.models import IngestRun, JobLock
from tests.exports import write_csv


def _drop_file(config):
    write_csv(config.source("css").path / "e.csv", ["Respondent ID", "Date submitted"], [["A", "21/04/2023"]])


def test_lock_is_held_by_one_holder_at_a_time(engine):
    with job_lock(engine, "ingest:css") as first, job_lock(engine, "ingest:css") as second, \
            job_lock(engine, "ingest:shout") as other:
        assert (first, second, other) == (True, False, True)
    with job_lock(engine, "ingest:css") as after:
        assert after is True


def test_stale_sqlite_lock_row_of_a_crashed_process_is_taken_over(engine, factory):
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL advisory locks end with the crashed process's connection")
    with transaction(factory) as session:
        past = datetime.now(timezone.utc) - timedelta(hours=1)
        session.add(JobLock(name="ingest:css", holder="crashed:1", acquired_at=past, expires_at=past))
    with job_lock(engine, "ingest:css") as acquired:
        assert acquired is True


def test_job_is_skipped_while_another_process_holds_its_lock(engine, config):
    _drop_file(config)
    build_scheduler(config, engine)
    with job_lock(engine, "ingest:css"):
        assert run_source_job("css") is None
    reports = run_source_job("css")
    assert [r.n_new for r in reports] == [1]


def test_missed_run_is_caught_up_once_after_a_restart(engine, factory, config):
    _drop_file(config)
    scheduler = build_scheduler(config, engine)
    scheduler.start(paused=True)
    assert "ingest:css" in sync_jobs(scheduler, config)
    scheduler.shutdown()
    _miss_a_run(engine, "ingest:css")  # as if no scheduler ran at the job's time

    restarted = build_scheduler(config, engine)
    restarted.start(paused=True)
    sync_jobs(restarted, config)
    assert restarted.get_job("ingest:css").next_run_time < datetime.now(timezone.utc)  # kept, not reset
    restarted.resume()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and restarted.get_job("ingest:css").next_run_time < datetime.now(timezone.utc):
            time.sleep(0.05)
        time.sleep(0.3)
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(IngestRun)) == 1
        assert restarted.get_job("ingest:css").next_run_time > datetime.now(timezone.utc)
    finally:
        restarted.remove_all_jobs()
        restarted.shutdown()


def _miss_a_run(engine, job_id):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    store = SQLAlchemyJobStore(engine=engine)
    store.start(BackgroundScheduler(timezone="Europe/London"), "default")
    job = store.lookup_job(job_id)
    state = job.__getstate__()
    state["next_run_time"] = datetime.now(timezone.utc) - timedelta(hours=2)
    job.__setstate__(state)
    store.update_job(job)


def test_bad_cron_expression_names_the_source(engine, config):
    from dataclasses import replace

    from service.config import ConfigError

    broken = replace(config, sources=tuple(replace(s, schedule="every day") if s.key == "css" else s for s in config.sources))
    scheduler = build_scheduler(broken, engine)
    scheduler.start(paused=True)
    try:
        with pytest.raises(ConfigError, match=r"\[sources.css\] schedule 'every day' is not a cron expression"):
            sync_jobs(scheduler, broken)
    finally:
        scheduler.shutdown()


def test_nightly_analyses_and_retention_jobs_follow_their_schedules(engine, config):
    from dataclasses import replace

    scheduler = build_scheduler(config, engine)
    scheduler.start(paused=True)
    try:
        jobs = sync_jobs(scheduler, config)
        assert {"analyses:nightly", "retention:apply", "reports:quarterly"} <= set(jobs)
        assert str(scheduler.get_job("analyses:nightly").trigger).startswith("cron[month='*', day='*', day_of_week='*', hour='2'")
        quiet = replace(config, analysis=replace(config.analysis, schedule=""), retention=replace(config.retention, schedule=""))
        assert "analyses:nightly" not in sync_jobs(scheduler, quiet)
        assert scheduler.get_job("analyses:nightly") is None and scheduler.get_job("retention:apply") is None
        broken = replace(config, retention=replace(config.retention, schedule="nightly"))
        with pytest.raises(ConfigError, match=r"\[retention\] schedule 'nightly' is not a cron expression"):
            sync_jobs(scheduler, broken)
    finally:
        scheduler.shutdown()


def test_retention_job_runs_under_its_lock_and_is_audited(engine, factory, config):
    from service.ops.scheduler import run_retention_job
    from service.store.models import AuditEvent

    build_scheduler(config, engine)
    with job_lock(engine, "retention:apply"):
        assert run_retention_job() is None
    assert run_retention_job() is not None
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "retention")) == 1
