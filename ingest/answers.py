"""Answers to questions: one cell (or one column per option) to one :class:`AnswerRecord`.

A cell that breaks its question's rule raises :class:`~ingest.errors.RecordError`; the mapping
keeps the rest of the response and records that one field's issue (only a required answer that
is missing rejects the response).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.codes import DECLINED, normalise_label
from ingest.dates import parse_datetime
from ingest.errors import RecordError
from ingest.records import QUESTION_TYPES, AnswerRecord

MAX_TEXT = 20_000
TICKED = {"1", "1.0", "yes", "y", "true", "ticked", "checked", "selected", "x", "\u2713", "\u2714", "on"}
_REPLACED = re.compile(r"^\s*\?+\s*$")
UNTICKED = {"", "0", "0.0", "no", "n", "false", "unticked", "not selected", "off"}


@dataclass(frozen=True)
class QuestionSpec:
    """One question of a source: where its answer is and what type it has.

    A multiple-choice question is either one column of options joined by ``separator`` (option
    labels that contain the separator are matched first), or one column per option
    (``option_columns``; a cell of 1 / "Yes" / ticked / the option's label means chosen).
    """

    key: str
    column: str
    type: str
    wording: str = ""
    options: tuple[str, ...] = ()
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    separator: str = ";"
    option_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in QUESTION_TYPES:
            raise ValueError(f"question {self.key!r}: type {self.type!r} is not one of {', '.join(QUESTION_TYPES)}")
        if self.option_columns and self.type != "multiple_choice":
            raise ValueError(f"question {self.key!r}: option_columns is for multiple_choice questions only")
        if self.option_columns and self.options and len(self.options) != len(self.option_columns):
            raise ValueError(f"question {self.key!r}: options and option_columns must be the same length")

    @property
    def columns(self) -> tuple[str, ...]:
        """The file columns this question reads."""
        return self.option_columns or ((self.column,) if self.column else ())

    def option_of(self, index: int) -> str:
        """The option label of ``option_columns[index]``: from ``options``, else the column name after " - "."""
        if self.options:
            return self.options[index]
        return self.option_columns[index].rsplit(" - ", 1)[-1].strip()


def map_answer(question: QuestionSpec, value: Any, now: datetime) -> AnswerRecord | None:
    """The answer held in ``value`` (None when blank), checked against the question's rules."""
    _refuse_replaced(question.column or question.key, value)
    if value is None or (question.type != "free_text" and normalise_label(value) in DECLINED and not question.options):
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
        return AnswerRecord(question.key, question.type, _number(question, value))
    if question.type == "date":
        parsed = parse_datetime(value, "dayfirst", now, question.column)
        return AnswerRecord(question.key, question.type, parsed.date().isoformat() if parsed else None)
    if question.type == "multiple_choice":
        items = value if isinstance(value, list) else split_choices(str(value), question.options, question.separator)
        chosen = [check_option(question, str(item).strip()) for item in items if str(item).strip()]
        return AnswerRecord(question.key, question.type, chosen)
    return AnswerRecord(question.key, question.type, check_option(question, _text(value)))


def _refuse_replaced(column: str, value: Any) -> None:
    """Raise for a cell of only "?": Excel's Windows-1252 save put it in place of a character (a tick) it lost.

    Issue 16: such a value must not vanish as "no answer" without a field issue.
    """
    if isinstance(value, str) and _REPLACED.match(value):
        raise RecordError(column, value, "replaced_character",
                          "a '?' is what Excel writes for a character Windows-1252 cannot hold (such as a tick); "
                          "export the file again as CSV UTF-8, or fix the cell")


def gather_ticks(question: QuestionSpec, cells: list[Any]) -> AnswerRecord | None:
    """One answer from one column per option; None when no option is ticked."""
    chosen = []
    for index, cell in enumerate(cells):
        text = normalise_label(cell)
        option = question.option_of(index)
        _refuse_replaced(question.option_columns[index], cell)
        if text in TICKED or (text and text == normalise_label(option)):
            chosen.append(option)
        elif text not in UNTICKED:
            raise RecordError(question.option_columns[index], cell, "ticked",
                              f"expected 1, Yes, a tick, {option!r} or blank for the option {option!r}")
    if not chosen:
        if question.required:
            raise RecordError(question.option_columns[0], None, "required", f"an answer to {question.key!r} is required")
        return None
    return AnswerRecord(question.key, question.type, chosen)


def split_choices(text: str, options: tuple[str, ...], separator: str) -> list[str]:
    """Split a joined multi-select cell, matching known option labels (longest first) before splitting.

    So "Poor lighting, e.g. alleys, Drug dealing" with the option "Poor lighting, e.g. alleys"
    gives two choices, not three.
    """
    found: list[tuple[int, str]] = []
    rest = text
    sep = re.escape(separator.strip() or separator)
    for option in sorted(options, key=len, reverse=True):
        pattern = re.compile(rf"(?:^|(?<={sep}))\s*{re.escape(option)}\s*(?={sep}|$)", re.IGNORECASE)
        while match := pattern.search(rest):
            found.append((match.start(), option))
            rest = rest[:match.start()] + " " * (match.end() - match.start()) + rest[match.end():]
    leftovers = [(rest.find(part), part.strip()) for part in rest.split(separator.strip() or separator) if part.strip()]
    return [item for _, item in sorted(found + leftovers)]


def check_option(question: QuestionSpec, value: str) -> str:
    """``value`` as one of the question's options (case and spacing folded); any value when none are set."""
    if question.options and value not in question.options:
        folded = {normalise_label(o): o for o in question.options}
        match = folded.get(normalise_label(value))
        if match is None:
            raise RecordError(question.column, value, "option", "expected one of " + ", ".join(repr(o) for o in question.options))
        return match
    return value


def _number(question: QuestionSpec, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordError(question.column, value, "number", "expected a number") from None
    low, high = question.minimum, question.maximum
    if math.isnan(number) or (low is not None and number < low) or (high is not None and number > high):
        raise RecordError(question.column, value, "range", f"expected a number from {low} to {high}")
    return number


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
