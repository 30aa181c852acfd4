"""APScheduler wiring: the same pipeline functions as the CLI, on each source's cron schedule.

Jobs live in the database (``SQLAlchemyJobStore``, table ``apscheduler_jobs``, created by
APScheduler on first start), so a restarted scheduler knows when each job last ran; a run missed
while it was down is caught up once (``coalesce``, ``misfire_grace_time``). Each job takes a
database lock before it runs (``pg_try_advisory_lock`` on PostgreSQL, a row in ``job_locks`` on
SQLite), so two scheduler processes never run the same source at the same time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, delete, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ingest import IngestError
from service.config import Config, ConfigError
from service.db import check_schema, make_engine, make_session_factory
from service.models import JobLock, utcnow
from service.pipeline import PULLED_KINDS, RunReport, register_sources, run_ingest

logger = logging.getLogger(__name__)

TIMEZONE = "Europe/London"
LOCK_TTL = timedelta(hours=6)
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600}
_RUNTIME: dict[str, Any] = {}


def build_scheduler(config: Config, engine: Engine | None = None) -> BackgroundScheduler:
    """A scheduler, not yet started, with its jobs kept in the database; see :func:`sync_jobs`."""
    engine = engine or make_engine(config.database.url)
    check_schema(engine)
    factory = make_session_factory(engine)
    register_sources(factory, config)
    _RUNTIME.update(config=config, engine=engine, factory=factory)
    return BackgroundScheduler(timezone=TIMEZONE, job_defaults=JOB_DEFAULTS,
                               jobstores={"default": SQLAlchemyJobStore(engine=engine)})


def sync_jobs(scheduler: BackgroundScheduler, config: Config) -> list[str]:
    """Make the stored jobs match the configured schedules; call on a started (paused) scheduler.

    A job whose schedule is unchanged keeps its stored next run time, so a run missed while no
    scheduler was running is caught up (once) when this one resumes.
    """
    wanted: dict[str, CronTrigger] = {}
    for source in config.sources:
        if source.schedule and source.kind in PULLED_KINDS:
            try:
                wanted[f"ingest:{source.key}"] = CronTrigger.from_crontab(source.schedule, timezone=TIMEZONE)
            except ValueError as error:
                raise ConfigError(f"{config.source_file}: [sources.{source.key}] schedule {source.schedule!r} is not a "
                                  f"cron expression (minute hour day month weekday): {error}") from None
    for job in scheduler.get_jobs():
        if job.id.startswith("ingest:") and job.id not in wanted:
            job.remove()
    for job_id, trigger in wanted.items():
        job = scheduler.get_job(job_id)
        key = job_id.removeprefix("ingest:")
        if job is None:
            scheduler.add_job("service.scheduler:run_source_job", trigger, args=(key,), id=job_id, name=f"ingest {key}")
        elif str(job.trigger) != str(trigger):
            job.reschedule(trigger)
    return sorted(wanted) + _sync_fixed_jobs(scheduler, config)


BRIEFINGS_JOB = "reports:quarterly"
ANALYSES_JOB = "analyses:nightly"
RETENTION_JOB = "retention:apply"


def _fixed_jobs(config: Config) -> list[tuple[str, str, str, str]]:
    """The jobs that are not per source: (id, cron, config section, function)."""
    return [
        (ANALYSES_JOB, config.analysis.schedule, "[analysis] schedule", "service.scheduler:run_analyses_job"),
        (BRIEFINGS_JOB, config.reports.schedule, "[reports] schedule", "service.scheduler:run_briefings_job"),
        (RETENTION_JOB, config.retention.schedule, "[retention] schedule", "service.scheduler:run_retention_job"),
    ]


def _sync_fixed_jobs(scheduler: BackgroundScheduler, config: Config) -> list[str]:
    """Analyses, quarterly briefings and retention on their configured crons; a job whose cron is "" is removed."""
    kept = []
    for job_id, cron, where, function in _fixed_jobs(config):
        job = scheduler.get_job(job_id)
        if not cron:
            if job is not None:
                job.remove()
            continue
        try:
            trigger = CronTrigger.from_crontab(cron, timezone=TIMEZONE)
        except ValueError as error:
            raise ConfigError(f"{config.source_file}: {where} {cron!r} is not a cron "
                              f"expression (minute hour day month weekday): {error}") from None
        if job is None:
            scheduler.add_job(function, trigger, id=job_id, name=job_id)
        elif str(job.trigger) != str(trigger):
            job.reschedule(trigger)
        kept.append(job_id)
    return kept


def _locked(job_id: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` under the job's database lock; ``None`` when another process holds it."""
    engine = _RUNTIME["engine"]
    with job_lock(engine, job_id) as acquired:
        if not acquired:
            logger.info("%s skipped: another scheduler process is running it", job_id)
            return None
        try:
            return work()
        except Exception:
            logger.exception("%s failed unexpectedly", job_id)
            return []


