"""``voice sources suggest FILE``: a draft ``[sources.KEY]`` section for an export nobody has mapped yet.

:func:`suggest_mapping` looks at the file (encoding, delimiter, where the header is, whether it has
two rows, a Qualtrics export's question-text and ImportId rows), proposes the preset of the tool
whose columns it has, recognises the id, time and demographic columns by their wording and values
(:mod:`ingest.suggest_roles`), finds the date formats that read every date with the mapping's own
reader (:mod:`ingest.suggest_dates`), and proposes a type for each other column from its values
(:mod:`ingest.suggest_questions`). It is a draft for a person to check with ``voice sources check``:
every guess is written as a setting to confirm, never applied on its own.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from ingest.ages import read_band, read_year_group
from ingest.columns import NO_OPTION, ReadNotes, plain_text
from ingest.files import read_file_records
from ingest.mapping import PERSONAL_COLUMN, is_personal_column
from ingest.options import FileOptions
from ingest.presets import MARKS, PRESETS, QUALTRICS_SKIPPED
from ingest.suggest_dates import birth_date_lines, choose_formats, reads_the_same
from ingest.suggest_questions import is_subquestion, option_groups, question_lines, quote
from ingest.suggest_roles import Roles, find_roles, words
from ingest.vocabulary import Ward

_TIME_COLUMN = re.compile(r"^(?:start(?:ed)?|end(?:ed)?|start ?(?:time|date)|end ?(?:time|date)|stage date|submit ?date|"
                          r"recorded date|completion time|completed|last modified(?: time)?|modified|timestamp|"
                          r"date (?:started|submitted|modified)|time started|datestamp|edit ?date|"
                          r"creat(?:ed|ion) ?date)(?: \(utc\))?$")
#: Columns a survey tool adds beside the answers (Qualtrics, SurveyMonkey, SmartSurvey, Typeform, LimeSurvey,
#: Alchemer, Survey123, EngagementHQ).
_TOOL_COLUMN = re.compile(r"^(?:status|response type|progress|duration(?: \(in seconds\))?|finished|distribution channel|"
                          r"user language|external (?:data )?reference|collector id|custom data(?: \d+)?|custom value|"
                          r"tracking link|network id|unique id|last ?page|start ?language|seed|language|"
                          r"legacy comments|object id|user type)$")
#: Columns Citizen Space (and analysts' own workbooks) add beside the answers: tags, codes, notes, review state.
_ANALYST_COLUMN = re.compile(r"^(?:analyst|analysis|coded?|coding|coder|reviewer|moderat)|\b(?:tags?|tagged|"
                             r"coded theme|themes? coded|analyst notes?|notes? by|assigned to|response status|"
                             r"review(?:ed)? (?:status|by)|moderation(?: status)?|flagged by)\b", re.I)
#: Who or where a respondent is (a place, a login, their browser session, the staff member who typed the
#: record): personal data, like a name, though the mapping's name rule does not see it.
_PERSONAL = re.compile(r"\b(?:latitude|longitude|user ?name|login|session ?id|user agent|refer+er|contact id)\b|"
                       r"^(?:creator|editor|city|town|county|country|postal|state ?/ ?(?:region|province))$")
_IMPORT_ID = re.compile(r'^\{"ImportId":')
#: The order roles are written in: consent, then the demographics as a census asks them.
_ORDER = ("consent_column", "sex_column", "gender_identity_column", "age_column", "birth_date_column",
          "school_year_column", "ethnicity_column", "ethnicity_other_column", "ward_column", "postcode_column")
_UK = "Europe/London"
_BY_VALUES = "  # told by its answers alone (the header is a question code): check it is that question"


@dataclass
class _Layout:
    """How the file is laid out: the options to read it with, and a Qualtrics export's extra rows."""

    options: FileOptions = field(default_factory=FileOptions)
    preset: str = ""
    wording: dict[str, str] = field(default_factory=dict)  # Qualtrics' row 2: the question text
    zones: dict[str, str] = field(default_factory=dict)  # Qualtrics' ImportId row: each time's zone


