"""Per-source mappings: how one raw record becomes one response in our vocabulary.

A mapping is plain data (built from ``config.toml`` by ``service.config``), so adding a source is
configuration, not code. :func:`map_record` applies it and raises
:class:`~ingest.errors.RecordError` naming the field, value and rule when a record cannot be
stored as it is; the caller quarantines that record.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ingest import vocabulary as vocab
from ingest.errors import RecordError, VocabularyError
from ingest.records import QUESTION_TYPES, AnswerRecord, Demographics, RawRecord, ResponseRecord

EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
MAX_TEXT = 20_000
def _memo(function: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise a vocabulary look-up on text labels: a survey repeats the same few labels
    thousands of times, and normalising each one (regular expressions) dominated the mapping."""
    cached = lru_cache(maxsize=4096)(function)

    def call(label: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(label, str):
            return cached(label, *args, **kwargs)
        return function(label, *args, **kwargs)

    return call


_map_sex = _memo(vocab.map_sex)
_map_ethnicity = _memo(vocab.map_ethnicity)
_WARDS_SEEN: dict[tuple[str, int, int, bool], str] = {}


def _map_ward(label: Any, wards: tuple[vocab.Ward, ...], *, strict: bool) -> str:
    """Memoised :func:`vocab.map_ward`, keyed on the identity of ``wards``: hashing the tuple of
    wards on every call cost more than the look-up saved."""
    if not isinstance(label, str):
        return vocab.map_ward(label, wards, strict=strict)
    key = (label, id(wards), len(wards), strict)
    code = _WARDS_SEEN.get(key)
    if code is None:
        code = vocab.map_ward(label, wards, strict=strict)
        if len(_WARDS_SEEN) > 4096:
            _WARDS_SEEN.clear()
        _WARDS_SEEN[key] = code
    return code


_map_age_band = _memo(vocab.map_age_band)
_map_postcode = _memo(vocab.map_postcode_district)
_normalise = _memo(vocab.normalise_label)
_is_declined = _memo(vocab.is_declined)
_TRUE = {"yes", "y", "true", "1", "agree", "i agree", "consent", "consented", "ok"}
_FALSE = {"no", "n", "false", "0", "disagree", "do not agree"}


@dataclass(frozen=True)
class QuestionSpec:
    """One question of a source: where its answer is and what type it has."""

    key: str
    column: str
    type: str
    wording: str = ""
    options: tuple[str, ...] = ()
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    separator: str = ";"

    def __post_init__(self) -> None:
        if self.type not in QUESTION_TYPES:
            raise ValueError(f"question {self.key!r}: type {self.type!r} is not one of {', '.join(QUESTION_TYPES)}")


@dataclass(frozen=True)
class SourceMapping:
    """Where a source keeps each field, and how to read its values."""

    id_column: str
    submitted_at: str | None = None
    date_format: str = "dayfirst"
    wave: str | None = None
    wave_column: str | None = None
    site_column: str | None = None
    consent_column: str | None = None
    age_column: str | None = None
    age_band_column: str | None = None
    sex_column: str | None = None
    gender_identity_column: str | None = None
    ethnicity_column: str | None = None
    ward_column: str | None = None
    postcode_column: str | None = None
    age_bands: tuple[str, ...] = ()
    min_age: int = 0
    max_age: int = 120
    unknown_labels: str = "not_stated"
    recodes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    questions: tuple[QuestionSpec, ...] = ()

    def __post_init__(self) -> None:
        if self.unknown_labels not in ("not_stated", "quarantine"):
            raise ValueError(f"unknown_labels {self.unknown_labels!r}: expected 'not_stated' or 'quarantine'")
        for band in self.age_bands:
            vocab.parse_band(band)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column (or JSON path) the mapping reads."""
        named = (
            self.id_column, self.submitted_at, self.wave_column, self.site_column,
            self.consent_column, self.age_column, self.age_band_column, self.sex_column,
            self.gender_identity_column, self.ethnicity_column, self.ward_column,
            self.postcode_column,
        )
        return tuple(c for c in named if c) + tuple(q.column for q in self.questions)


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
    if type(value) is str:
        return value if value and not value.isspace() else None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def map_record(
    raw: RawRecord,
    source: str,
    mapping: SourceMapping,
    wards: tuple[vocab.Ward, ...] = (),
    now: datetime | None = None,
) -> ResponseRecord:
    """Map one raw record onto a :class:`ResponseRecord`.

    Raises
    ------
    RecordError
        The first field that breaks a rule, with its value, the rule and what was expected.
    """
    now = now or datetime.now(timezone.utc)
    data = raw.data
    plan = _plan_of(mapping)
    get = lambda path: plan.read(data, path)  # noqa: E731
    submitted = parse_datetime(get(mapping.submitted_at), mapping.date_format, now, mapping.submitted_at or "submitted_at")
    demographics = plan.demographics(data, wards)
    answers = plan.answers(data, now)
    wave = mapping.wave if mapping.wave_column is None else _text(get(mapping.wave_column))
    return ResponseRecord(
        source=source,
        external_id=raw.external_id,
        submitted_at=submitted,
        wave=wave,
        site=_text(get(mapping.site_column)),
        consent=_map_consent(mapping.consent_column, get(mapping.consent_column)) if mapping.consent_column else None,
        demographics=demographics,
        answers=answers,
        raw=dict(data),
        content_hash=raw.content_hash,
        location=raw.location,
    )


_MISSING: Any = object()
_CACHED_TYPES = ("scale", "number", "single_choice")  # answers that are pure functions of the cell text
_CACHE_SIZE = 4096


class _Plan:
    """A mapping compiled once per source: recode tables resolved, and answers and demographics
    memoised per distinct cell text (a survey repeats a few labels thousands of times; mapping
    each field anew was most of the ingest time). Errors are never memoised."""

    def __init__(self, mapping: SourceMapping) -> None:
        self.mapping = mapping
        self.recodes = {path: table for path, table in mapping.recodes.items() if table}
        self.questions: list[tuple[QuestionSpec, str, dict[str, AnswerRecord | None] | None]] = [
            (q, q.column, {} if q.type in _CACHED_TYPES else None) for q in mapping.questions]
        self.demographic_columns = tuple(c for c in (
            mapping.age_column, mapping.age_band_column, mapping.sex_column, mapping.gender_identity_column,
            mapping.ethnicity_column, mapping.ward_column, mapping.postcode_column) if c)
        self.wards: tuple[vocab.Ward, ...] | None = None  # held, so the cache below is for these wards only
        self.demographics_seen: dict[tuple[Any, ...], Demographics] = {}

    def read(self, data: Mapping[str, Any], path: str | None) -> Any:
        """:func:`read_value` then the recode table of ``path``."""
        if not path:
            return None
        value = data.get(path, _MISSING)
        if value is _MISSING:
            value = read_value(data, path)
        elif type(value) is str:
            value = value if value and not value.isspace() else None
        else:
            value = _blank_to_none(value)
        if value is None or path not in self.recodes:
            return value
        return _recode(self.mapping, path, value)

    def answers(self, data: Mapping[str, Any], now: datetime) -> tuple[AnswerRecord, ...]:
        """The answers of one record, in question order; memoised on the cell text as read."""
        out: list[AnswerRecord] = []
        for question, column, seen in self.questions:
            cell = data.get(column, _MISSING)
            if seen is not None and type(cell) is str:
                answer = seen.get(cell, _MISSING)
                if answer is _MISSING:
                    answer = _map_answer(question, self.read(data, column), now)
                    if len(seen) < _CACHE_SIZE:
                        seen[cell] = answer
            else:
                answer = _map_answer(question, self.read(data, column), now)
            if answer is not None:
                out.append(answer)
        return tuple(out)

    def demographics(self, data: Mapping[str, Any], wards: tuple[vocab.Ward, ...]) -> Demographics:
        """:func:`_map_demographics`, memoised on the demographic cells of the record as read."""
        get = lambda path: self.read(data, path)  # noqa: E731
        if wards is not self.wards:
            self.wards, self.demographics_seen = wards, {}
        key = tuple(data.get(c) for c in self.demographic_columns)
        if not all(type(v) is str for v in key):
            return _map_demographics(get, self.mapping, wards)
        found = self.demographics_seen.get(key)
        if found is None:
            found = _map_demographics(get, self.mapping, wards)
            if len(self.demographics_seen) < _CACHE_SIZE * 4:
                self.demographics_seen[key] = found
        return found


_PLANS: dict[int, _Plan] = {}


def _plan_of(mapping: SourceMapping) -> _Plan:
    plan = _PLANS.get(id(mapping))
    if plan is None or plan.mapping is not mapping:  # the plan holds its mapping, so ids are not reused
        if len(_PLANS) > 64:
            _PLANS.clear()
        plan = _PLANS[id(mapping)] = _Plan(mapping)
    return plan


def _recode(mapping: SourceMapping, path: str | None, value: Any) -> Any:
    if path is None or value is None:
        return value
    table = mapping.recodes.get(path)
    if table is None:
        return value
    key = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        key = str(int(value))
    return table.get(key, value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _map_demographics(get: Any, mapping: SourceMapping, wards: tuple[vocab.Ward, ...]) -> Demographics:
    strict = mapping.unknown_labels == "quarantine"
    try:
        age = None
        if mapping.age_column:
            age = vocab.map_age(get(mapping.age_column), minimum=mapping.min_age, maximum=mapping.max_age)
        band = _map_band(get, mapping, age, strict)
        ethnicity, group = (None, None)
        if mapping.ethnicity_column:
            ethnicity, group = _map_ethnicity(get(mapping.ethnicity_column), strict=strict)
        return Demographics(
            age=age,
            age_band=band,
            sex=_map_sex(get(mapping.sex_column), strict=strict) if mapping.sex_column else None,
            gender_identity=_map_gender_identity(get(mapping.gender_identity_column)) if mapping.gender_identity_column else None,
            ethnicity=ethnicity,
            ethnic_group=group,
            ward=_map_ward(get(mapping.ward_column), wards, strict=strict) if mapping.ward_column else None,
            postcode_district=_map_postcode(get(mapping.postcode_column)) if mapping.postcode_column else None,
        )
    except VocabularyError as error:
        columns = {"age": mapping.age_column, "age_band": mapping.age_band_column, "sex": mapping.sex_column,
                   "ethnicity": mapping.ethnicity_column, "ward": mapping.ward_column, "postcode_district": mapping.postcode_column}
        column = columns.get(error.field) or error.field
        raise RecordError(column, error.value, "vocabulary", f"expected {error.expected}") from None


def _map_band(get: Any, mapping: SourceMapping, age: int | None, strict: bool) -> str | None:
    if age is not None and mapping.age_bands:
        band = vocab.band_for_age(age, mapping.age_bands)
        if band is None:
            raise VocabularyError("age", age, "an age inside the bands " + ", ".join(mapping.age_bands))
        return band
    if mapping.age_band_column:
        return _map_age_band(get(mapping.age_band_column), mapping.age_bands, strict=strict)
    if mapping.age_column:
        return vocab.NOT_STATED
    return None


def _map_gender_identity(value: Any) -> str:
    text = _normalise(value)
    if text in ("yes", "same", "same as sex registered at birth"):
        return "same_as_sex"
    if text.startswith("no"):
        return "different"
    return vocab.NOT_STATED


def _map_consent(column: str, value: Any) -> bool | None:
    text = _normalise(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if not text:
        return None
    raise RecordError(column, value, "yes_or_no", "expected yes or no")


def _map_answer(question: QuestionSpec, value: Any, now: datetime) -> AnswerRecord | None:
    if value is None or (question.type != "free_text" and _is_declined(value) and not question.options):
        if question.required:
            raise RecordError(question.column, value, "required", f"an answer to {question.column!r} is required")
        return None
    if question.type == "free_text":
        text = str(value)
        if len(text) > MAX_TEXT:
            raise RecordError(question.column, text[:40] + "...", "max_length",
                              f"free text of at most {MAX_TEXT:,} characters (this one has {len(text):,})")
        return AnswerRecord(question.key, question.type, text)
    if question.type in ("scale", "number"):
        return AnswerRecord(question.key, question.type, _map_number(question, value))
    if question.type == "date":
        parsed = parse_datetime(value, "dayfirst", now, question.column)
        return AnswerRecord(question.key, question.type, parsed.date().isoformat() if parsed else None)
    if question.type == "multiple_choice":
        items = value if isinstance(value, list) else str(value).split(question.separator)
        chosen = [_check_option(question, str(item).strip()) for item in items if str(item).strip()]
        return AnswerRecord(question.key, question.type, chosen)
    return AnswerRecord(question.key, question.type, _check_option(question, _text(value) or ""))


def _map_number(question: QuestionSpec, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordError(question.column, value, "number", "expected a number") from None
    low, high = question.minimum, question.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        raise RecordError(question.column, value, "range", f"expected a number from {low} to {high}")
    return number


def _check_option(question: QuestionSpec, value: str) -> str:
    if question.options and value not in question.options:
        folded = {_normalise(o): o for o in question.options}
        match = folded.get(_normalise(value))
        if match is None:
            raise RecordError(question.column, value, "option", "expected one of " + ", ".join(repr(o) for o in question.options))
        return match
    return value


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")


def parse_datetime(value: Any, date_format: str, now: datetime, field_name: str) -> datetime | None:
    """Read a date or date-time: ISO 8601, UK day-first, a strftime format, or an Excel serial.

    Times without a zone are taken as UTC. Dates before 2000 or more than a day in the
    future are refused, as are impossible dates such as 31/04/2023.
    """
    if value is None:
        return None
    parsed = _parse_any_date(value, date_format)
    if parsed is None:
        expected = "a date such as 21/04/2023" if date_format == "dayfirst" else f"a date in the format {date_format!r}"
        raise RecordError(field_name, value, "date", f"expected {expected} (a real calendar date)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if not EARLIEST <= parsed <= now + timedelta(days=1):
        raise RecordError(field_name, value, "date_range", f"expected a date between 2000 and {now:%d/%m/%Y}")
    return parsed


def _parse_any_date(value: Any, date_format: str) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20_000 < value < 80_000:  # an Excel serial day number (1954..2119)
            return datetime.combine(EXCEL_EPOCH, datetime.min.time()) + timedelta(days=float(value))
        return None
    text = str(value).strip()
    if _SERIAL.match(text):  # an Excel serial saved as text in a CSV export
        return _parse_any_date(float(text), date_format)
    if _ISO.match(text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if date_format == "dayfirst" and (match := _UK.match(text)):
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None  # 31/04/2023: not a calendar date
    formats = _DAY_FIRST if date_format == "dayfirst" else (date_format,)
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
