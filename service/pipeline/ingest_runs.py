"""Glue from the pure packages to the store: ingest runs (files, REST pulls, webhook deliveries).

Every run commits in batches, each batch together with the run's counts, so a crash loses no
more than the batch in hand and leaves no half-written response; a re-run resumes, and records
already stored come back as unchanged. Quarantine (list, fix, retry) is in ``service.pipeline.quarantine``.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ingest import (
    FileSettingError,
    IngestError,
    QuarantineRecord,
    RawRecord,
    ReadNotes,
    RecordError,
    ResponseRecord,
    RestReader,
    SourceUnavailable,
    Ward,
    hash_file,
    read_file_records,
)
from ingest.exports import check_mapped_columns, map_row
from ingest.files import SUFFIXES, count_lines
from ingest.mapping import identify
from service.config import Config, SourceConfig
from service.pipeline.bulk_screen import ScreenMemo
from service.pipeline.screening import screen_text
from service.pipeline.seen_ids import SeenIds
from service.pipeline.wards import read_ward_names
from service.store import responses as store
from service.store import runs as run_store
from service.store import sites as site_store
from service.store.db import DatabaseError, catch_database_stop, first_line, transaction
from service.store.models import IngestRun, Response, Source, utcnow

logger = logging.getLogger(__name__)

BATCH = 1000
_COUNTS = ("n_read", "n_new", "n_updated", "n_unchanged", "n_duplicate", "n_quarantined")  # the run's stored columns
_REPORT_COUNTS = (*_COUNTS, "n_superseded", "n_fields_quarantined", "n_choices", "n_declined", "n_declined_kept")
#: Sentences kept in a run's notes on which copy of a duplicated id was kept (the rest are counted).
MAX_CHOICES = 20
PULLED_KINDS = ("file", "rest")
MAX_RAW_TEXT = 100_000


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
    n_superseded: int = 0
    n_fields_quarantined: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quarantine_reasons: list[str] = field(default_factory=list)
    field_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (field, rule) of the whole records the last batch quarantined: the first batch's stop a run that cannot fit.
    batch_rules: Counter[tuple[str, str]] = field(default_factory=Counter)
    duplicate_choices: list[str] = field(default_factory=list)
    n_choices: int = 0
    n_declined: int = 0
    n_declined_kept: int = 0  # declined, but kept for the safeguarding queue (a text may disclose harm)
    declined_stored: list[str] = field(default_factory=list)  # ids declined here whose earlier copy is stored
    run_id: int | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for a person: what was read and what happened to it.

        Each row read is counted once: new, updated, unchanged, duplicate (a second copy of an id
        in this input), superseded (older than the copy stored), declined consent (the resident
        answered no: nothing of the row is stored) or quarantined whole. Fields
        quarantined are cells of stored responses, kept aside while the rest of the response is stored.
        """
        superseded = f"superseded {self.n_superseded}, " if self.n_superseded else ""
        declined = f"declined consent {self.n_declined} (not stored), " if self.n_declined else ""
        return (f"{self.source} {self.input_name}: {self.status}; read {self.n_read}, new {self.n_new}, "
                f"updated {self.n_updated}, unchanged {self.n_unchanged}, duplicate {self.n_duplicate}, {superseded}{declined}"
                f"quarantined {self.n_quarantined}, fields quarantined {self.n_fields_quarantined}; {self.seconds:.1f} s"
                + (f"; errors: {'; '.join(self.errors)}" if self.errors else "")
                + (f"; notes: {'; '.join(self.notes)}" if self.notes else ""))

    def outcome_lines(self) -> list[str]:
        """Sentences for the run's notes: fields quarantined by field and rule, and which copy of each duplicated id was kept."""
        lines = [f"{self.input_name}: {n} response(s) stored "
                 + (f"with the {name} box ticked, not its write-in" if rule == "write_in" else f"without {name}")
                 + f" ({rule}); each cell is quarantined with its row, column and value"
                 for (name, rule), n in sorted(self.field_counts.items())]
        if self.n_declined:
            lines.append(f"{self.input_name}: {self.n_declined} row(s) answered no to consent; nothing of them was stored "
                         "(not even in quarantine)")
        if self.n_declined_kept:
            lines.append(f"{self.input_name}: {self.n_declined_kept} row(s) answered no to consent but may disclose harm: "
                         "each is stored for the safeguarding queue only (in no figure, page or export)")
        lines += [f"id {external_id!r} answered no to consent in {self.input_name}, but an earlier copy that consented "
                  f"is stored and was kept: if this is a withdrawal, erase it with 'voice erase {self.source} {external_id}'"
                  for external_id in self.declined_stored]
        lines += self.duplicate_choices
        if self.n_choices > len(self.duplicate_choices):
            lines.append(f"{self.n_choices - len(self.duplicate_choices)} more id(s) had several copies; the later was kept each time")
        return lines


