"""One survey export file, read and mapped whole: responses, quarantine, superseded duplicates, report.

:func:`read_export` is what an ingest run calls for a file. It checks the mapping against the
file's header before anything is returned (a configured column that is missing stops the run,
naming the column, the closest columns and the config key), maps every row with field-level
issues kept, and resolves ids used twice in the file: the later version wins (by submitted time,
else by row order) and the earlier is returned as superseded. The responses of one file are held
in memory (about 2 KB a response), so a 1,000,000-row export needs about 2 GB; split such files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ingest.columns import ReadNotes, closest_columns
from ingest.errors import ColumnNotFoundError, HeaderMismatchError, RecordError
from ingest.files import read_file_records
from ingest.mapping import SourceMapping, identify, map_record
from ingest.options import FileOptions
from ingest.records import QuarantineRecord, RawRecord, ResponseRecord
from ingest.vocabulary import Ward


@dataclass
class ExportResult:
    """What one export gave: responses to store, records to quarantine, earlier versions superseded."""

    name: str
    responses: list[ResponseRecord] = field(default_factory=list)
    quarantined: list[QuarantineRecord] = field(default_factory=list)
    superseded: list[ResponseRecord] = field(default_factory=list)
    notes: ReadNotes = field(default_factory=ReadNotes)
    duplicate_lines: list[str] = field(default_factory=list)

    @property
    def n_read(self) -> int:
        """Rows read as responses (before duplicates were resolved)."""
        return len(self.responses) + len(self.quarantined) + len(self.superseded)

    def issue_counts(self) -> Counter[tuple[str, str]]:
        """How many cells of each (field, rule) could not be used, across the kept responses."""
        return Counter((i.field, i.rule) for r in self.responses for i in r.field_issues)

    def lines(self) -> list[str]:
        """Sentences for the run report: rows left out and why, fields not stated, duplicates resolved."""
        out = self.notes.lines(self.name)
        for (name, rule), n in sorted(self.issue_counts().items()):
            out.append(f"{self.name}: {n} response(s) kept with {name} not usable ({rule}); "
                       "each is listed with its row, column and value")
        out.extend(self.duplicate_lines)
        reasons = Counter(f"{q.field} ({q.rule})" for q in self.quarantined)
        out.extend(f"{self.name}: {n} quarantined for {reason}" for reason, n in sorted(reasons.items()))
        return out


def check_mapped_columns(name: str, header: tuple[str, ...], mapping: SourceMapping, source: str,
                         options: FileOptions | None = None, config_file: str = "") -> None:
    """Raise when a column the mapping names is not in ``header`` (nothing is stored then).

    ``config_file`` is the configuration file in use, named in the message.

    Raises
    ------
    HeaderMismatchError
        None of the mapped columns is in the header: the sheet or header row is wrong.
    ColumnNotFoundError
        Some mapped column is missing; the message names it, the closest columns and the key.
    """
    options = options or FileOptions()
    keys = mapping.column_keys()
    missing = [(key, column) for key, column in keys if column not in header and column not in mapping.optional]
    if not missing:
        return
    if not any(column in header for _, column in keys):
        shown = ", ".join(repr(c) for c in header[:12]) + (", ..." if len(header) > 12 else "")
        sheet = f" of sheet {options.sheet!r}" if options.sheet else ""
        raise HeaderMismatchError(
            f"{name}: the header read from row {options.header_row}{sheet} ({options.header_rows} row(s)) holds none of "
            f"the {len(keys)} columns the mapping names (found: {shown}). Nothing was stored. Fix "
            f"[sources.{source}.file] header_row, header_rows or sheet, or check with 'voice sources check'")
    key, column = missing[0]
    error = ColumnNotFoundError(name, column, f"[sources.{source}] {key}", closest_columns(column, header), header,
                                config_file)
    if len(missing) > 1:
        error.args = (error.args[0] + f" ({len(missing) - 1} more configured column(s) missing: "
                      + ", ".join(repr(c) for _, c in missing[1:6]) + ")",)
    raise error


def read_export(path: Path, source: str, mapping: SourceMapping, options: FileOptions | None = None,
                wards: tuple[Ward, ...] = (), now: datetime | None = None) -> ExportResult:
    """Read and map one export file (see the module docstring).

    Raises
    ------
    SourceUnavailable
        The file cannot be read at all.
    MappingError
        The mapping does not fit the file (:class:`ColumnNotFoundError`, :class:`HeaderMismatchError`).
    """
    options = options or FileOptions()
    now = now or datetime.now(timezone.utc)
    result = ExportResult(name=path.name)
    records = read_file_records(path, "", (), mapping.columns, options, result.notes,
                                check=lambda header: check_mapped_columns(path.name, header, mapping, source, options))
    for raw in records:
        _take(result, raw, source, mapping, wards, now)
    _resolve_duplicates(result, mapping)
    return result


def _take(result: ExportResult, raw: RawRecord, source: str, mapping: SourceMapping, wards: tuple[Ward, ...],
          now: datetime) -> None:
    raw = identify(raw, mapping)
    try:
        result.responses.append(map_row(raw, source, mapping, wards, now))
    except RecordError as error:
        result.quarantined.append(quarantine_entry(source, raw, error))


def map_row(raw: RawRecord, source: str, mapping: SourceMapping, wards: tuple[Ward, ...],
            now: datetime) -> ResponseRecord:
    """Map one row of an export the way every reader of files does: id, cell count, then :func:`map_record`.

    This is the one path an ingest run, :func:`read_export` and ``voice sources check`` share, so
    the check reports exactly what an ingest would store or quarantine. The id is made by the
    mapping first (:func:`identify`: a column, several columns or the row number).

    Raises
    ------
    RecordError
        The record has no id, more cells than the header, or breaks a rule of :func:`map_record`.
    """
    raw = identify(raw, mapping)
    if not raw.external_id:
        id_name = mapping.id_column or "+".join(mapping.id_columns) or "row_id"
        raise RecordError(id_name, "", "required", "every record needs its own id")
    if "_extra_cells" in raw.data:
        extra = raw.data["_extra_cells"]
        raise RecordError("_extra_cells", extra, "column_count",
                          f"no more cells than the header has columns (found {len(extra)} more); "
                          "is there a delimiter inside an unquoted value?")
    return map_record(raw, source, mapping, wards, now, keep_issues=True)


def quarantine_entry(source: str, raw: RawRecord, error: RecordError) -> QuarantineRecord:
    """The quarantine entry of a record that broke ``error``'s rule, kept whole."""
    return QuarantineRecord(source=source, external_id=raw.external_id or None, location=raw.location,
                            field=error.field, value="" if error.value is None else str(error.value)[:500],
                            rule=error.rule, reason=error.reason, raw=dict(raw.data))


