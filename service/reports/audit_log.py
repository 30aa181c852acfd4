"""The audit log as a CSV download: one row per event, with spreadsheet formulas defused."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from service.reports.cells import defuse_formula
from service.store.models import AuditEvent

CSV_COLUMNS = ("id", "at", "actor", "action", "target", "detail", "address")


def events_csv(events: Iterable[AuditEvent]) -> str:
    """The events as CSV (UTC ISO 8601 times; ``detail`` as JSON), oldest first as given."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow([event.id, event.at.isoformat(), _cell(event.actor), event.action, _cell(event.target),
                         _cell(json.dumps(event.detail, sort_keys=True)), event.address or ""])
    return out.getvalue()


def _cell(value: str) -> str:
    """Defuse spreadsheet formulas (see :mod:`service.reports.cells`)."""
    return defuse_formula(value)
