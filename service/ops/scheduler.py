"""APScheduler wiring: the same pipeline functions as the CLI, on each source's cron schedule.

Jobs live in the database (``SQLAlchemyJobStore``, table ``apscheduler_jobs``, created by
APScheduler on first start), so a restarted scheduler knows when each job last ran; a run missed
while it was down is caught up once (``coalesce``, ``misfire_grace_time``). Each job takes a
database lock before it runs (``pg_try_advisory_lock`` on PostgreSQL, a row in ``job_locks`` on
SQLite), so two scheduler processes never run the same source at the same time.

A job cut short (its process killed, or its database stopped) leaves its ``job_locks`` row behind
(on PostgreSQL too, where the row only marks the job as running): a scheduler starting later runs
such a job at once instead of at its next scheduled time (:func:`resume_interrupted_jobs`).
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
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Connection, Engine, delete, insert, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ingest import IngestError
from service.config import Config, ConfigError
from service.pipeline.ingest_runs import PULLED_KINDS, RunReport, register_sources, run_ingest
from service.store.db import (
    DatabaseError,
    check_schema,
    first_line,
    make_engine,
    make_session_factory,
)
from service.store.models import JobLock, utcnow

logger = logging.getLogger(__name__)

TIMEZONE = "Europe/London"
LOCK_TTL = timedelta(hours=6)
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600}
_RUNTIME: dict[str, Any] = {}
#: Holders (see :func:`holder_of`) of the locks this process holds now; a row naming this process
#: but not listed here was left by a block whose release failed, and may be taken over.
_HELD: set[str] = set()


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
            scheduler.add_job("service.ops.scheduler:run_source_job", trigger, args=(key,), id=job_id, name=f"ingest {key}")
        elif str(job.trigger) != str(trigger):
            job.reschedule(trigger)
    return sorted(wanted) + _sync_fixed_jobs(scheduler, config)


BRIEFINGS_JOB = "reports:quarterly"
ANALYSES_JOB = "analyses:nightly"
RETENTION_JOB = "retention:apply"
SAFEGUARDING_JOB = "safeguarding:alert"
CLASSIFY_JOB = "analyses:classify"
#: The lock of the classify job's first step (the detector on texts stored in bulk), run by no other job.
MODEL_SCREEN_LOCK = "safeguarding:model-screen"


def _fixed_jobs(config: Config) -> list[tuple[str, str, str, str]]:
    """The jobs that are not per source: (id, cron, config section, function)."""
    return [
        (ANALYSES_JOB, config.analysis.schedule, "[analysis] schedule", "service.ops.scheduler:run_analyses_job"),
        (CLASSIFY_JOB, config.analysis.classify_schedule, "[analysis] classify_schedule", "service.ops.scheduler:run_classify_job"),
        (BRIEFINGS_JOB, config.reports.schedule, "[reports] schedule", "service.ops.scheduler:run_briefings_job"),
        (RETENTION_JOB, config.retention.schedule, "[retention] schedule", "service.ops.scheduler:run_retention_job"),
        (SAFEGUARDING_JOB, config.safeguarding.schedule, "[safeguarding] schedule", "service.ops.scheduler:run_safeguarding_job"),
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
    from service.pipeline.weighting import run_analyses

    return _locked(ANALYSES_JOB, lambda: run_analyses(_RUNTIME["factory"], _RUNTIME["config"]))


def run_classify_job() -> int | None:
    """The every-minute job: code newly stored free texts with the topic model; the run id, or ``None`` when none waited.

    The texts were redacted and screened for safeguarding when stored; texts stored in bulk (rules
    only) are first read by the trained disclosure detector, under a lock of its own, so its flags
    follow within a minute. Then their topics. Topics are skipped (``None``) while another process
    runs them or the nightly analyses.
    """
    from service.pipeline import text_runs

    factory = _RUNTIME["factory"]
    if text_runs.has_model_screen_pending(factory):
        _locked(MODEL_SCREEN_LOCK, lambda: text_runs.screen_pending_texts(factory))
    if not text_runs.has_pending_texts(factory):
        return None
    # The nightly job's lock: two topic runs at once would code the same texts twice.
    return _locked(ANALYSES_JOB, lambda: text_runs.run_topics(factory, _RUNTIME["config"]))


def run_retention_job() -> dict[str, object] | None:
    """The scheduled job: apply the retention periods (and log what was removed in the audit log)."""
    from service.ops.retention import apply_retention
    from service.store.db import transaction

    def apply() -> dict[str, object]:
        with transaction(_RUNTIME["factory"]) as session:
            result = apply_retention(session, _RUNTIME["config"])
        logger.info("retention removed: %s", result)
        return {"per_source": result.per_source}

    return _locked(RETENTION_JOB, apply)


def run_safeguarding_job() -> str | None:
    """The scheduled job: e-mail about safeguarding flags still New after the configured hours."""
    from service.ops.alerts import send_overdue_alerts
    from service.store.db import transaction

    def alert() -> str:
        config = _RUNTIME["config"]
        url = f"{config.form.public_url}/review/safeguarding" if config.form.public_url else ""
        with transaction(_RUNTIME["factory"]) as session:
            summary = send_overdue_alerts(session, config.safeguarding, config.mail, url).summary()
        logger.info("safeguarding alert job: %s", summary)
        return summary

    return _locked(SAFEGUARDING_JOB, alert)


def run_source_job(key: str) -> list[RunReport] | None:
    """The scheduled job: run one source under its lock; ``None`` when another process holds it."""
    config, engine, factory = _RUNTIME["config"], _RUNTIME["engine"], _RUNTIME["factory"]
    with job_lock(engine, f"ingest:{key}") as acquired:
        if not acquired:
            logger.info("ingest of %s skipped: another scheduler process is running it", key)
            return None
        try:
            reports = run_ingest(factory, config, key)
        except (IngestError, DatabaseError) as error:
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
    SQLite: a row in ``job_locks``, taken over when it is older than ``ttl`` or its holder, a
    process of this host, has ended. On both, the block's row stays if the process dies or the
    database stops before the block ends: :func:`resume_interrupted_jobs` looks for such rows.
    """
    holder = holder_of(os.getpid())
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            number = lock_number(name)
            acquired = bool(connection.execute(text("SELECT pg_try_advisory_lock(:n)"), {"n": number}).scalar())
            try:
                if acquired:  # the row of a holder that died is ours to replace: we hold the lock
                    connection.execute(delete(JobLock).where(JobLock.name == name))
                    connection.execute(insert(JobLock).values(name=name, holder=holder, acquired_at=utcnow(),
                                                              expires_at=utcnow() + ttl))
                yield acquired
            finally:
                if acquired:
                    _release_advisory_lock(connection, name, holder, number)
        return
    acquired = _take_lock_row(engine, name, holder, ttl)
    if acquired:
        _HELD.add(holder)
    try:
        yield acquired
    finally:
        if acquired:
            _HELD.discard(holder)
            try:
                with Session(engine) as session, session.begin():
                    session.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))
            except SQLAlchemyError as error:
                logger.warning("lock %s: could not remove its row (%s); it is taken over once this process "
                               "runs the job again or ends", name, first_line(error))


