"""Per-source mappings: how one raw record becomes one response in our vocabulary.

A mapping is plain data (built from ``config.toml`` by ``service.config``), so adding a source is
configuration, not code. :func:`map_record` applies it. Only a missing id, an unreadable or
out-of-range date, a consent that is neither yes nor no, an age outside the source's range and a
missing required answer reject a record (:class:`~ingest.errors.RecordError`, naming field, value
and rule; the caller quarantines it). Any other cell that cannot be used is recorded as one
:class:`~ingest.records.FieldIssue` and the rest of the response is kept.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ingest import vocabulary as vocab
from ingest.ages import AgeReading, read_age, read_birth_date, read_school_year
from ingest.answers import QuestionSpec, gather_ticks, map_answer
from ingest.codes import NOT_STATED, normalise_label
from ingest.columns import plain_text
from ingest.dates import EARLIEST, EXCEL_EPOCH, parse_datetime, time_zone
from ingest.errors import RecordError, VocabularyError
from ingest.ethnicity import EthnicityReading, is_generic_other, read_ethnicity
from ingest.postcodes import PostcodeLookup, load_postcode_lookup
from ingest.records import (
    AnswerRecord,
    Demographics,
    FieldIssue,
    RawRecord,
    ResponseRecord,
)

__all__ = ["EARLIEST", "EXCEL_EPOCH", "QuestionSpec", "SourceMapping", "identify", "map_record", "parse_datetime",
           "read_value"]

_TRUE = {"yes", "y", "true", "1", "agree", "i agree", "consent", "consented", "ok"}
_FALSE = {"no", "n", "false", "0", "disagree", "do not agree"}
_MISSING: Any = object()
_CACHED_TYPES = ("scale", "number", "single_choice", "multiple_choice")  # pure functions of the cell text
_KEPT_RULES = ("vocabulary", "write_in", "postcode_ward")  # issues that never rejected a record
_ROW_IN_LOCATION = re.compile(r" row (\d+)$")
_read_ethnicity = lru_cache(maxsize=4096)(read_ethnicity)


@dataclass(frozen=True)
class SourceMapping:
    """Where a source keeps each field, and how to read its values (keys of ``[sources.KEY.mapping]``)."""

    id_column: str = ""
    id_columns: tuple[str, ...] = ()
    row_id: bool = False
    submitted_at: str | None = None
    date_format: str = "dayfirst"
    date_formats: tuple[str, ...] = ()
    wave: str | None = None
    wave_column: str | None = None
    site_column: str | None = None
    consent_column: str | None = None
    age_column: str | None = None
    age_band_column: str | None = None
    sex_column: str | None = None
    gender_identity_column: str | None = None
    ethnicity_column: str | None = None
    ethnicity_other_column: str | None = None
    ward_column: str | None = None
    postcode_column: str | None = None
    ward_from_postcode: bool = False
    postcode_lookup: str = ""
    age_bands: tuple[str, ...] = ()
    min_age: int = 0
    max_age: int = 120
    unknown_labels: str = "not_stated"
    recodes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    questions: tuple[QuestionSpec, ...] = ()
    #: Configured columns a file may lack (their fields are then not stated); any other missing column stops a run.
    optional: tuple[str, ...] = ()
    #: IANA time zone of times written without one (SmartSurvey, Citizen Space: "Europe/London"); "" = UTC.
    timezone: str = ""
    #: A date of birth: the age is the age on the date the response was given.
    birth_date_column: str | None = None
    #: Formats of the date of birth, tried in order ("dayfirst", "iso" or strftime, e.g. "%m-%d-%Y" for
    #: a US tool); empty: the strftime formats among ``date_format`` and ``date_formats``, then day-first.
    birth_date_formats: tuple[str, ...] = ()
    #: A school year group in England ("Year 9", "Y9"): the band holding its ages (Year 9 = 13-14).
    school_year_column: str | None = None
    #: Unmapped columns never kept in the raw record, besides those named like personal data.
    drop_columns: tuple[str, ...] = ()
    #: Unmapped columns named like personal data (Name, Email, IP Address) that are kept after all.
    keep_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.unknown_labels not in ("not_stated", "quarantine"):
            raise ValueError(f"unknown_labels {self.unknown_labels!r}: expected 'not_stated' or 'quarantine'")
        if sum((bool(self.id_column), bool(self.id_columns), self.row_id)) != 1:
            raise ValueError("set exactly one of id_column, id_columns (an id made of several columns) or "
                             f"row_id = true (the row number); found id_column={self.id_column!r}, "
                             f"id_columns={list(self.id_columns)!r}, row_id={self.row_id!r}")
        if self.ward_from_postcode and not self.postcode_column:
            raise ValueError("ward_from_postcode needs postcode_column")
        try:  # "Under 16" is stored as the band "0-15", the form weights and census tables use
            object.__setattr__(self, "age_bands", tuple(vocab.band_code(band) for band in self.age_bands))
        except ValueError as error:
            raise ValueError(f"age_bands = {list(self.age_bands)!r}: {error}") from None
        if self.timezone:
            time_zone(self.timezone)
        unknown = [c for c in self.optional if c not in self.columns]
        if unknown:
            raise ValueError(f"optional names {', '.join(repr(c) for c in unknown)}, which no key of the mapping reads; "
                             "expected column names the mapping sets (e.g. the value of sex_column)")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column (or JSON path) the mapping reads."""
        return tuple(column for _, column in self.column_keys())

    def column_keys(self) -> tuple[tuple[str, str], ...]:
        """(config key, column) for every column the mapping reads, e.g. ``("mapping.sex_column", "Sex")``."""
        names = ("id_column", "submitted_at", "wave_column", "site_column", "consent_column", "age_column",
                 "age_band_column", "sex_column", "gender_identity_column", "ethnicity_column",
                 "ethnicity_other_column", "ward_column", "postcode_column", "birth_date_column",
                 "school_year_column")
        keys = [(f"mapping.{n}", getattr(self, n)) for n in names if getattr(self, n)]
        keys += [(f"mapping.id_columns[{i}]", c) for i, c in enumerate(self.id_columns)]
        for i, q in enumerate(self.questions):
            keys += [(f"mapping.questions[{i}].column", c) for c in ((q.column,) if q.column and not q.option_columns else ())]
            keys += [(f"mapping.questions[{i}].option_columns[{j}]", c) for j, c in enumerate(q.option_columns)]
        return tuple(keys)


