"""``voice sources check FILE --source KEY``: how a mapping would read a file, before anything is stored.

:func:`check_export` reads the header and the first ``n`` rows of an export with a source's
mapping and says how each configured column maps (or which are missing, with the closest names),
the first values of each demographic after mapping, which rows would be quarantined and why,
which cells would be kept as field issues, and which rows are summaries or skipped.
Nothing is stored and nothing is raised for a mapping that does not fit: that is the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

from ingest.columns import ReadNotes, closest_columns, plain_text
from ingest.errors import RecordError
from ingest.exports import map_row
from ingest.files import read_file_records
from ingest.mapping import SourceMapping, identify
from ingest.options import FileOptions
from ingest.records import FieldIssue, ResponseRecord
from ingest.vocabulary import Ward

DEMOGRAPHICS = (("sex", "sex_column"), ("age", "age_column"), ("age_band", "age_column"), ("age_band", "age_band_column"),
                ("ethnicity", "ethnicity_column"), ("ethnic_group", "ethnicity_column"), ("ward", "ward_column"),
                ("postcode_district", "postcode_column"))


@dataclass(frozen=True)
class ColumnCheck:
    """One configured column: the key naming it, whether the file has it, and the closest names if not."""

    config_key: str
    column: str
    is_found: bool
    closest: tuple[str, ...] = ()
    is_optional: bool = False


@dataclass
class CheckReport:
    """What :func:`check_export` found; :meth:`to_text` is what the CLI prints."""

    name: str
    n_checked: int = 0
    columns: list[ColumnCheck] = field(default_factory=list)
    unmapped: tuple[str, ...] = ()
    samples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    quarantined: list[tuple[str, str, str, str]] = field(default_factory=list)
    field_issues: list[FieldIssue] = field(default_factory=list)
    notes: ReadNotes = field(default_factory=ReadNotes)
    #: Columns and sample names holding free text: shown by length only (issue 16, residents' words).
    free: frozenset[str] = frozenset()
    #: Rows whose consent is no: an ingest stores nothing of them.
    declined: list[str] = field(default_factory=list)
    #: How many rows checked repeat an id met earlier in the sample.
    n_repeated_ids: int = 0

    @property
    def missing(self) -> list[ColumnCheck]:
        """Configured columns the file does not have (an ingest would stop on the first)."""
        return [c for c in self.columns if not c.is_found and not c.is_optional]

    def to_text(self) -> str:
        """A plain-text report for a terminal."""
        lines = [f"{self.name}: {self.n_checked} row(s) checked; encoding {self.notes.encoding or 'n/a'}, "
                 f"delimiter {self.notes.delimiter!r}" if self.notes.delimiter else
                 f"{self.name}: {self.n_checked} row(s) checked", "", "Columns:"]
        for c in self.columns:
            hint = f"   closest: {', '.join(repr(x) for x in c.closest)}" if c.closest else ""
            state = "ok     " if c.is_found else "absent " if c.is_optional else "MISSING"
            lines.append(f"  {state} {c.config_key} = {c.column!r}{'' if c.is_found else hint}")
        if self.unmapped:
            lines.append("  not in the mapping (kept raw only): " + ", ".join(repr(c) for c in self.unmapped))
        lines += ["", "First values after mapping (free text shown by its length only):"]
        for name, pairs in self.samples.items():
            lines.append(f"  {name}: " + "; ".join(f"{shown(raw, name in self.free)} -> {shown(code, name in self.free)}"
                                                   for raw, code in pairs))
        lines += ["", f"Would be quarantined: {len(self.quarantined)}"]
        lines += [f"  {where}: {column} = {shown(value, column in self.free)}: {reason}"
                  for where, column, value, reason in self.quarantined[:20]]
        lines += ["", f"Cells kept as field issues: {len(self.field_issues)}"]
        lines += [f"  {i.location}: {i.column} = {shown(i.value, i.column in self.free)}: {i.reason}"
                  for i in self.field_issues[:20]]
        left_out = [f"  {self.name} row {row}: summary row {shown(text.split(' | ')[0], False)} is not a response; not stored"
                    for row, text in self.notes.summary_rows]
        left_out += [f"  {self.name} row {row}: skipped as configured" for row, _ in self.notes.skipped_rows[:20]]
        if self.notes.n_blank:
            left_out.append(f"  {self.name}: {self.notes.n_blank} blank row(s) skipped")
        left_out += [f"  {where}: answered no to consent; an ingest stores nothing of it (unless its text may disclose harm: then the safeguarding queue only)" for where in self.declined[:20]]
        if left_out:
            lines += ["", "Rows left out:", *left_out]
        if self.n_repeated_ids:
            lines += ["", f"Ids: {self.n_repeated_ids} of {self.n_checked} row(s) repeat an id met earlier"
                      + (" - is the id column right? An ingest stops when most rows repeat one."
                         if 2 * self.n_repeated_ids > self.n_checked else " (the later copy of each is kept).")]
        if self.missing:
            lines += ["", f"An ingest would stop before storing anything: {len(self.missing)} configured column(s) missing."]
        return "\n".join(lines)


def check_export(path: Path, mapping: SourceMapping, options: FileOptions | None = None, n: int = 50,
                 source: str = "KEY", wards: tuple[Ward, ...] = (), now: datetime | None = None) -> CheckReport:
    """Check how ``mapping`` reads the first ``n`` rows of the export at ``path``.

    Raises
    ------
    SourceUnavailable
        The file cannot be read at all.
    """
    now = now or datetime.now(timezone.utc)
    report = CheckReport(name=path.name)
    records = read_file_records(path, "", (), mapping.columns, options or FileOptions(), report.notes)
    header = report.notes.columns
    report.columns = [ColumnCheck(f"[sources.{source}] {key}", column, column in header,
                                  () if column in header else closest_columns(column, header), column in mapping.optional)
                      for key, column in mapping.column_keys()]
    report.unmapped = report.notes.extra_columns
    free_questions = [q for q in mapping.questions if q.type == "free_text"]
    report.free = frozenset({*report.unmapped, "_extra_cells", *(c for q in free_questions for c in q.columns),
                             *(f"question {q.key}" for q in free_questions)})
    ids: set[str] = set()
    try:
        for raw in islice(records, n):
            report.n_checked += 1
            raw = identify(raw, mapping)
            if raw.external_id:
                report.n_repeated_ids += raw.external_id in ids
                ids.add(raw.external_id)
            try:
                record = map_row(raw, source, mapping, wards, now)  # exactly what an ingest does with the row
            except RecordError as error:
                report.quarantined.append((raw.location, error.field, "" if error.value is None else str(error.value),
                                           error.reason))
                continue
            if record.consent is False:
                report.declined.append(raw.location)
                continue
            report.field_issues.extend(record.field_issues)
            _sample(report, mapping, raw.data, record)
    finally:
        records.close()  # type: ignore[attr-defined]
    return report


def shown(value: object, is_free: bool) -> str:
    """A value for the terminal: free text (or anything over 120 characters) by its length only."""
    text = "" if value is None else str(value)
    if (is_free and text and text != "None") or len(text) > 120:
        return f"(free text, {len(text)} characters)"
    return repr(text)


def _sample(report: CheckReport, mapping: SourceMapping, data: dict, record: ResponseRecord) -> None:
    """Keep the first few distinct (cell, value after mapping) pairs of each demographic and question."""
    pairs = [(name, plain_text(data.get(getattr(mapping, key))), str(getattr(record.demographics, name)))
             for name, key in DEMOGRAPHICS if getattr(mapping, key)]
    answers = {a.question: a.value for a in record.answers}
    pairs += [(f"question {q.key}", " | ".join(plain_text(data.get(c)) for c in q.columns), str(answers.get(q.key)))
              for q in mapping.questions]
    for name, cell, value in pairs:
        seen = report.samples.setdefault(name, [])
        if (cell, value) not in seen and len(seen) < 8:
            seen.append((cell, value))