def _release_advisory_lock(connection: Connection, name: str, holder: str, number: int) -> None:
    try:
        connection.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))
        connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
    except SQLAlchemyError as error:
        # Closing the connection ends the lock on the server; the row (if it stays) marks the job as cut short.
        logger.warning("lock %s: could not release it (%s); closing its connection instead", name, first_line(error))
        connection.invalidate()


def _take_lock_row(engine: Engine, name: str, holder: str, ttl: timedelta) -> bool:
    now = utcnow()
    try:
        with Session(engine) as session, session.begin():
            # Writing first makes this transaction SQLite's writer at once (no read lock to upgrade).
            session.execute(delete(JobLock).where(JobLock.name == name, JobLock.expires_at < now))
            old = session.scalar(select(JobLock.holder).where(JobLock.name == name))
            if old is not None and is_holder_gone(old):
                logger.warning("lock %s: its holder %s has ended; taking it over", name, old)
                session.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == old))
            session.add(JobLock(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def holder_of(pid: int) -> str:
    """The name a lock row gives its holder, process ``pid`` of this host: place, pid and a random token."""
    return f"{_place()}:{pid}:{uuid.uuid4().hex[:8]}"


def _place() -> str:
    """This host's name and PID namespace: process ids are only comparable within one of these."""
    try:
        namespace = f"/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        namespace = ""
    return socket.gethostname() + namespace


def is_holder_gone(holder: str) -> bool:
    """Whether the process named by ``holder`` has ended; ``False`` when that cannot be known (another host)."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or parts[0] != _place():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return holder not in _HELD  # a block of this process whose release failed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


def resume_interrupted_jobs(scheduler: BackgroundScheduler, engine: Engine) -> list[str]:
    """Run at once each stored job that was cut short: its lock row is there and its holder is gone.

    A job's next run time moves on when it starts, so without this a job killed half-way would
    wait for its next scheduled time (tomorrow for an ingest, next quarter for the briefings).
    The job itself then takes over the lock, so it runs once even if two schedulers start.
    """
    now = utcnow()
    with Session(engine) as session:
        rows = session.execute(select(JobLock.name, JobLock.holder, JobLock.acquired_at, JobLock.expires_at < now)).all()
    resumed = []
    for name, holder, since, is_expired in rows:
        job = scheduler.get_job(name)
        if job is None or not (is_expired or _is_abandoned(engine, name, holder)):
            continue
        logger.warning("%s was cut short (started %s by %s, which is no longer running); running it again now",
                       name, since, holder)
        job.modify(next_run_time=datetime.now(timezone.utc))
        resumed.append(name)
    return resumed


def _is_abandoned(engine: Engine, name: str, holder: str) -> bool:
    if engine.dialect.name != "postgresql":
        return is_holder_gone(holder)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        number = lock_number(name)
        if not connection.execute(text("SELECT pg_try_advisory_lock(:n)"), {"n": number}).scalar():
            return False
        connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
        return True


def lock_number(name: str) -> int:
    """A stable signed 64-bit number for a lock name (PostgreSQL advisory locks take numbers)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


def run_scheduler(config: Config) -> None:
    """Start the scheduler and block until interrupted."""
    scheduler = build_scheduler(config)
    scheduler.start(paused=True)
    jobs = sync_jobs(scheduler, config)
    resume_interrupted_jobs(scheduler, _RUNTIME["engine"])
    scheduler.resume()
    logger.info("scheduler started with jobs: %s", ", ".join(jobs) or "none")
    try:
        while True:
            time.sleep(1)
    except (KeyboardInterrupt, SystemExit):
        logger.info("scheduler stopping")
    finally:
        scheduler.shutdown()
