"""Plain records that connectors produce and the store saves."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

QUESTION_TYPES = ("single_choice", "multiple_choice", "scale", "free_text", "number", "date")


@dataclass(frozen=True)
class RawRecord:
    """One record as a source gave it, with the source's own stable id and where it came from."""

    external_id: str
    data: dict[str, Any]
    location: str
    row: int = 0

    @property
    def content_hash(self) -> str:
        """A hash of the record's content, to tell a changed record from an unchanged one."""
        text = json.dumps(self.data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnswerRecord:
    """One answer to one question. ``value`` is str, float, list of str or an ISO date string."""

    question: str
    type: str
    value: Any


@dataclass(frozen=True)
class Demographics:
    """Demographics in our vocabulary (codes as in ``ingest.vocabulary``)."""

    age: int | None = None
    age_band: str | None = None
    sex: str | None = None
    gender_identity: str | None = None
    ethnicity: str | None = None
    ethnic_group: str | None = None
    ward: str | None = None
    postcode_district: str | None = None


@dataclass(frozen=True)
class FieldIssue:
    """One cell that could not be used, while the rest of its response was kept.

    ``field`` is our name for what the cell holds (``ethnicity``, ``age``, a question key),
    ``column`` the file's column, ``rule`` a short name of the rule broken and ``reason`` what
    was expected. The response keeps the field as not stated (demographics) or without that
    answer (questions).
    """

    location: str
    field: str
    column: str
    value: str
    rule: str
    reason: str

    def describe(self) -> str:
        """One line for a person: where, which column, what value and why."""
        return f"{self.location}: {self.column} = {self.value!r}: {self.reason}"


@dataclass(frozen=True)
class ResponseRecord:
    """One response mapped onto the store's vocabulary, ready to be saved."""

    source: str
    external_id: str
    submitted_at: datetime | None
    wave: str | None
    site: str | None
    consent: bool | None
    demographics: Demographics
    answers: tuple[AnswerRecord, ...]
    raw: dict[str, Any]
    content_hash: str
    location: str = ""
    is_suspected_bot: bool = False
    notes: tuple[str, ...] = field(default=())
    field_issues: tuple[FieldIssue, ...] = field(default=())


@dataclass(frozen=True)
class QuarantineRecord:
    """A record that failed a rule: kept whole, with the field, value and rule that failed."""

    source: str
    external_id: str | None
    location: str
    field: str
    value: str
    rule: str
    reason: str
    raw: dict[str, Any]
