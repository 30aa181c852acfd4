"""Glue from the pure packages to the store: ingest runs now; weighting and topics join later."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ingest import (
    IngestError,
    QuarantineRecord,
    RawRecord,
    RecordError,
    ResponseRecord,
    Ward,
    hash_file,
    map_record,
    read_csv_records,
)
from service import store
from service.config import Config, SourceConfig
from service.db import transaction
from service.models import IngestRun, Source, utcnow

logger = logging.getLogger(__name__)

BATCH = 1000
FILE_PATTERNS = ("*.csv",)


@dataclass
class RunReport:
    """What one ingest run did, as printed by ``voice ingest`` and stored on the run."""

    source: str
    input_name: str
    status: str = "finished"
    n_read: int = 0
    n_new: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    n_duplicate: int = 0
    n_quarantined: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a person: what was read and what happened to it."""
        return (f"{self.source} {self.input_name}: {self.status}; read {self.n_read}, new {self.n_new}, "
                f"updated {self.n_updated}, unchanged {self.n_unchanged}, duplicate {self.n_duplicate}, "
                f"quarantined {self.n_quarantined}" + (f"; errors: {'; '.join(self.errors)}" if self.errors else ""))


def load_wards(config: Config) -> tuple[Ward, ...]:
    """The borough's 2022 wards, from the census ward file shipped in ``weights/data``."""
    import csv

    path = Path(__file__).resolve().parent.parent / "weights" / "data" / "census2021"
    name = {"havering": "havering", "barking_dagenham": "barking_dagenham"}[config.app.borough]
    wards: dict[str, str] = {}
    with (path / f"{name}_wards_derived_from_oa.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            wards[row["ward_code"]] = row["ward_name"]
    return tuple(Ward(code, name) for code, name in sorted(wards.items()))


def run_ingest(factory: sessionmaker[Session], config: Config, key: str, now: datetime | None = None) -> list[RunReport]:
    """Ingest every new file in a file source's drop folder; one run (and report) per file.

    A file whose content was already ingested to the end is skipped. Each batch of records is
    committed together with the run's counts, so a crash loses no more than the batch in hand
    and a re-run resumes: records already stored come back as unchanged.
    """
    source = config.source(key)
    if source.kind != "file":
        raise IngestError(f"source {key!r} is of kind {source.kind!r}; only file sources can be ingested from a folder")
    if source.path is None or not source.path.is_dir():
        raise IngestError(f"source {key!r}: drop folder {source.path} does not exist; create it or fix [sources.{key}] path")
    files = sorted(p for pattern in FILE_PATTERNS for p in source.path.glob(pattern))
    return [ingest_file(factory, config, source, path, now) for path in files]


def ingest_file(factory: sessionmaker[Session], config: Config, source: SourceConfig, path: Path,
                now: datetime | None = None) -> RunReport:
    """Ingest one export file of a file source; see :func:`run_ingest`."""
    digest = hash_file(path)
    report = RunReport(source=source.key, input_name=path.name)
    with transaction(factory) as session:
        row = store.get_source(session, source.key)
        if store.is_input_done(session, row, digest):
            report.status = "skipped"
            report.errors.append("this file was already ingested (same content)")
            return report
        run_id = store.start_run(session, row, path.name, digest).id
    required = tuple(q.column for q in source.mapping.questions if q.required)
    records = read_csv_records(path, source.mapping.id_column, required)
    return _ingest_records(factory, config, source, run_id, records, report, now)


def _ingest_records(factory: sessionmaker[Session], config: Config, source: SourceConfig, run_id: int,
                    records: Iterable[RawRecord], report: RunReport, now: datetime | None) -> RunReport:
    wards = load_wards(config)
    now = now or datetime.now(timezone.utc)
    seen: set[str] = set()
    try:
        for batch in _batches(records, BATCH):
            with transaction(factory) as session:
                _save_batch(session, source, run_id, batch, wards, now, seen, report)
    except IngestError as error:
        report.status = "failed"
        report.errors.append(str(error))
    _finish_run(factory, run_id, report)
    return report


def _save_batch(session: Session, source: SourceConfig, run_id: int, batch: list[RawRecord], wards: tuple[Ward, ...],
                now: datetime, seen: set[str], report: RunReport) -> None:
    row = store.get_source(session, source.key)
    run = session.get(IngestRun, run_id)
    sites = store.known_site_codes(session)
    good: list[ResponseRecord] = []
    bad: list[QuarantineRecord] = []
    for raw in batch:
        try:
            good.append(_map_checked(raw, source, wards, now, sites))
        except RecordError as error:
            bad.append(_quarantine(source.key, raw, error))
    counts = store.save_responses(session, row, good, seen)
    bad.extend(_quarantine(source.key, RawRecord(r.external_id, r.raw, r.location),
                           RecordError("id", r.external_id, "unique_id", "this id appears more than once in the input; the first one was kept"))
               for r in counts.duplicates)
    n_bad = store.save_quarantine(session, row, run, bad)
    report.n_read += len(batch)
    report.n_new += counts.n_new
    report.n_updated += counts.n_updated
    report.n_unchanged += counts.n_unchanged
    report.n_duplicate += counts.n_duplicate
    report.n_quarantined += n_bad
    _copy_counts(run, report)


def _map_checked(raw: RawRecord, source: SourceConfig, wards: tuple[Ward, ...], now: datetime, sites: set[str]) -> ResponseRecord:
    if not raw.external_id:
        raise RecordError(source.mapping.id_column, "", "required", "every record needs its own id")
    record = map_record(raw, source.key, source.mapping, wards, now)
    if record.site and record.site not in sites:
        raise RecordError("site", record.site, "known_site", "a QR site code that exists on the Sites page")
    return record


def _quarantine(key: str, raw: RawRecord, error: RecordError) -> QuarantineRecord:
    return QuarantineRecord(source=key, external_id=raw.external_id or None, location=raw.location,
                            field=error.field, value=str(error.value), rule=error.rule,
                            reason=f"{raw.location}, field {error.field!r}: value {error.value!r}; {error.reason}", raw=raw.data)


def _copy_counts(run: IngestRun, report: RunReport) -> None:
    for name in ("n_read", "n_new", "n_updated", "n_unchanged", "n_duplicate", "n_quarantined"):
        setattr(run, name, getattr(report, name))
    run.errors = list(report.errors)


def _finish_run(factory: sessionmaker[Session], run_id: int, report: RunReport) -> None:
    with transaction(factory) as session:
        run = session.get(IngestRun, run_id)
        _copy_counts(run, report)
        run.status = report.status
        run.finished_at = utcnow()


def _batches(items: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def run_all_ingests(factory: sessionmaker[Session], config: Config, report: Callable[[RunReport], None] | None = None) -> list[RunReport]:
    """Run every file source; a failing source is reported and the others still run."""
    reports: list[RunReport] = []
    for source in config.sources:
        if source.kind != "file":
            continue
        try:
            found = run_ingest(factory, config, source.key)
        except IngestError as error:
            found = [RunReport(source=source.key, input_name=str(source.path), status="failed", errors=[str(error)])]
        for item in found:
            if report:
                report(item)
        reports.extend(found)
    return reports


def register_sources(factory: sessionmaker[Session], config: Config) -> dict[str, int]:
    """Make sure every configured source has its row and questions in the store."""
    with transaction(factory) as session:
        return {key: row.id for key, row in store.sync_sources(session, config).items()}


def source_row(session: Session, key: str) -> Source:
    """The stored source ``key`` (re-exported for views)."""
    return store.get_source(session, key)
