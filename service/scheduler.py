"""APScheduler wiring: the same pipeline functions as the CLI, on each source's cron schedule."""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from ingest import IngestError
from service.config import Config, ConfigError
from service.db import check_schema, make_engine, make_session_factory
from service.pipeline import register_sources, run_ingest

logger = logging.getLogger(__name__)


def build_scheduler(config: Config) -> BlockingScheduler:
    """A scheduler with one ingest job per file source that has a schedule."""
    engine = make_engine(config.database.url)
    check_schema(engine)
    factory = make_session_factory(engine)
    register_sources(factory, config)
    scheduler = BlockingScheduler(timezone="Europe/London", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for source in config.sources:
        if not source.schedule or source.kind != "file":
            continue
        try:
            trigger = CronTrigger.from_crontab(source.schedule, timezone="Europe/London")
        except ValueError as error:
            raise ConfigError(f"[sources.{source.key}] schedule {source.schedule!r} is not a cron expression: {error}") from None
        scheduler.add_job(_ingest_job, trigger, args=(factory, config, source.key), id=f"ingest:{source.key}", name=f"ingest {source.name}")
    return scheduler


def _ingest_job(factory, config: Config, key: str) -> None:
    try:
        for report in run_ingest(factory, config, key):
            logger.info("%s", report.summary())
    except IngestError as error:
        logger.error("ingest of %s failed: %s", key, error)
    except Exception:
        logger.exception("ingest of %s failed unexpectedly", key)


def run_scheduler(config: Config) -> None:
    """Start the scheduler and block until interrupted."""
    scheduler = build_scheduler(config)
    logger.info("scheduler started with jobs: %s", ", ".join(job.id for job in scheduler.get_jobs()) or "none")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        logger.info("scheduler stopped")
