"""Retention: remove personal data that is older than the periods in ``[retention]``.

What goes, per source, counting months from when a response was submitted (or stored, when the
source gives no date):

* after ``original_text_months``: the original wording of free-text answers (``FreeText.original``
  and the free-text ``Answer.value_text``); the redacted text and its topic codes stay;
* after ``raw_record_months``: everything in the stored raw record (and its earlier versions)
  except the fields the source's mapping reads as ids, dates, demographics and closed answers, so
  free text and unmapped columns (which may hold anything) are gone;

and, for every source, quarantined rows older than ``quarantine_months`` and archived briefings
and exports older than ``archive_months``. :func:`apply_retention` returns the counts and writes
them to the audit log; with ``dry_run`` it only counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from service.config import Config, ConfigError
from service.store import audit
from service.store.models import (
    Answer,
    FreeText,
    QuarantinedRow,
    Question,
    ReportFile,
    Response,
    ResponseVersion,
    Source,
)

logger = logging.getLogger(__name__)

#: The mapping fields whose raw values are kept after ``raw_record_months`` (no free text among them).
KEPT_MAPPING_FIELDS = ("id_column", "submitted_at", "wave_column", "site_column", "consent_column", "age_column",
                       "age_band_column", "sex_column", "gender_identity_column", "ethnicity_column",
                       "ward_column", "postcode_column")


@dataclass(frozen=True)
class RetentionResult:
    """What one retention run removed (or, with ``dry_run``, would remove)."""

    now: datetime
    dry_run: bool
    n_original_texts: int = 0
    n_unredacted_texts: int = 0
    n_answer_texts: int = 0
    n_raw_records: int = 0
    n_raw_versions: int = 0
    n_quarantined: int = 0
    n_archived_reports: int = 0
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        """One paragraph for the CLI."""
        verb = "Would remove" if self.dry_run else "Removed"
        return (f"{verb}: {self.n_original_texts} original free texts ({self.n_unredacted_texts} of them never redacted), "
                f"{self.n_answer_texts} free-text answers, free text from {self.n_raw_records} raw records and "
                f"{self.n_raw_versions} earlier versions, {self.n_quarantined} quarantined rows, "
                f"{self.n_archived_reports} archived reports.")


def months_before(now: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months before ``now`` (clamped to the month's end)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return now.replace(year=year, month=month, day=min(now.day, days[month - 1]))


def apply_retention(session: Session, config: Config, *, now: datetime | None = None, dry_run: bool = False,
                    actor: str = audit.SYSTEM) -> RetentionResult:
    """Remove (or with ``dry_run`` count) what is older than the retention periods; the caller commits.

    Parameters
    ----------
    session
        The session to work in; the audit event is added to the same transaction.
    config
        Gives ``[retention]`` and each source's mapping (which raw fields to keep).
    now
        The reference time (default: the current time, UTC).
    dry_run
        Count only: change nothing and record nothing.
    actor
        Who asked, for the audit log (``"system"`` for the CLI and scheduler).
    """
    now = now or datetime.now(timezone.utc)
    rules = config.retention
    totals = {"n_original_texts": 0, "n_unredacted_texts": 0, "n_answer_texts": 0, "n_raw_records": 0, "n_raw_versions": 0}
    per_source: dict[str, dict[str, int]] = {}
    for source in session.scalars(select(Source).order_by(Source.key)):
        counts = _remove_original_texts(session, source.id, months_before(now, rules.months(source.key, "original_text_months")), dry_run)
        counts.update(_trim_raw_records(session, source.id, _kept_paths(config, source.key),
                                        months_before(now, rules.months(source.key, "raw_record_months")), dry_run))
        per_source[source.key] = counts
        for key, value in counts.items():
            totals[key] += value
    quarantine_cutoff = months_before(now, rules.quarantine_months)
    archive_cutoff = months_before(now, rules.archive_months)
    n_quarantined = _remove(session, QuarantinedRow, QuarantinedRow.created_at < quarantine_cutoff, dry_run)
    n_reports = _remove(session, ReportFile, ReportFile.created_at < archive_cutoff, dry_run)
    result = RetentionResult(now=now, dry_run=dry_run, **totals, n_quarantined=n_quarantined,
                             n_archived_reports=n_reports, per_source=per_source)
    if not dry_run:
        detail = {k: v for k, v in vars(result).items() if k.startswith("n_") or k == "per_source"}
        detail["periods"] = {"original_text_months": rules.original_text_months, "raw_record_months": rules.raw_record_months,
                             "quarantine_months": rules.quarantine_months, "archive_months": rules.archive_months,
                             "sources": {k: dict(v) for k, v in rules.sources.items()}}
        audit.record(session, "retention", actor=actor, target="store", detail=detail)
    logger.info("retention (%s): %s", "dry run" if dry_run else "applied", result.summary())
    return result


def _old_responses(source_id: int, cutoff: datetime):
    """A subquery of the ids of ``source_id``'s responses submitted (or stored) before ``cutoff``."""
    when = func.coalesce(Response.submitted_at, Response.ingested_at)
    return select(Response.id).where(Response.source_id == source_id, when < cutoff).scalar_subquery()