@dataclass(frozen=True)
class Progress:
    """How far a run has got, for a progress line on a terminal."""

    source: str
    input_name: str
    n_read: int
    n_total: int | None
    seconds: float

    @property
    def rate(self) -> float:
        """Rows per second so far."""
        return self.n_read / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated seconds to the end, when the total is known."""
        if not self.n_total or not self.rate:
            return None
        return max(0.0, (self.n_total - self.n_read) / self.rate)


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class PullOptions:
    """What a run needs beyond the configuration: a clock, an HTTP session, progress reporting."""

    now: datetime | None = None
    http: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep
    progress: ProgressCallback | None = None
    environ: dict[str, str] | None = None


def load_wards(config: Config) -> tuple[Ward, ...]:
    """The borough's 2022 wards, in code order, from the census ward file shipped in ``weights/data``."""
    return tuple(Ward(code, name) for code, name in read_ward_names(config.app.borough).items())


def run_ingest(factory: sessionmaker[Session], config: Config, key: str, now: datetime | None = None,
               options: PullOptions | None = None) -> list[RunReport]:
    """Run source ``key`` once: every new file in its drop folder, or one pull from its API.

    Parameters
    ----------
    factory
        Sessions on the store.
    config
        The configuration naming the source.
    key
        The source's key.
    now
        The current time (dates after it are refused); ``datetime.now`` when ``None``.
    options
        HTTP session, sleep function and progress callback.

    Raises
    ------
    IngestError
        The source cannot be run at all (a missing drop folder, a kind that is pushed, not pulled).
    service.store.db.DatabaseError
        The database stopped (or could not be reached); what was committed before is kept whole,
        and running the source again resumes.
    """
    with catch_database_stop(f"ingest of {key}", "batches committed before are kept whole; run it again to resume"):
        return _run_ingest(factory, config, key, now, options)


