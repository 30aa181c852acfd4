"""Check one submission of the residents' QR-code form and turn it into a :class:`ResponseRecord`.

Pure: it takes the submitted fields as a plain mapping and returns either a record or the list of
fields that need another look. Errors are codes (``required``, ``too_long``, ...) with the numbers
a message needs, so the page can say them in the resident's language. Text is cleaned here
(Unicode NFC, control characters removed); it is always escaped when shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ingest.errors import RecordError
from ingest.mapping import QuestionSpec, SourceMapping, map_record
from ingest.records import RawRecord, ResponseRecord
from ingest.vocabulary import (
    ETHNICITIES,
    NOT_STATED,
    SEXES,
    Ward,
    map_postcode_district,
    parse_band,
)

#: Fields of the optional "about you" part of the form, as stored in the record.
ABOUT_FIELDS = ("age_band", "sex", "ethnicity", "ward", "postcode_district")
#: The hidden field people never see; anything typed into it marks a suspected bot.
HONEYPOT = "website"
# C0 and C1 control characters, except tab and newline (kept in free text), and
# zero-width/bidi controls that can hide or reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MAX_FIELD = 200


@dataclass(frozen=True)
class FormSpec:
    """What one form asks: its questions (a configured question set) and the answer lists."""

    source: str
    mapping: SourceMapping
    questions: tuple[QuestionSpec, ...]
    wards: tuple[Ward, ...] = ()
    max_text: int = 1000
    # Consent is asked only when it is the lawful basis (a council's public task needs none); then a
    # resident in an age band below ``consent_min_age`` needs a parent's or carer's agreement too
    # (UK GDPR Article 8 sets 13 for online services offered to children).
    asks_consent: bool = True
    consent_min_age: int = 13


@dataclass(frozen=True)
class FieldError:
    """One field that needs another look: its name, a rule code, and numbers for the message."""

    field: str
    rule: str
    params: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FormResult:
    """The outcome of :func:`check_submission`: a record, or errors and the cleaned values to show again."""

    values: Mapping[str, Any]
    errors: tuple[FieldError, ...] = ()
    record: ResponseRecord | None = None

    @property
    def is_valid(self) -> bool:
        """True when the submission can be stored."""
        return not self.errors and self.record is not None


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """Normalise a submitted text: NFC, no control characters, trimmed; newlines only if ``multiline``.

    >>> clean_text(" caf\\u0065\\u0301\\x00 ")
    'café'
    """
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("", text).strip()


def suspect_bot(honeypot: str, seconds_taken: float | None, min_seconds: float) -> tuple[str, ...]:
    """Reasons to suspect a submission came from a bot: a filled honeypot, or an impossibly quick answer.

    Parameters
    ----------
    honeypot
        What arrived in the hidden field people never see (empty for people).
    seconds_taken
        Seconds between the form being served and sent; ``None`` when unknown.
    min_seconds
        The least time a person needs to answer.
    """
    reasons = []
    if clean_text(honeypot):
        reasons.append("honeypot")
    if seconds_taken is not None and seconds_taken < min_seconds:
        reasons.append("too_fast")
    return tuple(reasons)


def check_submission(
    data: Mapping[str, Any],
    spec: FormSpec,
    *,
    external_id: str,
    site: str,
    now: datetime,
    bot_reasons: Sequence[str] = (),
) -> FormResult:
    """Check a submitted form; return a record ready to save, or the fields to fix.

    Parameters
    ----------
    data
        Field name to value (or list of values for multiple-choice questions), as posted.
    spec
        The questions asked and the lists answers must come from.
    external_id
        The submission's id (from the idempotency token issued with the form).
    site
        The QR site's code.
    now
        The time of submission (timezone-aware).
    bot_reasons
        From :func:`suspect_bot`; a non-empty list keeps the response but flags it.
    """
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for question in spec.questions:
        value, error = _check_answer(question, data.get(question.key), spec.max_text)
        values[question.key] = value
        if error:
            errors.append(error)
    about, about_errors = _check_about(data, spec)
    values.update(about)
    errors.extend(about_errors)
    errors.extend(_check_consent(data, spec, values))
    if errors:
        return FormResult(values=values, errors=tuple(errors))
    raw = _raw_record(values, spec, external_id, site, now, bot_reasons)
    try:
        record = map_record(RawRecord(external_id, raw, f"form {site}"), spec.source, _form_mapping(spec), spec.wards, now)
    except RecordError as error:  # a rule of the mapping the checks above did not foresee
        return FormResult(values=values, errors=(FieldError(str(error.field), "invalid"),))
    return FormResult(values=values, record=replace(record, is_suspected_bot=bool(bot_reasons)))


_UNASKED: dict[int, tuple[SourceMapping, SourceMapping]] = {}


def _form_mapping(spec: FormSpec) -> SourceMapping:
    """The form's mapping; when the form does not ask for consent (another lawful basis), without its
    consent column, so the consent it never asked for is not read as a blank consent (issue 16 quarantines those)."""
    if spec.asks_consent or not spec.mapping.consent_column:
        return spec.mapping
    found = _UNASKED.get(id(spec.mapping))
    if found is None or found[0] is not spec.mapping:
        if len(_UNASKED) > 16:
            _UNASKED.clear()
        found = _UNASKED[id(spec.mapping)] = (spec.mapping, replace(spec.mapping, consent_column=None))
    return found[1]


def _check_consent(data: Mapping[str, Any], spec: FormSpec, values: dict[str, Any]) -> list[FieldError]:
    """Record consent (``None`` when not asked); a child under the consent age needs a parent's agreement too."""
    if not spec.asks_consent:
        values["consent"] = None
        return []
    values["consent"] = clean_text(_first(data.get("consent"))) == "yes"
    values["parent_consent"] = clean_text(_first(data.get("parent_consent"))) == "yes"
    errors = [] if values["consent"] else [FieldError("consent", "consent")]
    band = values.get("age_band") or ""
    if band and band != NOT_STATED:
        low, high = parse_band(band)
        if high is not None and high < spec.consent_min_age and not values["parent_consent"]:
            errors.append(FieldError("parent_consent", "parent_consent", {"minimum": spec.consent_min_age}))
    return errors


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _check_answer(question: QuestionSpec, value: Any, max_text: int) -> tuple[Any, FieldError | None]:
    if question.type == "multiple_choice":
        items = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        chosen = [clean_text(item)[:_MAX_FIELD] for item in items]
        if any(item not in question.options for item in chosen):
            return [c for c in chosen if c in question.options], FieldError(question.key, "option")
        if question.required and not chosen:
            return chosen, FieldError(question.key, "required")
        return list(dict.fromkeys(chosen)), None
    if question.type == "free_text":
        text = clean_text(_first(value), multiline=True)
        if len(text) > max_text:
            return text, FieldError(question.key, "too_long", {"maximum": max_text, "n_over": len(text) - max_text})
        if question.required and not text:
            return text, FieldError(question.key, "required")
        return text, None
    text = clean_text(_first(value))[:_MAX_FIELD]
    if not text:
        return "", FieldError(question.key, "required") if question.required else None
    if question.type in ("scale", "number"):
        low = int(question.minimum) if question.minimum is not None else 0
        high = int(question.maximum) if question.maximum is not None else 10
        if not text.isdigit() or not low <= int(text) <= high:
            return "", FieldError(question.key, "range", {"minimum": low, "maximum": high})
        return text, None
    if question.options and text not in question.options:
        return "", FieldError(question.key, "option")
    return text, None


