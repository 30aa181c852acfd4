"""Ingest runs and the whole records they quarantined: start, close, resume and list runs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ingest import QuarantineRecord
from service.store.models import IngestRun, QuarantinedRow, Source, utcnow


def save_quarantine(session: Session, source: Source, run: IngestRun, records: Iterable[QuarantineRecord]) -> int:
    """Store records that broke a rule, whole, with their reasons; return how many."""
    n = 0
    for record in records:
        session.add(QuarantinedRow(
            source_id=source.id, run_id=run.id, external_id=record.external_id, location=record.location,
            field=record.field, value=record.value[:10_000], rule=record.rule, reason=record.reason, raw=record.raw,
        ))
        n += 1
    session.flush()
    return n


def start_run(session: Session, source: Source, input_name: str | None, input_hash: str | None) -> IngestRun:
    """Record the start of an ingest run."""
    run = IngestRun(source_id=source.id, input_name=input_name, input_hash=input_hash, status="running")
    session.add(run)
    session.flush()
    return run


def close_unfinished_runs(session: Session, source: Source, run: IngestRun) -> int:
    """Mark earlier runs of ``run``'s input (same file content, or same URL) left "running" as "interrupted".

    Such a run lost its process or its database before it could close itself; ``run`` resumes it.
    A run of the same input still going in another process (two ``voice ingest`` at once) would be
    marked too, until it closes itself with its own status. Returns how many runs were closed.
    """
    same_input = (IngestRun.input_hash == run.input_hash if run.input_hash
                  else (IngestRun.input_hash.is_(None) & (IngestRun.input_name == run.input_name)))
    query = select(IngestRun).where(IngestRun.source_id == source.id, IngestRun.status == "running",
                                    IngestRun.id != run.id, same_input)
    stale = list(session.scalars(query))
    for old in stale:
        old.status = "interrupted"
        old.finished_at = utcnow()
        old.errors = [*old.errors, f"stopped after {old.n_read} records without closing (its process or the "
                                   f"database stopped); run {run.id} resumed it"]
    return len(stale)


def is_input_done(session: Session, source: Source, input_hash: str) -> bool:
    """Say whether a file with this content hash was already ingested to the end."""
    query = select(func.count()).select_from(IngestRun).where(
        IngestRun.source_id == source.id, IngestRun.input_hash == input_hash, IngestRun.status == "finished"
    )
    return bool(session.scalar(query))


def latest_runs(session: Session) -> list[IngestRun]:
    """The latest ingest run of each source, newest first."""
    newest = select(IngestRun.source_id, func.max(IngestRun.id).label("id")).group_by(IngestRun.source_id).subquery()
    query = select(IngestRun).join(newest, IngestRun.id == newest.c.id).order_by(IngestRun.started_at.desc())
    return list(session.scalars(query))