def run_briefings_job() -> list[int] | None:
    """The scheduled job: archive the quarter just closed's briefings under a lock; ``None`` when another process holds it."""
    from service.reports.generate import run_quarterly_briefings

    return _locked(BRIEFINGS_JOB, lambda: run_quarterly_briefings(_RUNTIME["factory"], _RUNTIME["config"]))


def run_analyses_job() -> dict[str, object] | None:
    """The nightly job: redaction, flags, topics, themes, representativeness and weights on what is stored."""
    from service.analyses import run_analyses

    return _locked(ANALYSES_JOB, lambda: run_analyses(_RUNTIME["factory"], _RUNTIME["config"]))


def run_retention_job() -> dict[str, object] | None:
    """The scheduled job: apply the retention periods (and log what was removed in the audit log)."""
    from service.db import transaction
    from service.retention import apply_retention

    def apply() -> dict[str, object]:
        with transaction(_RUNTIME["factory"]) as session:
            result = apply_retention(session, _RUNTIME["config"])
        logger.info("retention removed: %s", result)
        return {"per_source": result.per_source}

    return _locked(RETENTION_JOB, apply)


def run_source_job(key: str) -> list[RunReport] | None:
    """The scheduled job: run one source under its lock; ``None`` when another process holds it."""
    config, engine, factory = _RUNTIME["config"], _RUNTIME["engine"], _RUNTIME["factory"]
    with job_lock(engine, f"ingest:{key}") as acquired:
        if not acquired:
            logger.info("ingest of %s skipped: another scheduler process is running it", key)
            return None
        try:
            reports = run_ingest(factory, config, key)
        except IngestError as error:
            logger.error("ingest of %s failed: %s", key, error)
            return []
        except Exception:
            logger.exception("ingest of %s failed unexpectedly", key)
            return []
    for report in reports:
        logger.info("%s", report.summary())
    return reports


@contextmanager
def job_lock(engine: Engine, name: str, ttl: timedelta = LOCK_TTL) -> Iterator[bool]:
    """Hold the database lock ``name`` for the block; yield whether it was free.

    PostgreSQL: a session advisory lock, released when the block ends or the connection drops.
    SQLite: a row in ``job_locks``; a row older than ``ttl`` (a crashed process) is taken over.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            number = lock_number(name)
            acquired = bool(connection.execute(text("SELECT pg_try_advisory_lock(:n)"), {"n": number}).scalar())
            try:
                yield acquired
            finally:
                if acquired:
                    connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
        return
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    acquired = _take_lock_row(engine, name, holder, ttl)
    try:
        yield acquired
    finally:
        if acquired:
            with Session(engine) as session, session.begin():
                session.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))


def _take_lock_row(engine: Engine, name: str, holder: str, ttl: timedelta) -> bool:
    now = utcnow()
    try:
        with Session(engine) as session, session.begin():
            session.execute(delete(JobLock).where(JobLock.name == name, JobLock.expires_at < now))
            session.add(JobLock(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def lock_number(name: str) -> int:
    """A stable signed 64-bit number for a lock name (PostgreSQL advisory locks take numbers)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


def run_scheduler(config: Config) -> None:
    """Start the scheduler and block until interrupted."""
    scheduler = build_scheduler(config)
    scheduler.start(paused=True)
    jobs = sync_jobs(scheduler, config)
    scheduler.resume()
    logger.info("scheduler started with jobs: %s", ", ".join(jobs) or "none")
    try:
        while True:
            time.sleep(1)
    except (KeyboardInterrupt, SystemExit):
        logger.info("scheduler stopping")
    finally:
        scheduler.shutdown()