def _run_ingest(factory: sessionmaker[Session], config: Config, key: str, now: datetime | None,
                options: PullOptions | None) -> list[RunReport]:
    options = options or PullOptions(now=now)
    if now is not None and options.now is None:
        options = PullOptions(now=now, http=options.http, sleep=options.sleep, progress=options.progress,
                              environ=options.environ)
    source = config.source(key)
    if source.kind == "rest":
        return [pull_rest(factory, config, source, options)]
    if source.kind != "file":
        raise IngestError(f"source {key!r} is of kind {source.kind!r}: its responses are pushed to us, "
                          "so there is nothing to pull; only file and rest sources can be run")
    if source.path is None or not source.path.is_dir():
        raise IngestError(f"source {key!r}: drop folder {source.path} does not exist; create it or fix [sources.{key}] path")
    files = sorted(p for p in source.path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    return [ingest_file(factory, config, source, path, options) for path in files]


def ingest_file(factory: sessionmaker[Session], config: Config, source: SourceConfig, path: Path,
                options: PullOptions | None = None) -> RunReport:
    """Ingest one export file of a file source; a file already ingested (same bytes) is a no-op."""
    options = options or PullOptions()
    started = time.monotonic()
    digest = hash_file(path)
    report = RunReport(source=source.key, input_name=path.name)
    with transaction(factory) as session:
        row = store.get_source(session, source.key)
        if run_store.is_input_done(session, row, digest):
            report.status = "skipped"
            report.notes.append("this file was already ingested (same content)")
            return report
        run = run_store.start_run(session, row, path.name, digest)
        run_store.close_unfinished_runs(session, row, run)
        report.run_id = run.id
    notes = ReadNotes()
    mapping = source.mapping
    try:
        required = tuple(q.column for q in mapping.questions if q.required)
        # The mapping is checked against the header before any row is read: a configured column
        # the file lacks (or a sheet or header row holding none of them) fails the run, storing nothing.
        records = read_file_records(path, mapping.id_column, required, mapping.columns, source.file, notes,
                                    check=lambda header: check_mapped_columns(path.name, header, mapping, source.key,
                                                                              source.file, str(config.source_file)))
        total = count_lines(path) - 1 if options.progress and path.suffix.lower() in (".csv", ".txt") else None
    except IngestError as error:
        if isinstance(error, FileSettingError):  # name the source and the config file actually loaded
            error = error.naming(source.key, str(config.source_file))
        return _fail_run(factory, report, error, started)
    _ingest_records(factory, config, source, records, report, options, total or notes.n_rows_estimate, started)
    report.notes.extend(notes.lines(path.name))
    _finish_run(factory, report, started)
    return report


def pull_rest(factory: sessionmaker[Session], config: Config, source: SourceConfig,
              options: PullOptions | None = None) -> RunReport:
    """Pull new records from a REST source, from the cursor stored after its last good run.

    The new cursor is stored only when the whole pull succeeded, so a failed pull is retried
    from the same place next time (records already stored then come back as unchanged).
    """
    options = options or PullOptions()
    started = time.monotonic()
    report = RunReport(source=source.key, input_name=source.url)
    environ = options.environ if options.environ is not None else os.environ
    token = environ.get(source.token_env) if source.token_env else None
    with transaction(factory) as session:
        row = store.get_source(session, source.key)
        cursor = row.cursor
        run = run_store.start_run(session, row, source.url[:500], None)
        run_store.close_unfinished_runs(session, row, run)
        report.run_id = run.id
    if source.token_env and not token:
        error = SourceUnavailable(f"source {source.key!r}: the environment variable {source.token_env} holding "
                                  "its API token is not set; set it and run again")
        return _fail_run(factory, report, error, started)
    reader = RestReader(source.key, source.url, source.rest, source.mapping.id_column, token=token,
                        token_name=source.token_env, cursor=cursor, http=options.http, sleep=options.sleep)
    _ingest_records(factory, config, source, reader.records(), report, options, None, started)
    if report.status == "finished":
        with transaction(factory) as session:
            store.get_source(session, source.key).cursor = reader.cursor
        report.notes.append(f"{reader.n_pages} page(s) read; next pull starts from {reader.cursor!r}")
    _finish_run(factory, report, started)
    return report


def ingest_raw_records(factory: sessionmaker[Session], config: Config, key: str, records: Iterable[RawRecord],
                       input_name: str, options: PullOptions | None = None) -> RunReport:
    """Ingest raw records from any connector as one run of source ``key`` (batches, counts, quarantine).

    If the records stop with an exception that is not an :class:`IngestError` (an interrupt, a
    crash), the batches already committed stay, the batch in hand is rolled back, the run is
    marked "interrupted" and the exception propagates; running the same input again resumes.
    """
    options = options or PullOptions()
    source = config.source(key)
    started = time.monotonic()
    report = RunReport(source=key, input_name=input_name)
    with transaction(factory) as session:
        report.run_id = run_store.start_run(session, store.get_source(session, key), input_name[:500], None).id
    _ingest_records(factory, config, source, records, report, options, None, started)
    _finish_run(factory, report, started)
    return report


def _ingest_records(factory: sessionmaker[Session], config: Config, source: SourceConfig, records: Iterable[RawRecord],
                    report: RunReport, options: PullOptions, total: int | None, started: float) -> None:
    wards = load_wards(config)
    now = options.now or datetime.now(timezone.utc)
    seen = SeenIds()
    screen = ScreenMemo()
    try:
        for number, batch in enumerate(_batches(records, BATCH)):
            kept = _snapshot(report)
            try:
                with transaction(factory) as session:
                    save_batch(session, source, report.run_id, batch, wards, now, seen, report, screen=screen)
                    if number == 0:  # before the first commit: nothing is stored
                        _check_ids_differ(source, report)
                        _check_rules_fit(source, report, len(batch))
            except BaseException:
                _restore(report, kept)  # the batch was rolled back, so it is not counted
                raise
            if options.progress:
                options.progress(Progress(source.key, report.input_name, report.n_read, total, time.monotonic() - started))
    except IngestError as error:
        report.status = "failed"
        report.errors.append(str(error))
        logger.error("ingest of %s %s failed: %s", source.key, report.input_name, error)
    except BaseException as error:
        report.status = "interrupted"
        report.errors.append(f"interrupted after {report.n_read} records ({type(error).__name__}); run it again to resume")
        try:
            _finish_run(factory, report, started)
        except SQLAlchemyError as failure:  # the database is gone: the next run of this input closes the run
            logger.error("run %s of %s stays 'running': %s", report.run_id, source.key, first_line(failure))
        if isinstance(error, (OperationalError, InterfaceError)):
            raise DatabaseError(f"the database stopped during ingest of {source.key} {report.input_name} after "
                                f"{report.n_read} records ({first_line(error)}); the batches before were stored "
                                "whole; run it again to resume") from error
        raise


#: The first batch of a run stops when at least this many rows, and over half of those read, repeat an id
#: or are quarantined by one rule on one field: the mapping does not fit the file.
FIT_CHECK_ROWS = 10


def _check_ids_differ(source: SourceConfig, report: RunReport) -> None:
    """Stop a run whose id column is not an id: most rows repeat an id met before (analyst trial 3:
    a Typeform hidden field holding "poster" or "insta" made 92 rows into 2 responses)."""
    if report.n_duplicate >= FIT_CHECK_ROWS and 2 * report.n_duplicate > report.n_read:
        mapping = source.mapping
        column = (f"column {mapping.id_column!r} ([sources.{source.key}.mapping] id_column)" if mapping.id_column
                  else f"columns {', '.join(map(repr, mapping.id_columns))} ([sources.{source.key}.mapping] id_columns)")
        raise IngestError(f"{report.input_name}: {report.n_duplicate} of the first {report.n_read} rows repeat an id "
                          f"already met in {column}, so it does not hold one value per response. Nothing was stored. "
                          "Name the column that does (check with 'voice sources check'), or set row_id = true.")


def _check_rules_fit(source: SourceConfig, report: RunReport, n_rows: int) -> None:
    """Stop a run when most of its first rows are quarantined by one rule on one field: the mapping does not
    fit the file (analyst trial 4: a wrong date format quarantined all 90 rows, and the run "finished")."""
    if not report.batch_rules:
        return
    (column, rule), n = report.batch_rules.most_common(1)[0]
    if n >= FIT_CHECK_ROWS and 2 * n > n_rows:
        example = next((r for r in report.quarantine_reasons if f"field {column!r}" in r), report.quarantine_reasons[0])
        raise IngestError(f"{report.input_name}: {n} of the first {n_rows} rows break rule {rule!r} on column {column!r}, "
                          f"so [sources.{source.key}] does not fit this file. Nothing was stored. The first: {example}. "
                          "Fix the mapping (check with 'voice sources check') and run again.")


def _snapshot(report: RunReport) -> tuple[list[int], int, Counter[tuple[str, str]], int]:
    return ([getattr(report, name) for name in _REPORT_COUNTS], len(report.quarantine_reasons),
            Counter(report.field_counts), len(report.duplicate_choices))


def _restore(report: RunReport, kept: tuple[list[int], int, Counter[tuple[str, str]], int]) -> None:
    counts, n_reasons, field_counts, n_choices = kept
    for name, value in zip(_REPORT_COUNTS, counts):
        setattr(report, name, value)
    del report.quarantine_reasons[n_reasons:]
    del report.duplicate_choices[n_choices:]
    report.field_counts = field_counts


def save_batch(session: Session, source: SourceConfig, run_id: int | None, batch: list[RawRecord],
                wards: tuple[Ward, ...], now: datetime, seen: SeenIds | set[int], report: RunReport, *,
                screen: Callable[[str], store.ScreenedText] | None = None,
                check: Callable[[RawRecord, SourceConfig], None] | None = None) -> list[ResponseRecord]:
    """Map and store one batch: good fields kept, bad records quarantined, the later copy of an id kept.

    ``check`` may refuse a raw record before it is mapped (by raising :class:`RecordError`).
    Returns the records mapped (stored, unchanged or sent to history), each with its field issues.

    ``screen`` is the intake screen of each new or changed free text (by default redaction, the
    rules and the trained detector; bulk runs pass :class:`ScreenMemo` with the rules only).
    ``seen`` holds 64-bit hashes of the ids stored earlier in this run, not the ids
    (:class:`~service.pipeline.seen_ids.SeenIds`: a million-row file needs 8 MB for them).
    """
    store.prepare_bulk_write(session)
    row = store.get_source(session, source.key)
    run = session.get(IngestRun, run_id)
    sites = site_store.known_site_codes(session)
    good: list[ResponseRecord] = []
    bad: list[QuarantineRecord] = []
    for raw in batch:
        raw = identify(raw, source.mapping)  # its id (row_id too) on the quarantine entry as well
        try:
            if check is not None:
                check(raw, source)
            good.append(map_checked(raw, source, wards, now, sites))
        except RecordError as error:
            bad.append(quarantine_record(source.key, raw, error))
    good = _without_declined(session, row, good, report, screen or screen_text)
    again = {r.external_id for r in good if hash(r.external_id) in seen}
    seen.update(hash(r.external_id) for r in good)
    counts = store.save_responses(session, row, good, again, screen=screen or screen_text, run_id=run_id)
    n_bad = run_store.save_quarantine(session, row, run, bad)
    report.batch_rules = Counter((q.field, q.rule) for q in bad)
    report.quarantine_reasons.extend(q.reason for q in bad[:max(0, 50 - len(report.quarantine_reasons))])
    report.n_read += len(batch)
    report.n_new += counts.n_new
    report.n_updated += counts.n_updated
    report.n_unchanged += counts.n_unchanged
    report.n_duplicate += counts.n_duplicate
    report.n_superseded += counts.n_superseded
    report.n_quarantined += n_bad
    report.n_fields_quarantined += len(counts.field_issues)
    report.field_counts.update((str(getattr(i, "field", "")), str(getattr(i, "rule", ""))) for i in counts.field_issues)
    report.n_choices += len(counts.choices)
    report.duplicate_choices.extend(counts.choices[:max(0, MAX_CHOICES - len(report.duplicate_choices))])
    _copy_counts(run, report)
    return good


def _without_declined(session: Session, row: Source, records: list[ResponseRecord], report: RunReport,
                      screen: Callable[[str], store.ScreenedText]) -> list[ResponseRecord]:
    """``records`` without those whose consent is no, counted on ``report``: a resident who declined
    is not stored at all, not even in quarantine (issue 16, analyst trial 3), **unless a free text
    of theirs may disclose harm**: that response is kept, with consent no, so the safeguarding queue
    has it at once; it counts in no figure and no page but the queue shows it. An earlier stored
    copy of a declined id is kept and named in the run's notes (a withdrawal is erased by a person)."""
    if not any(r.consent is False for r in records):
        return records
    harm = {r.external_id for r in records if r.consent is False
            and any(a.type == "free_text" and isinstance(a.value, str) and screen(a.value).flag_reason for a in r.answers)}
    declined = [r.external_id for r in records if r.consent is False and r.external_id not in harm]
    report.n_declined += len(declined)
    report.n_declined_kept += len(harm)
    stored = set(session.scalars(select(Response.external_id).where(Response.source_id == row.id,
                                                                     Response.external_id.in_(declined))))
    report.declined_stored.extend(i for i in declined if i in stored and i not in report.declined_stored)
    return [r for r in records if r.consent is not False or r.external_id in harm]


def map_checked(raw: RawRecord, source: SourceConfig, wards: tuple[Ward, ...], now: datetime,
                sites: set[str]) -> ResponseRecord:
    """Map one raw record with the checks that need the store (known sites) or the whole row.

    Every caller (files, REST pulls, webhook deliveries, quarantine retries) keeps a cell that
    cannot be used as one :class:`ingest.FieldIssue` of a record that is kept. A raw cell over
    ``MAX_RAW_TEXT`` characters is cut in the copy the response keeps.

    Raises
    ------
    RecordError
        The record breaks a rule: no id, cells beyond the header, an unknown site, or any rule
        of :func:`ingest.map_record` that rejects a whole record.
    """
    record = map_row(raw, source.key, source.mapping, wards, now)  # the id (row_id too) as the mapping makes it
    if record.site and record.site not in sites:
        raise RecordError(source.mapping.site_column or "site", record.site, "known_site",
                          "a QR site code that exists on the Sites page")
    if any(isinstance(v, str) and len(v) > MAX_RAW_TEXT for v in record.raw.values()):
        record = replace(record, raw=_bounded(record.raw))  # the content hash stays that of the record as read
    return record


def quarantine_record(key: str, raw: RawRecord, error: RecordError) -> QuarantineRecord:
    """A quarantine entry naming where, which field, the value and the rule; huge cells are cut."""
    return QuarantineRecord(source=key, external_id=raw.external_id or None, location=raw.location,
                            field=error.field, value=str(error.value), rule=error.rule,
                            reason=f"{raw.location}, field {error.field!r}: value {_short(error.value)}; {error.reason}",
                            raw=_bounded(raw.data))


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + f"... ({len(text):,} characters)"


def _bounded(data: dict) -> dict:
    """The raw record, with any text over MAX_RAW_TEXT characters cut (and saying so)."""
    out = {}
    for key, value in data.items():
        if isinstance(value, str) and len(value) > MAX_RAW_TEXT:
            value = value[:MAX_RAW_TEXT] + f" [cut: {len(value):,} characters in the source]"
        out[key] = value
    return out


def _copy_counts(run: IngestRun, report: RunReport) -> None:
    for name in _COUNTS:
        setattr(run, name, getattr(report, name))
    run.errors = list(report.errors)
    run.notes = list(report.notes)


def close_run(run: IngestRun, report: RunReport) -> None:
    report.notes.extend(report.outcome_lines())
    _copy_counts(run, report)
    run.status = report.status
    run.finished_at = utcnow()


def _fail_run(factory: sessionmaker[Session], report: RunReport, error: Exception, started: float) -> RunReport:
    report.status = "failed"
    report.errors.append(str(error))
    logger.error("ingest of %s %s failed: %s", report.source, report.input_name, error)
    _finish_run(factory, report, started)
    return report


def _finish_run(factory: sessionmaker[Session], report: RunReport, started: float) -> None:
    report.seconds = time.monotonic() - started
    with transaction(factory) as session:
        close_run(session.get(IngestRun, report.run_id), report)


def add_run_note(factory: sessionmaker[Session], report: RunReport, note: str) -> None:
    """Add a sentence to a closed run's notes, on the report and on the stored run."""
    report.notes.append(note)
    with transaction(factory) as session:
        run = session.get(IngestRun, report.run_id)
        if run is not None:
            run.notes = list(report.notes)


def _batches(items: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def run_all_ingests(factory: sessionmaker[Session], config: Config, report: Callable[[RunReport], None] | None = None,
                    options: PullOptions | None = None) -> list[RunReport]:
    """Run every file and REST source; a failing source is reported and the others still run."""
    reports: list[RunReport] = []
    for source in config.sources:
        if source.kind not in PULLED_KINDS:
            continue
        try:
            found = run_ingest(factory, config, source.key, options=options)
        except IngestError as error:
            found = [RunReport(source=source.key, input_name=str(source.path or source.url), status="failed",
                               errors=[str(error)])]
        for item in found:
            if report:
                report(item)
        reports.extend(found)
    return reports


def register_sources(factory: sessionmaker[Session], config: Config) -> dict[str, int]:
    """Make sure every configured source has its row and questions in the store."""
    with transaction(factory) as session:
        return {key: row.id for key, row in store.sync_sources(session, config).items()}
