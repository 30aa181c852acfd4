"""A question's type and options from its values, for ``voice sources suggest``.

Answers are never printed: an option is proposed only when the values look like options (a few
short labels, each given by several respondents, not sentences), so no one's free text is listed,
even where comments repeat (analyst trial 4, finding 14: the same few remarks given by many, split at
", " into "options"). A question whose wording asks for words is free text whatever its values.
Option columns of one question are found four ways: "Question - Option" (a two-row header joined),
"Question: Option" (a school's own workbook) or "Question:Option" (Alchemer), LimeSurvey's
"G02Q07[SQ001]" (a tick or blank under each subquestion code), and columns named by their option
whose cells are that option (Typeform).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ingest.answers import TICKED, UNTICKED
from ingest.codes import normalise_label
from ingest.columns import plain_text

#: Question wording that asks for words, not a choice: always proposed as free text.
FREE_WORDING = (r"^what would|\bcomments?\b|\bwhy\b|please (tell|describe|explain|specify)|anything else|"
                r"in your own words| - text$|\btell us (?:about|why|more|what|how|where)\b|^improve\w*$|"
                r"\bsuggestions?\b|\bfeedback\b|\byour (?:views|ideas|thoughts)\b|\bhow (?:could|can|should) we\b|"
                r"\bwhat (?:could|should|can) (?:we|the council|be done)\b|\bdescribe\b|\bexplain\b")
#: Between a question and its option in one column's name (the first that a name holds is used).
OPTION_MARKS = (" - ", ": ", ":")
#: LimeSurvey's subquestion column: the question's code, then the subquestion's in brackets.
_SUBQUESTION = re.compile(r"^(.+)\[(\w+)\]$")
#: A subquestion that is a write-in, not an option to tick.
_WRITE_IN_CODES = ("other", "comment")
#: Separators of options joined in one cell, tried in turn: ";" (Microsoft Forms), "," without a space
#: after it (Qualtrics), ", " (Google Forms).
SEPARATORS = (";", ",", ", ")


def option_groups(columns: list[str], rows: list[dict[str, Any]]) -> dict[str, tuple[list[str], list[str]]]:
    """Columns holding one option each of a question: (columns, options), keyed by the group's first column.

    Every cell must be a tick, blank or the option's own label; an "Other (please specify)" column
    beside the ticks holds write-ins, so it stays a question of its own.
    """
    by_question: dict[str, list[tuple[str, str]]] = {}
    for column in columns:
        parts = question_and_option(column)
        if parts:
            by_question.setdefault(parts[0], []).append((column, parts[1]))
    groups = {}
    for members in by_question.values():
        ticks = [(c, option) for c, option in members if all(_is_tick(row.get(c), option) for row in rows)]
        if len(ticks) >= 2:
            groups[ticks[0][0]] = ([c for c, _ in ticks], [option for _, option in ticks])
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


def question_and_option(column: str) -> tuple[str, str] | None:
    """A column's name split into (question with its mark, option): "Q? - Lighting" -> ("Q? - ", "Lighting"),
    "G02Q07[SQ001]" -> ("G02Q07[]", "SQ001"); None when it names no option (LimeSurvey's "[other]" write-in)."""
    found = _SUBQUESTION.match(column)
    if found:
        return None if found.group(2).lower() in _WRITE_IN_CODES else (found.group(1) + "[]", found.group(2))
    mark = next((m for m in OPTION_MARKS if m in column), None)
    if not mark:
        return None
    question, option = column.rsplit(mark, 1)
    return question + mark, option


def is_subquestion(column: str) -> bool:
    """True for a LimeSurvey subquestion column ("G02Q07[SQ001]"), whose option is a code, not its text."""
    return bool(_SUBQUESTION.match(column))


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
            if _are_options(parts, 20):
                return ['type = "multiple_choice"', f"separator = {quote(separator)}", *_option_lines(parts)]
    if _are_options(filled, 12):
        return ['type = "single_choice"', *_option_lines(filled)]
    if any("\n" in v for v in filled):
        parts = [p.strip() for v in filled for p in v.splitlines() if p.strip()]
        if _are_options(parts, 20):  # options one to a line (JotForm's tick boxes)
            return ['type = "multiple_choice"', 'separator = "\\n"  # one option per line', *_option_lines(parts)]
    if filled and are_sentences(filled):
        return ['type = "free_text"  # the answers read as sentences: never listed as options']
    return ['type = "free_text"']


def are_sentences(values: list[str]) -> bool:
    """Half the answers or more read as sentences: six words or more, or ending as a sentence ends."""
    return 2 * sum(1 for v in values if _is_sentence(v)) >= len(values)


def _is_sentence(value: str) -> bool:
    return len(re.findall(r"[^\W\d_]+", value)) >= 6 or value.rstrip().endswith((".", "!", "?"))


def split_options(cell: str, separator: str) -> list[str]:
    """The options of one joined cell, keeping a label that holds the separator whole.

    A piece that starts in lower case ("Poor lighting, e.g. alleys and underpasses"), opens a bracket
    that a later piece closes ("Vehicles (cars, bikes)") or, with "," as the separator, starts with a
    space ("Noise, litter or fly-tipping") belongs to the piece before it. With "," a piece in lower case
    right after the comma is an option of its own (Survey123's choice names: "knife_crime,robbery").
    """
    pieces: list[str] = []
    for raw in cell.split(separator):
        piece = raw.strip()
        if not piece:
            continue
        if pieces and ((piece[0].islower() and separator != ",") or pieces[-1].count("(") > pieces[-1].count(")")
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


def _are_options(values: list[str], most: int) -> bool:
    """True when ``values`` look like options: a few short labels, not sentences, each given about twice or
    more on average, and few given by one respondent only (a quarter of the labels at most)."""
    counts = _folded(values)
    return bool(counts) and len(counts) <= most and max(len(v) for v in counts) <= 60 \
        and not any(v.endswith((".", "!", "?")) for v in counts) and len(values) >= 2 * len(counts) \
        and not are_sentences(values) and 4 * sum(1 for n in counts.values() if n == 1) <= len(counts)


def _option_lines(values: list[str]) -> list[str]:
    """The ``options`` line: the labels given by several respondents (one given once may be someone's words)."""
    counts = _folded(values)
    listed = sorted(v for v, n in counts.items() if n > 1)
    once = len(counts) - len(listed)
    note = (f"  # {once} label(s) given by one respondent only are not listed: add any that is an option "
            "('voice sources check' shows their rows)") if once else ""
    return ["options = [" + ", ".join(quote(o) for o in listed) + "]" + note]


def _folded(values: list[str]) -> Counter[str]:
    """How often each label is given, labels differing only in case and spacing counted as one (the mapping
    matches options so), each under its most given spelling ("Yes" for "Yes" and "yes")."""
    spellings: dict[str, Counter[str]] = {}
    for value in values:
        spellings.setdefault(normalise_label(value), Counter())[value] += 1
    return Counter({forms.most_common(1)[0][0]: sum(forms.values()) for forms in spellings.values()})