def read_value(data: Mapping[str, Any], path: str | None) -> Any:
    """Read a column, or a dotted JSON path ("answers.safety.value"), from a raw record."""
    if not path:
        return None
    if path in data:
        return _blank_to_none(data[path])
    value: Any = data
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return _blank_to_none(value)


def _blank_to_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def identify(raw: RawRecord, mapping: SourceMapping) -> RawRecord:
    """The record with its id as the mapping makes it (one column, several joined by "-", or the row),
    and without the unmapped personal columns (:func:`personal_columns`), so no copy of it keeps them."""
    left_out = _plan_of(mapping).dropped(tuple(raw.data))
    if left_out:
        raw = RawRecord(raw.external_id, {k: v for k, v in raw.data.items() if k not in left_out}, raw.location, raw.row)
    return _identified(raw, mapping)


def _identified(raw: RawRecord, mapping: SourceMapping) -> RawRecord:
    if mapping.row_id:
        row = raw.row or _row_of(raw.location)
        return RawRecord(f"row-{row}" if row else "", raw.data, raw.location, row)
    if mapping.id_columns:
        parts = [_text(read_value(raw.data, c)) for c in mapping.id_columns]
        external_id = "-".join(p for p in parts if p) if all(parts) else ""
        return RawRecord(external_id, raw.data, raw.location, raw.row)
    if raw.external_id:
        return raw
    return RawRecord(_text(read_value(raw.data, mapping.id_column)) or "", raw.data, raw.location, raw.row)


def _row_of(location: str) -> int:
    """The row number in a location such as "export.csv row 7" (a quarantined record keeps only that)."""
    match = _ROW_IN_LOCATION.search(location)
    return int(match.group(1)) if match else 0