def _check_about(data: Mapping[str, Any], spec: FormSpec) -> tuple[dict[str, str], list[FieldError]]:
    allowed = {
        "age_band": set(spec.mapping.age_bands),
        "sex": set(SEXES),
        "ethnicity": set(ETHNICITIES),
        "ward": {w.code for w in spec.wards},
    }
    values: dict[str, str] = {}
    errors: list[FieldError] = []
    for name, options in allowed.items():
        text = clean_text(_first(data.get(name)))[:_MAX_FIELD]
        if text and text != NOT_STATED and text not in options:
            errors.append(FieldError(name, "option"))
            text = ""
        values[name] = text
    typed = clean_text(_first(data.get("postcode_district")))[:_MAX_FIELD]
    district = map_postcode_district(typed) if typed else None
    if typed and district is None:
        errors.append(FieldError("postcode_district", "postcode"))
    # Only the outward code is kept: a full postcode could point at one home.
    values["postcode_district"] = district or ""
    return values, errors


def _raw_record(values: Mapping[str, Any], spec: FormSpec, external_id: str, site: str, now: datetime,
                bot_reasons: Sequence[str]) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": external_id, "submitted_at": now.isoformat(timespec="seconds"), "site": site,
                           "consent": "" if values["consent"] is None else ("yes" if values["consent"] else "no")}
    for question in spec.questions:
        value = values[question.key]
        if value not in ("", []):
            raw[question.column] = value
    for name in ABOUT_FIELDS:
        if values[name]:
            raw[name] = values[name]
    if bot_reasons:
        raw["suspected_bot"] = list(bot_reasons)
    return raw