def _resolve_duplicates(result: ExportResult, mapping: SourceMapping) -> None:
    """Keep the latest version of each id (submitted time, else row order); the rest are superseded."""
    latest: dict[str, ResponseRecord] = {}
    order: dict[str, int] = {}
    for index, record in enumerate(result.responses):
        kept = latest.get(record.external_id)
        if kept is None:
            latest[record.external_id], order[record.external_id] = record, index
            continue
        newer, older, by = _later(kept, record)
        latest[record.external_id] = newer
        result.superseded.append(older)
        result.duplicate_lines.append(
            f"{result.name}: id {record.external_id!r} is used twice; {newer.location} is kept and "
            f"{older.location} is superseded ({by})")
    result.responses = sorted(latest.values(), key=lambda r: order[r.external_id])


def _later(kept: ResponseRecord, record: ResponseRecord) -> tuple[ResponseRecord, ResponseRecord, str]:
    wins, why = later_copy_wins(kept.submitted_at, record.submitted_at)
    return (record, kept, why) if wins else (kept, record, why)


def later_copy_wins(kept_at: datetime | None, later_at: datetime | None) -> tuple[bool, str]:
    """Whether a copy of an id met later replaces the copy kept so far, and why.

    The later submitted time wins when both copies have one and they differ; otherwise the copy
    met later (further down the file, or in a later file) wins. A time without a zone is UTC.
    """
    if kept_at is not None and later_at is not None:
        kept_utc, later_utc = _aware(kept_at), _aware(later_at)
        if kept_utc != later_utc:
            return later_utc > kept_utc, "later submitted time"
    return True, "later in the file"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