def map_record(raw: RawRecord, source: str, mapping: SourceMapping, wards: tuple[vocab.Ward, ...] = (),
               now: datetime | None = None, *, keep_issues: bool = False) -> ResponseRecord:
    """Map one raw record onto a :class:`ResponseRecord`, with a :class:`FieldIssue` per unusable cell.

    With ``keep_issues`` (as :func:`ingest.exports.read_export` maps), a bad answer or an unreadable
    age is one field's issue and the response is kept. Without it (the behaviour callers that do
    not store field issues rely on), such a cell rejects the record as before; labels we do not
    map are not stated either way.

    Raises
    ------
    RecordError
        The record's date, consent, age range or a required answer breaks a rule (or, with
        ``unknown_labels = "quarantine"``, a demographic label is not one we map).
    """
    now = now or datetime.now(timezone.utc)
    plan = _plan_of(mapping)
    data = raw.data
    issues: list[FieldIssue] = []
    consent = _map_consent(mapping.consent_column, plan.read(data, mapping.consent_column)) if mapping.consent_column else None
    try:
        submitted = _read_submitted(plan, data, now)
        demographics = plan.demographics(data, wards, raw.location, issues, submitted or now)
        answers = plan.answers(data, now, raw.location, issues)
        if not keep_issues:
            for issue in issues:
                if issue.rule not in _KEPT_RULES:  # the cell as read, not the issue's text of it
                    value = issue.value if issue.rule == "max_length" else plan.read(data, issue.column)
                    raise RecordError(issue.column, value, issue.rule, issue.reason)
    except RecordError:
        if consent is not False:
            raise
        return _declined(raw, source, plan)  # consent no: nothing of it is kept, so its other rules do not matter
    return ResponseRecord(
        source=source, external_id=raw.external_id, submitted_at=submitted,
        wave=mapping.wave if mapping.wave_column is None else _text(plan.read(data, mapping.wave_column)),
        site=_text(plan.read(data, mapping.site_column)), consent=consent, demographics=demographics,
        answers=answers, raw=plan.kept_raw(data), content_hash=raw.content_hash, location=raw.location,
        field_issues=tuple(issues),
    )


