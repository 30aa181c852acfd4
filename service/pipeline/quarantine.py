"""Quarantine: list records that broke a rule, correct them, and process them again.

Used by ``voice quarantine`` and by the staff pages. A record is corrected by editing one of its
values (:func:`fix_quarantined`) or by fixing the mapping in ``config.toml``; then
:func:`retry_quarantined` maps it again with the current configuration. A record that now passes
is stored and its quarantine entry marked resolved; one that still fails gets its new reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest import RawRecord, RecordError, read_value
from ingest.columns import plain_text
from service.config import Config
from service.pipeline.ingest_runs import load_wards, map_checked, quarantine_record
from service.pipeline.screening import screen_text
from service.store import responses as store
from service.store import sites as site_store
from service.store.db import transaction
from service.store.models import QuarantinedRow, Source, utcnow

logger = logging.getLogger(__name__)


@dataclass
class RetryResult:
    """What :func:`retry_quarantined` did."""

    n_stored: int = 0
    n_still_quarantined: int = 0
    n_skipped: int = 0
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a person."""
        return (f"stored {self.n_stored}, still quarantined {self.n_still_quarantined}, "
                f"skipped {self.n_skipped} (duplicate ids: name them to retry them)")


def list_quarantine(session: Session, source: str | None = None, include_resolved: bool = False,
                    limit: int = 200) -> list[QuarantinedRow]:
    """Quarantined records, newest first; only unresolved ones unless ``include_resolved``."""
    query = select(QuarantinedRow).join(Source, QuarantinedRow.source_id == Source.id).order_by(QuarantinedRow.id.desc())
    if source:
        query = query.where(Source.key == source)
    if not include_resolved:
        query = query.where(QuarantinedRow.resolved_at.is_(None))
    return list(session.scalars(query.limit(limit)))


def get_quarantined(session: Session, row_id: int) -> QuarantinedRow:
    """One quarantined record; ``LookupError`` naming the id when there is none."""
    row = session.get(QuarantinedRow, row_id)
    if row is None:
        raise LookupError(f"there is no quarantined record {row_id}; `voice quarantine list` shows them")
    return row


def fix_quarantined(session: Session, row_id: int, field_name: str, value: Any) -> QuarantinedRow:
    """Replace one value of a quarantined record's raw data (it is then retried with the rest).

    Raises
    ------
    LookupError
        No such record, or it was already resolved.
    KeyError
        ``field_name`` is not a field of the record (the message lists its fields).
    """
    row = get_quarantined(session, row_id)
    if row.resolved_at is not None:
        raise LookupError(f"quarantined record {row_id} was already resolved on {row.resolved_at:%d/%m/%Y %H:%M}")
    if field_name not in row.raw:
        listed = ", ".join(repr(k) for k in row.raw)
        raise KeyError(f"record {row_id} has no field {field_name!r}; its fields are {listed}")
    old = row.raw[field_name]
    row.raw = {**row.raw, field_name: value}
    row.reason = f"{row.reason} [edited by hand: {field_name!r} was {old!r}, now {value!r}]"
    session.flush()
    return row


def retry_quarantined(factory: sessionmaker[Session], config: Config, source: str | None = None,
                      ids: tuple[int, ...] = (), now: datetime | None = None) -> RetryResult:
    """Map unresolved quarantined records again with the current configuration.

    Parameters
    ----------
    source
        Only this source's records (all sources when ``None``).
    ids
        Only these records. Records quarantined for a duplicate id are retried only when named
        here: storing one replaces the response first stored under that id (its history is kept).
    now
        The current time for date checks.
    """
    result = RetryResult()
    wards = load_wards(config)
    now = now or datetime.now(timezone.utc)
    with transaction(factory) as session:
        sites = site_store.known_site_codes(session)
        rows = [r for r in list_quarantine(session, source, limit=100_000) if not ids or r.id in ids]
        for row in sorted(rows, key=lambda r: r.id):
            session.refresh(row)  # a retry before may have rewritten this row's response, resolving the row
            if row.resolved_at is not None:
                continue
            if row.rule == "unique_id" and row.id not in ids:
                result.n_skipped += 1
                continue
            _retry_one(session, config, row, wards, now, sites, result)
    return result


def _retry_one(session: Session, config: Config, row: QuarantinedRow, wards: tuple, now: datetime,
               sites: set[str], result: RetryResult) -> None:
    source_row = session.get_one(Source, row.source_id)
    source = config.source(source_row.key)
    external_id = plain_text(read_value(row.raw, source.mapping.id_column))
    raw = RawRecord(external_id=external_id, data=dict(row.raw), location=row.location)
    try:
        record = map_checked(raw, source, wards, now, sites)
    except RecordError as error:
        entry = quarantine_record(source.key, raw, error)
        row.field, row.value, row.rule, row.reason = entry.field, entry.value[:10_000], entry.rule, entry.reason
        result.n_still_quarantined += 1
        result.reasons.append(f"#{row.id} {entry.reason}")
        return
    same_cell = [i for i in record.field_issues if row.scope == "field" and row.field in (i.column, i.field)]
    if same_cell:  # the response is stored already; this cell still cannot be used
        row.value, row.rule, row.reason = same_cell[0].value, same_cell[0].rule, same_cell[0].describe()
        result.n_still_quarantined += 1
        result.reasons.append(f"#{row.id} {row.reason}")
        return
    row.resolved_at = utcnow()  # before the save, which resolves the field rows of the response it rewrites
    session.flush()
    # A field row's response is stored: rewrite it even when its raw record is the same (the mapping was fixed).
    store.save_responses(session, source_row, [record], set(), screen=screen_text, run_id=row.run_id,
                         replace_unchanged=row.scope == "field")
    result.n_stored += 1
