"""Webhook deliveries: the records one signed POST carries, stored in one transaction, answered after commit.

``service/web/views/webhooks.py`` checks the signature and the limits and calls :func:`accept_delivery`;
the rules of a file ingest apply record by record (docs/sources.md, "Webhook deliveries").
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ingest import FieldIssue, RawRecord, RecordError, read_value
from ingest.columns import plain_text
from service.config import Config, SourceConfig
from service.pipeline.bulk_screen import ScreenMemo, screen_by_rules
from service.pipeline.ingest_runs import RunReport, close_run, load_wards, save_batch
from service.pipeline.screening import screen_text
from service.store import responses as store
from service.store import runs as run_store
from service.store.db import transaction
from service.store.models import Response

logger = logging.getLogger(__name__)


#: Times one webhook delivery is tried when a concurrent copy of it wins the race for the same ids.
DELIVERY_ATTEMPTS = 3
#: A delivery of up to this many records has the trained detector read its texts before the 2xx;
#: a larger one (a vendor's bulk resend) gets the rules at once and the detector within a minute.
DELIVERY_MODEL_LIMIT = 10


@dataclass
class Delivery:
    """What one webhook delivery did: the run's report, and each field its records could not use.

    ``fields`` lists the cells of the delivery's stored records that broke a rule (each kept out
    of its response and quarantined as one field); a re-delivery of the same body lists them again,
    though nothing new is stored.
    """

    report: RunReport
    fields: list[FieldIssue] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # location -> the record's id, for the answer


def accept_delivery(factory: sessionmaker[Session], config: Config, key: str, items: list[dict],
                    now: datetime | None = None) -> Delivery:
    """Store the records of one webhook delivery in one transaction, then say what happened.

    The field-level rule of file ingest applies: a cell that cannot be used is quarantined as one
    field and the response is stored with its good fields (screened in the same transaction); only
    a record with no id, or whose date, consent or age range breaks a rule, is quarantined whole.
    Re-delivery of the same records changes nothing (they come back as unchanged); a later
    corrected copy of an id replaces the stored one, which goes to the response's history. The
    caller answers 2xx only after this returns: by then the responses are committed.
    """
    source = config.source(key)
    started = time.monotonic()
    store_once = lambda: _store_delivery(factory, config, source, items, now, started)  # noqa: E731
    for _ in range(DELIVERY_ATTEMPTS - 1):
        try:
            return store_once()
        except IntegrityError:
            # A copy of this delivery sent at the same moment stored the same ids first (vendors
            # resend in parallel): everything was rolled back, and the next attempt finds them
            # stored, so they count as unchanged (issue 19, finding 12).
            logger.info("webhook delivery for %s met a concurrent copy; trying again", key)
    return store_once()


def _store_delivery(factory: sessionmaker[Session], config: Config, source: SourceConfig, items: list[dict],
                    now: datetime | None, started: float) -> Delivery:
    report = RunReport(source=source.key, input_name="webhook delivery")
    with transaction(factory) as session:
        row = store.get_source(session, source.key)
        run = run_store.start_run(session, row, "webhook delivery", None)
        report.run_id = run.id
        # Each record is named by the delivery (its run id) and its place in the body, so a
        # quarantined row says which delivery it came in.
        records = [RawRecord(external_id=_id_of(item, source), data=item,
                             location=f"webhook delivery {run.id}, record {i + 1}")
                   for i, item in enumerate(items)]
        screen = screen_text if len(records) <= DELIVERY_MODEL_LIMIT else ScreenMemo(screen_by_rules)
        good = save_batch(session, source, run.id, records, load_wards(config), now or datetime.now(timezone.utc),
                           set(), report, screen=screen, check=_mapped_somewhere)
        report.seconds = time.monotonic() - started
        close_run(run, report)
        # The copies that are now the stored response (new, updated or re-delivered unchanged), not
        # those sent to history: only their fields wait in quarantine.
        flawed = [r for r in good if r.field_issues]
        stored = set(session.execute(select(Response.external_id, Response.content_hash).where(
            Response.source_id == row.id, Response.external_id.in_([r.external_id for r in flawed])))) if flawed else set()
        kept = [r for r in flawed if (r.external_id, r.content_hash) in stored]
    return Delivery(report, [issue for record in kept for issue in record.field_issues],
                    {record.location: record.external_id for record in kept})


def _mapped_somewhere(raw: RawRecord, source: SourceConfig) -> None:
    """Refuse a delivered record in which the mapping reads nothing but the id.

    A file's header is checked before a run (a misnamed column stops it); a delivery has no
    header, so a body in another shape (a test ping, a different form's payload) is caught here,
    rather than stored as an empty response with its keys unread.
    """
    if not raw.external_id:
        return  # map_checked names the missing id
    ids = {source.mapping.id_column, *source.mapping.id_columns}
    read = [column for column in source.mapping.columns if column not in ids]
    if read and all(read_value(raw.data, column) is None for column in read):
        found = ", ".join(repr(k) for k in list(raw.data)[:12]) or "none"
        raise RecordError("(record)", found, "mapped_fields",
                          f"at least one of the mapped fields ({', '.join(read[:8])}{', ...' if len(read) > 8 else ''}); "
                          f"the record's keys are not the ones [sources.{source.key}.mapping] names")


def _id_of(item: dict, source: SourceConfig) -> str:
    return plain_text(read_value(item, source.mapping.id_column))