def suggest_mapping(path: Path, key: str = "KEY", n: int = 200, wards: tuple[Ward, ...] = ()) -> str:
    """A draft ``[sources.KEY]`` TOML section for the export at ``path`` (see the module docstring).

    Answers are never printed: a question's options are proposed only when its answers look like
    options (a few short labels, each given by several respondents, none a sentence), so a free-text
    answer is not listed, and columns named like personal data (Name, Email, IP Address) are left out
    with a comment. ``wards`` (the borough's) let a column named by a question code be read as the ward.
    """
    layout = _layout(path)
    notes = ReadNotes()
    records = read_file_records(path, "", options=layout.options, notes=notes)
    rows = [r.data for r in islice(records, n)]
    records.close()  # type: ignore[attr-defined]
    header = notes.columns
    wording = {c: layout.wording.get(c) or notes.column_labels.get(c, c) for c in header}
    marked = next((name for name, marks in MARKS if marks <= set(header)), "snap" if path.suffix == ".sav" else "")
    preset = layout.preset or marked
    defaults = PRESETS[preset]["mapping"] if preset else {}
    roles = find_roles(header, wording, rows, defaults, wards)
    lines = [f"# Draft for {path.name}: check every line, then run 'voice sources check {path.name} --source {key}'.",
             f"[sources.{key}]", f'name = "{path.stem}"', 'kind = "file"',
             "min_age = 0  # set to the youngest age of the population this channel speaks for (16 for the "
             "Community Safety Survey, 11 for a youth survey): representativeness compares it with those residents",
             "max_age = 0  # the oldest age of that population; 0 means no upper limit"]
    if preset:
        lines.append(f'preset = "{preset}"  # the columns look like this tool\'s export')
    lines += ["", f"[sources.{key}.file]", *_file_lines(layout, notes, preset), "", f"[sources.{key}.mapping]"]
    lines += _role_lines(roles, rows, wording, preset, layout.zones)
    rest = [c for c in header if c not in set(roles.columns.values())]
    groups = option_groups(rest, rows)
    options = {c for members, _ in groups.values() for c in members}
    left_out, left_lines = _left_out([c for c in rest if c not in options], defaults, preset)
    lines += left_lines
    for column, labels in roles.recodes.items():
        lines += ["", f"[sources.{key}.mapping.recodes.{quote(column)}]  # {roles.why[column]}"]
        lines += [f"{quote(label)} = {quote(code)}" for label, code in labels.items()]
    lines += _question_blocks(key, [c for c in rest if c not in left_out], rows, wording, groups)
    return "\n".join(lines) + "\n"