class _Plan:
    """A mapping compiled once per source: recode tables folded for case-insensitive look-up and
    the postcode lookup loaded."""

    def __init__(self, mapping: SourceMapping) -> None:
        self.mapping = mapping
        self.recodes = {path: {normalise_label(k): v for k, v in table.items()}
                        for path, table in mapping.recodes.items() if table}
        self.postcodes: PostcodeLookup | None = (load_postcode_lookup(mapping.postcode_lookup)
                                                 if mapping.ward_from_postcode else None)
        self.strict = mapping.unknown_labels == "quarantine"
        self.questions = [(q, {} if q.type in _CACHED_TYPES and not q.option_columns else None) for q in mapping.questions]
        self.demographic_columns = tuple(c for c in (
            mapping.age_column, mapping.age_band_column, mapping.sex_column, mapping.gender_identity_column,
            mapping.ethnicity_column, mapping.ethnicity_other_column, mapping.ward_column, mapping.postcode_column,
            mapping.birth_date_column, mapping.school_year_column,
            mapping.submitted_at if mapping.birth_date_column else None) if c)  # an age from a birth date needs the date
        self.dropped = personal_columns(mapping)
        # A tool's own formats (strftime) before the generic day-first reading: "%m-%d-%Y" set for a US
        # tool's dates must read its dates of birth month-first too (trial 4: JotForm, 11 ages a year off).
        self.birth_formats = mapping.birth_date_formats or (
            *dict.fromkeys(f for f in (mapping.date_format, *mapping.date_formats) if f not in ("dayfirst", "iso")), "dayfirst")
        self.wards: tuple[vocab.Ward, ...] | None = None  # the cache below is for these wards only
        self.known_wards: tuple[tuple[vocab.Ward, ...] | None, frozenset[str]] = (None, frozenset())
        self.demographics_seen: dict[tuple[Any, ...], tuple[Demographics, list[FieldIssue]]] = {}

    def read(self, data: Mapping[str, Any], path: str | None) -> Any:
        """:func:`read_value` then the recode table of ``path`` (matched ignoring case and spacing)."""
        value = data.get(path, _MISSING) if path else None
        if type(value) is str:
            value = value if value and not value.isspace() else None
        elif value is not None:
            value = read_value(data, path)
        if value is None or path not in self.recodes:
            return value
        key = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return self.recodes[path].get(normalise_label(key), value)

    def issue(self, issues: list[FieldIssue], location: str, name: str, column: str, value: Any, rule: str,
              reason: str) -> None:
        """Record one field's issue, or reject the record when unknown labels are to be quarantined."""
        if self.strict and rule == "vocabulary":
            raise RecordError(column, value, rule, reason)
        issues.append(FieldIssue(location, name, column, "" if value is None else str(value)[:200], rule, reason))

    def answers(self, data: Mapping[str, Any], now: datetime, location: str,
                issues: list[FieldIssue]) -> tuple[AnswerRecord, ...]:
        """The answers of one record, in question order; a bad cell is one issue, not a rejection.

        Choices, scales and numbers are pure functions of the cell text, so their results (and
        issues) are memoised per question and text: mapping each cell anew was most of the time.
        """
        out: list[AnswerRecord] = []
        for question, seen in self.questions:
            cell = data.get(question.column) if seen is not None else None
            found = seen.get(cell, _MISSING) if seen is not None and type(cell) is str else _MISSING
            if found is _MISSING:
                found = self.answer(question, data, now)
                if seen is not None and type(cell) is str and len(seen) < 4096:
                    seen[cell] = found
            answer, problem = found
            if problem is not None:
                issues.append(FieldIssue(location, *problem))
            elif answer is not None:
                out.append(answer)
        return tuple(out)

    def answer(self, question: QuestionSpec, data: Mapping[str, Any],
               now: datetime) -> tuple[AnswerRecord | None, tuple[str, str, str, str, str] | None]:
        """One question's answer, or the parts of its field issue; a missing required answer raises."""
        try:
            if question.option_columns:
                return gather_ticks(question, [self.read(data, c) for c in question.option_columns]), None
            return map_answer(question, self.read(data, question.column), now), None
        except RecordError as error:
            if error.rule == "required":
                raise
            return None, (question.key, error.field, str(error.value)[:200], error.rule, error.reason)

    def kept_raw(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The raw record to store: every column but the unmapped personal ones (:func:`personal_columns`)."""
        left_out = self.dropped(tuple(data))
        return {k: v for k, v in data.items() if k not in left_out} if left_out else dict(data)

    def demographics(self, data: Mapping[str, Any], wards: tuple[vocab.Ward, ...], location: str,
                     issues: list[FieldIssue], on: datetime) -> Demographics:
        """:meth:`map_demographics`, memoised on the record's demographic cells (errors never are)."""
        if wards is not self.wards:
            self.wards, self.demographics_seen = wards, {}
        key = tuple(data.get(c) for c in self.demographic_columns)
        if not all(v is None or type(v) is str for v in key):
            return self.map_demographics(data, wards, location, issues, on)
        found = self.demographics_seen.get(key)
        if found is None:
            own: list[FieldIssue] = []
            found = (self.map_demographics(data, wards, "", own, on), own)
            if len(self.demographics_seen) < 16384:
                self.demographics_seen[key] = found
        issues.extend(replace(issue, location=location) for issue in found[1])
        return found[0]

    def map_demographics(self, data: Mapping[str, Any], wards: tuple[vocab.Ward, ...], location: str,
                         issues: list[FieldIssue], on: datetime) -> Demographics:
        """The demographics of one record; see :func:`map_record` for which failures reject it."""
        m = self.mapping
        age, band = self.age(data, location, issues, on)
        ethnicity, group = self.ethnicity(data, location, issues) if m.ethnicity_column else (None, None)
        return Demographics(
            age=age, age_band=band,
            sex=self.label(data, m.sex_column, "sex", vocab.map_sex, location, issues) if m.sex_column else None,
            gender_identity=vocab.map_gender_identity(self.read(data, m.gender_identity_column)) if m.gender_identity_column else None,
            ethnicity=ethnicity, ethnic_group=group, ward=self.ward(data, wards, location, issues),
            postcode_district=vocab.map_postcode_district(self.read(data, m.postcode_column)) if m.postcode_column else None,
        )

    def label(self, data: Mapping[str, Any], column: str, name: str, function: Any, location: str,
              issues: list[FieldIssue]) -> str:
        """A label through ``function``; one we do not map is not stated, with an issue (a refusal, or an
        answer the vocabulary knows has no code, such as "Non-binary" for sex, is not stated without one)."""
        value = self.read(data, column)
        try:
            return str(function(value, strict=True))
        except VocabularyError:
            self.issue(issues, location, name, column, value, "vocabulary", f"not a {name} label we map; not stated")
            return NOT_STATED

    def age(self, data: Mapping[str, Any], location: str, issues: list[FieldIssue],
            on: datetime) -> tuple[int | None, str | None]:
        """Age and band from the first column that states them: the age column (an age or a band, as
        people write them), the date of birth, the school year, then the band column."""
        m = self.mapping
        readers = ((m.age_column, "age", lambda v: read_age(v, m.min_age, m.max_age, m.age_bands)),
                   (m.birth_date_column, "birth_date", lambda v: read_birth_date(v, on, m.min_age, m.max_age, m.age_bands,
                                                                                  self.birth_formats)),
                   (m.school_year_column, "school_year", lambda v: read_school_year(v, m.age_bands)))
        found = False
        for column, rule, reader in readers:
            if not column:
                continue
            found = True
            value = self.read(data, column)
            reading: AgeReading = reader(value)
            if reading.is_out_of_range:
                raise RecordError(column, value, "vocabulary", reading.reason)
            if reading.reason:
                self.issue(issues, location, "age", column, value, rule, reading.reason + "; age not stated")
            # An empty or unreadable age leaves the next column to speak (a stated band is not a guess).
            if (reading.band is not None and reading.band != NOT_STATED) or reading.age is not None:
                return reading.age, reading.band or NOT_STATED
        if not m.age_band_column:
            return (None, NOT_STATED) if found else (None, None)
        # The same reading as a band in the age column: a band outside the ages this source can
        # hold ("Under 16" in a 16+ survey) quarantines the response, as an age would.
        value = self.read(data, m.age_band_column)
        reading = read_age(value, m.min_age, m.max_age, m.age_bands)
        if reading.is_out_of_range:
            raise RecordError(m.age_band_column, value, "vocabulary", reading.reason)
        band = reading.band if reading.band is not None else NOT_STATED
        if band == NOT_STATED and not vocab.is_declined(value):
            self.issue(issues, location, "age_band", m.age_band_column, value, "vocabulary",
                       "expected one of the bands " + ", ".join(m.age_bands) + "; not stated")
        return reading.age, band

    def ethnicity(self, data: Mapping[str, Any], location: str, issues: list[FieldIssue]) -> tuple[str | None, str]:
        """The ticked ethnicity, or the "Other (please specify)" write-in where the box ticked allows it."""
        m = self.mapping
        value = self.read(data, m.ethnicity_column)
        ticked = _read_ethnicity(value)
        write_in = self.read(data, m.ethnicity_other_column) if m.ethnicity_other_column else None
        chosen, column, shown = ticked, m.ethnicity_column or "", value
        if write_in is not None and _accepts_write_in(ticked):
            written = _read_ethnicity(write_in)
            generic = is_generic_other(value)  # "Other (please specify)": names no group, the write-in decides
            if written.is_stated and (not ticked.is_stated or generic or ticked.group in ("H5", written.group)):
                chosen = written
            elif written.is_stated:
                self.issue(issues, location, "ethnicity", m.ethnicity_other_column or "", write_in, "write_in",
                           f"the write-in names another group than the box ticked ({ticked.group}); the box is kept")
            elif generic or not ticked.is_stated:
                self.issue(issues, location, "ethnicity", m.ethnicity_other_column or "", write_in, "vocabulary",
                           f"write-in: {written.reason}; the box ticked names no group, so ethnicity is not stated")
                return NOT_STATED, NOT_STATED
            else:
                self.issue(issues, location, "ethnicity", m.ethnicity_other_column or "", write_in, "write_in",
                           f"write-in: {written.reason}; the box ticked ({ticked.group}) is kept")
        if chosen.reason and column:
            self.issue(issues, location, "ethnicity", column, shown, "vocabulary", chosen.reason + "; not stated")
        return chosen.code, chosen.group

    def ward_codes(self, wards: tuple[vocab.Ward, ...]) -> frozenset[str]:
        """The codes of ``wards``, kept for the wards last asked about."""
        if self.known_wards[0] is not wards:
            self.known_wards = (wards, frozenset(w.code for w in wards))
        return self.known_wards[1]

    def ward(self, data: Mapping[str, Any], wards: tuple[vocab.Ward, ...], location: str,
             issues: list[FieldIssue]) -> str | None:
        """The ward from its column, else (``ward_from_postcode``) from the postcode where the lookup decides it."""
        m = self.mapping
        if m.ward_column:
            value = self.read(data, m.ward_column)
            code = vocab.map_ward(value, wards)
            if code == NOT_STATED and not vocab.is_declined(value):
                self.issue(issues, location, "ward", m.ward_column, value, "vocabulary", "not a ward of the borough; not stated")
            if code != NOT_STATED or self.postcodes is None:
                return code
        if self.postcodes is None:
            return None
        value = self.read(data, m.postcode_column)
        code, reason = self.postcodes.ward_for(value)
        if wards and code != NOT_STATED and code not in self.ward_codes(wards):
            code, reason = NOT_STATED, f"the lookup puts it in ward {code}, which is not a 2022 ward of the borough"
        if reason:
            issues.append(FieldIssue(location, "ward", m.postcode_column or "", str(value), "postcode_ward",
                                     reason + "; ward not stated"))
        return code


#: Column names that hold personal data (issue 16): never kept in the raw record unless mapped or kept.
#: "Street" or "house" alone is not enough: "Better street lighting" is an answer (analyst trial 4).
PERSONAL_COLUMN = re.compile(r"\b(name|first name|last name|surname|forename|full name|e-?mail|email address|"
                             r"ip|ip address|phone|telephone|mobile|phone number|address|street address|street name|"
                             r"house number|house name|latitude|longitude)\b",
                             re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def is_personal_column(name: str) -> bool:
    """True for a column named like personal data: "Email", "IP Address", "First_Name", "RecipientEmail", "IPAddress"."""
    return bool(PERSONAL_COLUMN.search(_CAMEL.sub(" ", name).replace("_", " ")))


def personal_columns(mapping: SourceMapping) -> Any:
    """A function from a record's columns to those left out of its stored raw record (None when none can be).

    Left out: ``drop_columns``, and every column the mapping does not read whose name says it holds
    personal data (:data:`PERSONAL_COLUMN`: Name, Email, IP Address, Phone, Address), unless
    ``keep_columns`` names it. Mapped columns are always kept.
    """
    read = set(mapping.columns)
    kept = set(mapping.keep_columns)
    dropped = set(mapping.drop_columns)

    @lru_cache(maxsize=64)
    def left_out(columns: tuple[str, ...]) -> frozenset[str]:
        return frozenset(c for c in columns if c not in read and c not in kept
                         and (c in dropped or is_personal_column(c)))

    return left_out


def _accepts_write_in(ticked: EthnicityReading) -> bool:
    """A write-in is read when the box ticked is blank, unreadable, a group only, or an "other" box."""
    return not ticked.is_stated or ticked.code is None or ticked.code in ("5", "8", "12", "17", "19")


_PLANS: dict[int, _Plan] = {}


def _plan_of(mapping: SourceMapping) -> _Plan:
    plan = _PLANS.get(id(mapping))
    if plan is None or plan.mapping is not mapping:  # the plan holds its mapping, so ids are not reused
        if len(_PLANS) > 64:
            _PLANS.clear()
        plan = _PLANS[id(mapping)] = _Plan(mapping)
    return plan


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_submitted(plan: _Plan, data: Mapping[str, Any], now: datetime) -> datetime | None:
    """The submitted time. A file's configured column left blank is an unfinished response (LimeSurvey's
    submitdate, Alchemer's Date Submitted): a date failure. A pushed record without the key has no time."""
    mapping = plan.mapping
    value = plan.read(data, mapping.submitted_at)
    if mapping.submitted_at and mapping.submitted_at in data and (value is None or plain_text(value) == ""):
        raise RecordError(mapping.submitted_at, value, "date", "submitted time left empty; expected a date (a tool "
                          "writes none for a response that was not finished)")
    return parse_datetime(value, mapping.date_format, now, mapping.submitted_at or "submitted_at",
                          mapping.date_formats, mapping.timezone)


def _declined(raw: RawRecord, source: str, plan: _Plan) -> ResponseRecord:
    """A response whose consent is no and that broke another rule: only its free texts, which the intake
    screen reads (safeguarding comes before consent); the store keeps nothing else of it."""
    texts = tuple(AnswerRecord(q.key, "free_text", text) for q, _ in plan.questions if q.type == "free_text"
                  for text in [plain_text(plan.read(raw.data, q.column))] if text)
    return ResponseRecord(source=source, external_id=raw.external_id, submitted_at=None, wave=None, site=None,
                          consent=False, demographics=Demographics(), answers=texts, raw={}, content_hash=raw.content_hash,
                          location=raw.location)


def _map_consent(column: str, value: Any) -> bool | None:
    text = normalise_label(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if not text:  # issue 16: blank consent is not consent; the response waits in quarantine for a person
        raise RecordError(column, value, "yes_or_no", "consent left empty; expected yes or no")
    raise RecordError(column, value, "yes_or_no", "expected yes or no")
