"""A question's type and options from its values, for ``voice sources suggest``.

Answers are never printed: an option is proposed only when the values look like options (a few
short labels, given again and again), so no one's free text is listed. Option columns of one
question are found three ways: "Question - Option" (a two-row header joined), "Question: Option"
(a school's own workbook) and columns named by their option whose cells are that option (Typeform).
"""

from __future__ import annotations

import re
from typing import Any

from ingest.answers import TICKED, UNTICKED
from ingest.codes import normalise_label
from ingest.columns import plain_text

#: Question wording that asks for words, not a choice: always proposed as free text.
FREE_WORDING = (r"^what would|\bcomments?\b|\bwhy\b|please (tell|describe|explain|specify)|anything else|"
                r"in your own words| - text$")
#: Between a question and its option in one column's name.
OPTION_MARKS = (" - ", ": ")
#: Separators of options joined in one cell, tried in turn: ";" (Microsoft Forms), "," without a space
#: after it (Qualtrics), ", " (Google Forms).
SEPARATORS = (";", ",", ", ")


def option_groups(columns: list[str], rows: list[dict[str, Any]]) -> dict[str, tuple[list[str], list[str]]]:
    """Columns holding one option each of a question: (columns, options), keyed by the group's first column.

    Every cell must be a tick, blank or the option's own label; an "Other (please specify)" column
    beside the ticks holds write-ins, so it stays a question of its own.
    """
    by_question: dict[tuple[str, str], list[str]] = {}
    for column in columns:
        mark = next((m for m in OPTION_MARKS if m in column), None)
        if mark:
            by_question.setdefault((column.rsplit(mark, 1)[0], mark), []).append(column)
    groups = {}
    for (_, mark), members in by_question.items():
        ticks = [c for c in members if all(_is_tick(row.get(c), c.rsplit(mark, 1)[1]) for row in rows)]
        if len(ticks) >= 2:
            groups[ticks[0]] = (ticks, [c.rsplit(mark, 1)[1] for c in ticks])
    grouped = {c for members, _ in groups.values() for c in members}
    run: list[str] = []
    for column in [*columns, ""]:  # "" ends the last run
        if column and column not in grouped and _is_own_label(column, rows):
            run.append(column)
            continue
        if len(run) >= 2:
            groups[run[0]] = (run, list(run))
        run = []
    return groups


def question_lines(column: str, wording: str, values: list[Any]) -> list[str]:
    """The ``type`` line (and its options or range) of one question, from its wording and values."""
    if re.search(FREE_WORDING, wording, re.IGNORECASE) or re.search(r"please specify|_TEXT$", column, re.IGNORECASE):
        return ['type = "free_text"']
    filled = [plain_text(v) for v in values if plain_text(v)]
    numbers = [float(v) for v in filled if re.fullmatch(r"-?\d+(\.\d+)?", v)]
    if filled and len(numbers) >= 0.8 * len(filled) and all(x.is_integer() for x in numbers) \
            and max(numbers) - min(numbers) <= 10:
        others = len(filled) - len(numbers)
        note = f"  # {others} cell(s) are not numbers: each will be a field issue" if others else ""
        return [f'type = "scale"{note}', f"minimum = {int(min(numbers))}", f"maximum = {int(max(numbers))}"]
    if filled and len(numbers) == len(filled):
        return ['type = "number"']
    for separator in SEPARATORS:
        if any(_joins(v, separator) for v in filled):
            parts = [part for v in filled for part in split_options(v, separator)]
            if _repeats(parts, 20):
                return ['type = "multiple_choice"', f"separator = {quote(separator)}",
                        "options = [" + ", ".join(quote(o) for o in sorted(set(parts))) + "]"]
    if _repeats(filled, 12):
        return ['type = "single_choice"', "options = [" + ", ".join(quote(o) for o in sorted(set(filled))) + "]"]
    return ['type = "free_text"']


def split_options(cell: str, separator: str) -> list[str]:
    """The options of one joined cell, keeping a label that holds the separator whole.

    A piece that starts in lower case ("Poor lighting, e.g. alleys and underpasses"), opens a bracket
    that a later piece closes ("Vehicles (cars, bikes)") or, with "," as the separator, starts with a
    space ("Noise, litter or fly-tipping") belongs to the piece before it.
    """
    pieces: list[str] = []
    for raw in cell.split(separator):
        piece = raw.strip()
        if not piece:
            continue
        if pieces and (piece[0].islower() or pieces[-1].count("(") > pieces[-1].count(")")
                       or (separator == "," and raw[:1].isspace())):
            pieces[-1] += separator + raw.rstrip()
        else:
            pieces.append(piece)
    return pieces


def quote(text: str) -> str:
    """``text`` as a TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


def _joins(value: str, separator: str) -> bool:
    if separator == ",":
        return bool(re.search(r",\S", value))
    return separator in value


def _is_tick(value: Any, option: str) -> bool:
    text = normalise_label(value)
    return text in TICKED or text in UNTICKED or text == normalise_label(option)


def _is_own_label(column: str, rows: list[dict[str, Any]]) -> bool:
    """Every filled cell is the column's own name (Typeform's multi-select), and at least one is filled."""
    cells = [plain_text(row.get(column)) for row in rows]
    return any(cells) and all(not c or c == column for c in cells)


def _repeats(values: list[str], most: int) -> bool:
    """True when ``values`` look like options: a few short labels, each given about twice or more on average."""
    distinct = set(values)
    return bool(distinct) and len(distinct) <= most and max(len(v) for v in distinct) <= 60 \
        and not any(v.endswith((".", "!", "?")) for v in distinct) and len(values) >= 2 * len(distinct)