def _question_blocks(key: str, columns: list[str], rows: list[dict[str, Any]], wording: dict[str, str],
                     groups: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    grouped = {c for members, _ in groups.values() for c in members[1:]}
    lines: list[str] = []
    for number, column in enumerate((c for c in columns if c not in grouped), start=1):
        lines += ["", f"[[sources.{key}.mapping.questions]]", f'key = "q{number}"']
        if column in groups:
            members, options = groups[column]
            own = members == options  # Typeform: each column is named by its option
            coded = is_subquestion(members[0])  # LimeSurvey: each column is named by a subquestion code
            lines += ['type = "multiple_choice"  # one column per option' + (
                      "; the question's wording is not in the export" if own else
                      "; the options are the survey's subquestion codes: the export holds no option text, so give "
                      "each its label from the survey" if coded else ""),
                      "option_columns = [" + ", ".join(quote(c) for c in members) + "]",
                      "options = [" + ", ".join(quote(o) for o in options) + "]"]
            continue
        lines.append(f"column = {quote(column)}")
        if wording[column] != column:
            lines.append(f"wording = {quote(wording[column])}")
        lines += question_lines(column, wording[column], [row.get(column) for row in rows])
    return lines


def _left_out(columns: list[str], defaults: dict[str, Any], preset: str) -> tuple[set[str], list[str]]:
    """Columns that are not questions (personal data, the tool's times and columns, analysts' notes), with why.

    A column of a question's options ("... - Better street lighting") is never among them: it is an answer.
    """
    dropped = list(defaults.get("drop_columns", ()))
    lines, left_out, to_drop = [], set(), []
    point = {"x", "y"} <= {words(c) for c in columns}  # Survey123's point: where the respondent was
    for column in columns:
        name = words(column)
        if is_personal_column(column) or PERSONAL_COLUMN.search(name) or _PERSONAL.search(name) or (
                point and name in ("x", "y")):
            # A name the mapping's own rule does not take for personal data needs drop_columns.
            why = "looks like personal data: left out of the mapping, and never stored in the raw record"
            if column in dropped:
                why += " (the preset's drop_columns)"
            elif is_personal_column(column):
                why += " (keep_columns would keep it)"
            else:
                to_drop.append(column)
                why += " (the drop_columns above)"
        elif _TIME_COLUMN.match(name):
            why = "is a time the tool recorded: left out of the questions (kept in the raw record)"
        elif _TOOL_COLUMN.match(name):
            why = "is a column the survey tool adds, not an answer: left out of the questions " + (
                "and of the raw record (the preset's drop_columns)" if column in dropped else "(kept in the raw record)")
        elif column in dropped:
            why = f"is a column the {preset} export adds, not an answer: left out of the questions and of the raw " \
                  "record (the preset's drop_columns)"
        elif _ANALYST_COLUMN.search(column.strip()):
            why = ("looks like a column the council's analysts added (tags, themes, notes), not the resident's "
                   "answer: left out of the questions (kept in the raw record)")
        else:
            continue
        left_out.add(column)
        lines.append(f"# {column!r} {why}")
    if to_drop:  # the draft's list replaces the preset's, so it repeats it
        lines.insert(0, "drop_columns = [" + ", ".join(quote(c) for c in [*dropped, *to_drop]) + "]  # personal data "
                     "whose name the mapping's rule does not read as such: never stored")
    return left_out, lines


def _role_lines(roles: Roles, rows: list[dict[str, Any]], wording: dict[str, str], preset: str,
                zones: dict[str, str]) -> list[str]:
    found = roles.columns
    values = {c: [row.get(c) for row in rows] for c in found.values()}
    if "id_column" in found:
        lines = [f"id_column = {quote(found['id_column'])}"]
    else:
        lines = ["row_id = true  # no column holds a different id in every row: the row number is the id "
                 "(safe only for an export whose rows are never re-sorted)"]
    lines += roles.notes
    if "submitted_at" in found:
        column = found["submitted_at"]
        lines += [f"submitted_at = {quote(column)}", *_date_lines(column, values[column], wording[column], preset, zones)]
    lines += [f"{role} = {quote(found[role])}" + (_BY_VALUES if role in roles.by_values else "")
              for role in _ORDER if role in found]
    return lines + _age_lines(found, values)


def _date_lines(column: str, cells: list[Any], wording: str, preset: str, zones: dict[str, str]) -> list[str]:
    defaults = PRESETS[preset]["mapping"] if preset else {}
    first = (defaults.get("date_format", "dayfirst"), *defaults.get("date_formats", ())) if preset else ()
    choice = choose_formats(cells, first)
    if not choice.n_values:
        return []
    if not choice.formats:
        return [f"# no known date format reads a value of {column!r}, e.g. {choice.unread[0]!r}: set date_format "
                "(a strftime format such as \"%d/%m/%Y %H:%M\")"]
    if preset and reads_the_same(cells, first, choice):
        lines = [f"# the {preset} preset's date formats read all {choice.n_read} dates of {column!r}"]
    else:
        rest = choice.then(first)
        lines = [f"date_format = {quote(choice.formats[0])}  # reads {choice.n_read} of {choice.n_values} dates"]
        lines += ["date_formats = [" + ", ".join(quote(f) for f in rest) + "]"] if rest else []
    if choice.unread:
        lines.append(f"# {len(choice.unread)} of {choice.n_values} dates of {column!r} fit no known format, e.g. "
                     f"{choice.unread[0]!r}: add its format (strftime) to date_formats")
    if choice.n_values < len(cells):
        lines.append(f"# {len(cells) - choice.n_values} of {len(cells)} rows read have no {column!r} (an incomplete "
                     "response?): 'voice sources check' shows their rows")
    if choice.is_ambiguous:
        lines.append(f"# every date of {column!r} also reads with day and month the other way round: check which "
                     "the tool writes")
    zone = zones.get(column, "")
    if preset:
        if zone and zone != defaults.get("timezone"):
            lines.append(f"timezone = {quote(zone)}  # the export's ImportId row says its times are in this zone")
    elif "utc" in f"{words(column)} {wording.lower()}":
        lines.append('timezone = ""  # the column\'s name says its times are UTC')
    elif not choice.has_zones:
        lines.append(f'timezone = "{_UK}"  # a time written without a zone is read as UK local time; '
                     '"" would read it as UTC')
    return lines


def _age_lines(found: dict[str, str], values: dict[str, list[Any]]) -> list[str]:
    lines = []
    if "age_column" in found:
        cells = [plain_text(v) for v in values[found["age_column"]] if plain_text(v)]
        spans = [s for s in (read_band(v) for v in cells) if s]
        if spans and 2 * len(spans) >= len(cells):
            bands, n_overlapping = _distinct_bands(spans)
            lines.append("age_bands = [" + ", ".join(quote(_band(s)) for s in bands)
                         + "]  # the bands the answers use; an age outside them quarantines the response")
            if n_overlapping:
                lines.append(f"# {n_overlapping} answer(s) read as a band that overlaps one given more often (a typing "
                             "slip?): not proposed; 'voice sources check' shows their rows")
    elif "school_year_column" in found and "birth_date_column" not in found:
        years = sorted({y for y in (read_year_group(v) for v in values[found["school_year_column"]]) if y})
        if years:
            lines += ["age_bands = [" + ", ".join(quote(_band(s)) for s in _year_bands(years)) + "]",
                      "# a band must hold both ages of a school year (Year N is aged N+4 to N+5), so years next to "
                      "each other share one band; ask the age or date of birth too for finer bands"]
    if "birth_date_column" in found:
        lines += birth_date_lines(values[found["birth_date_column"]])
    if {"age_column", "birth_date_column", "school_year_column"} & set(found):
        lines += ["min_age = 0  # plausibility: an age below this quarantines the response (set the youngest who could answer)",
                  "max_age = 120  # an age above this quarantines the response"]
    return lines


def _distinct_bands(spans: list[tuple[int, int | None]]) -> tuple[list[tuple[int, int | None]], int]:
    """The bands given, most given first, leaving out any that overlaps one given more often ("25-43" typed
    for "25-34"), in age order; and how many answers gave a band left out."""
    counts = Counter(spans)
    kept: list[tuple[int, int | None]] = []
    for span, _ in counts.most_common():
        if not any(_overlap(span, other) for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s[0]), sum(n for span, n in counts.items() if span not in kept)


def _overlap(a: tuple[int, int | None], b: tuple[int, int | None]) -> bool:
    return a[0] <= (b[1] if b[1] is not None else 999) and b[0] <= (a[1] if a[1] is not None else 999)


def _year_bands(years: list[int]) -> list[tuple[int, int | None]]:
    """The fewest bands holding each year's two ages: consecutive years share an age, so they share a band."""
    bands: list[tuple[int, int | None]] = []
    start = previous = years[0]
    for year in [*years[1:], 99]:  # 99 closes the last run
        if year != previous + 1:
            bands.append((start + 4, previous + 5))
            start = year
        previous = year
    return bands


def _band(span: tuple[int, int | None]) -> str:
    low, high = span
    return f"{low}+" if high is None else f"Under {high + 1}" if low == 0 else f"{low}-{high}"


def _layout(path: Path) -> _Layout:
    """Header row and rows from the first dozen rows: the first row about as full as the widest.

    A Qualtrics export (its ImportId JSON row, or its ResponseId and RecordedDate columns) has one
    header row of short names, the question text in row 2 and, since 2018, the JSON in row 3.
    """
    if path.suffix.lower() == ".sav":
        return _Layout()
    notes = ReadNotes()
    grid = list(_grid(path, notes))
    widths = [sum(1 for c in cells if plain_text(c) and not plain_text(c).startswith("column_")) for _, cells in grid]
    if not widths:
        return _Layout()
    if len(grid) > 2 and (_is_import_row(grid[2][1]) or {"ResponseId", "RecordedDate"} <= set(notes.columns)):
        texts = dict(zip(notes.columns, (plain_text(c) for c in grid[1][1])))
        json_row = grid[2][1] if _is_import_row(grid[2][1]) else []
        zones = {c: zone for c, cell in zip(notes.columns, json_row) if (zone := _zone_of(cell))}
        options = FileOptions(skip_rows=(2,), skip_patterns=tuple(QUALTRICS_SKIPPED))
        return _Layout(options, "qualtrics", {c: t for c, t in texts.items() if t}, zones)
    index = next(i for i, w in enumerate(widths) if w >= 0.6 * max(widths))
    below = grid[index + 1][1] if index + 1 < len(grid) else []
    rows = 2 if any(plain_text(c).lower() in NO_OPTION for c in below) else 1
    return _Layout(FileOptions(header_row=grid[index][0], header_rows=rows))


def _is_import_row(cells: list[Any]) -> bool:
    filled = [plain_text(c) for c in cells if plain_text(c)]
    return bool(filled) and 2 * sum(1 for c in filled if _IMPORT_ID.match(c)) > len(filled)


def _zone_of(cell: Any) -> str:
    try:
        found = json.loads(plain_text(cell))
    except ValueError:
        return ""
    return str(found.get("timeZone", "")) if isinstance(found, dict) else ""


def _grid(path: Path, notes: ReadNotes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the first dozen non-blank rows, the first row read as if it were the header."""
    records = read_file_records(path, "", options=FileOptions(summary_patterns=()), notes=notes)
    yield 1, list(notes.columns)
    for record in islice(records, 11):
        yield record.row, list(record.data.values())
    records.close()  # type: ignore[attr-defined]


def _file_lines(layout: _Layout, notes: ReadNotes, preset: str) -> list[str]:
    options = layout.options
    lines = [f"header_row = {options.header_row}", f"header_rows = {options.header_rows}"]
    if notes.encoding:
        lines.append(f'encoding = "{notes.encoding}"')
    if notes.delimiter:
        lines.append(f"delimiter = {quote(notes.delimiter)}")
    if preset == "qualtrics":
        lines.append("# skip_rows = [2] (the question text) and skip_patterns (the ImportId row; Survey Preview, "
                     "Survey Test and Spam responses by their Status) come from the qualtrics preset")
    return lines