def _remove_original_texts(session: Session, source_id: int, cutoff: datetime, dry_run: bool) -> dict[str, int]:
    old = _old_responses(source_id, cutoff)
    texts = and_(FreeText.response_id.in_(old), FreeText.original.is_not(None))
    n_texts = session.scalar(select(func.count(FreeText.id)).where(texts)) or 0
    n_unredacted = session.scalar(select(func.count(FreeText.id)).where(texts, FreeText.redacted.is_(None))) or 0
    free_questions = select(Question.id).where(Question.source_id == source_id, Question.type == "free_text").scalar_subquery()
    answers = and_(Answer.response_id.in_(old), Answer.question_id.in_(free_questions), Answer.value_text.is_not(None))
    n_answers = session.scalar(select(func.count(Answer.id)).where(answers)) or 0
    if not dry_run:
        session.execute(update(FreeText).where(texts).values(original=None), execution_options={"synchronize_session": False})
        session.execute(update(Answer).where(answers).values(value_text=None), execution_options={"synchronize_session": False})
    return {"n_original_texts": n_texts, "n_unredacted_texts": n_unredacted, "n_answer_texts": n_answers}


def _trim_raw_records(session: Session, source_id: int, kept: tuple[str, ...], cutoff: datetime, dry_run: bool) -> dict[str, int]:
    old = _old_responses(source_id, cutoff)
    n_records = n_versions = 0
    for model in (Response, ResponseVersion):
        where = model.id.in_(old) if model is Response else ResponseVersion.response_id.in_(old)
        for row_id, raw in session.execute(select(model.id, model.raw).where(where)):
            trimmed = keep_paths(raw or {}, kept)
            if trimmed == raw:
                continue
            if model is Response:
                n_records += 1
            else:
                n_versions += 1
            if not dry_run:
                session.execute(update(model).where(model.id == row_id).values(raw=trimmed),
                                execution_options={"synchronize_session": False})
    return {"n_raw_records": n_records, "n_raw_versions": n_versions}


def _kept_paths(config: Config, source_key: str) -> tuple[str, ...]:
    """The raw-record paths the mapping reads that are not free text (none for an unconfigured source)."""
    try:
        mapping = config.source(source_key).mapping
    except ConfigError:  # a source no longer configured keeps nothing in its old raw records
        return ()
    paths = [getattr(mapping, name, None) for name in KEPT_MAPPING_FIELDS]
    paths += [q.column for q in mapping.questions if q.type != "free_text"]
    return tuple(p for p in paths if p)


def keep_paths(raw: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``raw`` holding only ``paths`` (column names, or dotted paths into nested JSON)."""
    kept: dict[str, Any] = {}
    for path in paths:
        if path in raw:
            kept[path] = raw[path]
            continue
        parts = path.split(".")
        value: Any = raw
        for part in parts:
            if not isinstance(value, dict) or part not in value:
                break
            value = value[part]
        else:
            target = kept
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
    return kept


def _remove(session: Session, model: type, condition: Any, dry_run: bool) -> int:
    n = session.scalar(select(func.count()).select_from(model).where(condition)) or 0
    if n and not dry_run:
        session.execute(delete(model).where(condition), execution_options={"synchronize_session": False})
    return n
