"""``voice sources suggest FILE``: a draft ``[sources.KEY]`` section for an export nobody has mapped yet.

:func:`suggest_mapping` looks at the file (encoding, delimiter, where the header is, whether it has
two rows), recognises the id, date and demographic columns by their question wording, finds the
date formats that read every date, and proposes a type for each other column from its values.
It is a draft for a person to check with ``voice sources check``: every guess is written as a
setting to confirm, never applied on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ingest.answers import TICKED, UNTICKED
from ingest.codes import normalise_label
from ingest.columns import NO_OPTION, ReadNotes, plain_text
from ingest.dates import read_date
from ingest.files import read_file_records
from ingest.mapping import PERSONAL_COLUMN
from ingest.options import FileOptions

ROLES = (  # (mapping key, pattern of the column name or its question wording), first match wins
    ("id_column", r"^(response ?id|respondent ?(id|no|number)?|userno|user ?id|unique ?id|id|ref|pupil ref|case ?id)$"),
    ("submitted_at", r"submitted|completion time|completed|timestamp|^ended$|^end date|^date$|date submitted"),
    ("consent_column", r"consent|\bagree\b|permission to use"),
    ("gender_identity_column", r"same as the sex|gender .*same|same as your sex"),
    ("ethnicity_other_column", r"ethnic.*(other|specify|describe)"),
    ("ethnicity_column", r"ethnic"),
    ("sex_column", r"\bsex\b|\bgender\b|are you male or female"),
    ("birth_date_column", r"date of birth|\bdob\b|birth ?date"),
    ("school_year_column", r"year group|school year|^(year|yr)$"),
    ("age_column", r"\bage\b|how old"),
    ("ward_column", r"\bward\b"),
    ("postcode_column", r"post ?code"),
)
#: Question wording that asks for words, not a choice: always proposed as free text.
FREE_WORDING = r"^what would|\bcomments?\b|\bwhy\b|please (tell|describe|explain)|anything else|in your own words"
DATE_FORMATS = ("iso", "dayfirst", "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M:%S")
PRESET_MARKS = (("smartsurvey", {"UserNo"}), ("citizen_space", {"Response ID", "Submitted on"}),
                ("microsoft_forms", {"ID", "Start time", "Completion time"}), ("google_forms", {"Timestamp"}))


def suggest_mapping(path: Path, key: str = "KEY", n: int = 200) -> str:
    """A draft ``[sources.KEY]`` TOML section for the export at ``path`` (see the module docstring).

    Answers are never printed: a question's options are proposed only when each is given by
    several respondents (a free-text answer is never listed), and columns named like personal
    data (Name, Email, IP Address) are left out with a comment.
    """
    options = _layout(path)
    notes = ReadNotes()
    rows = [r.data for r in islice(read_file_records(path, "", options=options, notes=notes), n)]
    header = notes.columns
    wording = {c: notes.column_labels.get(c, c) for c in header}  # SPSS: the variable label is the question
    roles = _roles(header, wording)
    lines = [f"# Draft for {path.name}: check every line, then run 'voice sources check {path.name} --source {key}'.",
             f"[sources.{key}]", f'name = "{path.stem}"', 'kind = "file"',
             "min_age = 0  # set to the youngest age of the population this channel speaks for (16 for the "
             "Community Safety Survey, 11 for a youth survey): representativeness compares it with those residents",
             "max_age = 0  # the oldest age of that population; 0 means no upper limit"]
    preset = next((name for name, marks in PRESET_MARKS if marks <= set(header)), "snap" if path.suffix == ".sav" else "")
    if preset:
        lines.append(f'preset = "{preset}"  # the columns look like this tool\'s export')
    lines += ["", f"[sources.{key}.file]", *_file_lines(options, notes), "", f"[sources.{key}.mapping]"]
    lines += _role_lines(roles, rows)
    rest = [c for c in header if c not in set(roles.values())]
    personal = [c for c in rest if PERSONAL_COLUMN.search(c.replace("_", " "))]
    lines += [f"# {c!r} looks like personal data: left out of the mapping, and never stored in the raw record "
              "(keep_columns would keep it)" for c in personal]
    times = [c for c in rest if c not in personal and _TIME_COLUMN.match(c.strip())]
    lines += [f"# {c!r} is a time the tool recorded: left out of the questions (kept in the raw record)" for c in times]
    analysts = [c for c in rest if c not in personal and c not in times and _ANALYST_COLUMN.search(c.strip())]
    lines += [f"# {c!r} looks like a column the council's analysts added (tags, themes, notes), not the resident's "
              "answer: left out of the questions (kept in the raw record)" for c in analysts]
    personal += times + analysts
    groups = _option_groups([c for c in rest if c not in personal], rows)
    number = 0
    for column in rest:
        if column in personal or any(column in g[1:] for g in groups.values()):
            continue
        number += 1
        head = ["", f"[[sources.{key}.mapping.questions]]", f'key = "q{number}"']
        if column in groups:
            options_of = [c.rsplit(" - ", 1)[1] for c in groups[column]]
            lines += [*head, 'type = "multiple_choice"  # one column per option',
                      "option_columns = [" + ", ".join(_quote(c) for c in groups[column]) + "]",
                      "options = [" + ", ".join(_quote(o) for o in options_of) + "]"]
            continue
        lines += [*head, f"column = {_quote(column)}"]
        if wording[column] != column:
            lines.append(f"wording = {_quote(wording[column])}")
        is_open = bool(re.search(FREE_WORDING, wording[column], re.IGNORECASE)) or "please specify" in column.lower()
        lines += ['type = "free_text"'] if is_open else _question_lines([row.get(column) for row in rows])
    return "\n".join(lines) + "\n"


_TIME_COLUMN = re.compile(r"^(?:start(?:ed)?|end(?:ed)?|start time|end time|completion time|completed|"
                          r"last modified(?: time)?|modified|timestamp|date (?:started|submitted|modified))$", re.I)


#: Columns Citizen Space (and analysts' own workbooks) add beside the answers: tags, codes, notes, review state.
_ANALYST_COLUMN = re.compile(r"^(?:analyst|analysis|coded?|coding|coder|reviewer|moderat)|\b(?:tags?|tagged|"
                             r"coded theme|themes? coded|analyst notes?|notes? by|assigned to|response status|"
                             r"review(?:ed)? (?:status|by)|moderation(?: status)?|flagged by)\b", re.I)


def _option_groups(columns: list[str], rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Columns "Question - Option" sharing a question, whose cells are ticks or the option: one multi-select each.

    Keyed by the group's first column (where the question is proposed).
    """
    by_question: dict[str, list[str]] = {}
    for column in columns:
        if " - " in column:
            by_question.setdefault(column.rsplit(" - ", 1)[0], []).append(column)
    groups = {}
    for members in by_question.values():
        # An "Other (please specify)" column beside the ticks holds write-ins: it stays a question of its own.
        ticks = [c for c in members if all(_is_tick(row.get(c), c.rsplit(" - ", 1)[1]) for row in rows)]
        if len(ticks) >= 2:
            groups[ticks[0]] = ticks
    return groups


def _is_tick(value: Any, option: str) -> bool:
    text = normalise_label(value)
    return text in TICKED or text in UNTICKED or text == normalise_label(option)


def _layout(path: Path) -> FileOptions:
    """Header row and rows from the first dozen rows: the first row about as full as the widest."""
    if path.suffix.lower() == ".sav":
        return FileOptions()
    notes = ReadNotes()
    grid = list(_grid(path, notes))
    widths = [sum(1 for c in cells if plain_text(c) and not plain_text(c).startswith("column_")) for _, cells in grid]
    if not widths:
        return FileOptions()
    index = next(i for i, w in enumerate(widths) if w >= 0.6 * max(widths))
    below = grid[index + 1][1] if index + 1 < len(grid) else []
    rows = 2 if any(plain_text(c).lower() in NO_OPTION for c in below) else 1
    return FileOptions(header_row=grid[index][0], header_rows=rows)


def _grid(path: Path, notes: ReadNotes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the first dozen non-blank rows, the first row read as if it were the header."""
    records = read_file_records(path, "", options=FileOptions(summary_patterns=()), notes=notes)
    yield 1, list(notes.columns)
    for record in islice(records, 11):
        yield record.row, list(record.data.values())
    records.close()  # type: ignore[attr-defined]


def _roles(header: tuple[str, ...], wording: dict[str, str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for column in header:
        for role, pattern in ROLES:
            if role not in roles and (re.search(pattern, column, re.IGNORECASE)
                                      or re.search(pattern, wording.get(column, column), re.IGNORECASE)):
                roles[role] = column
                break
    return roles


def _file_lines(options: FileOptions, notes: ReadNotes) -> list[str]:
    lines = [f"header_row = {options.header_row}", f"header_rows = {options.header_rows}"]
    if notes.encoding:
        lines.append(f'encoding = "{notes.encoding}"')
    if notes.delimiter:
        lines.append(f"delimiter = {_quote(notes.delimiter)}")
    return lines


def _role_lines(roles: dict[str, str], rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"{role} = {_quote(column)}" for role, column in roles.items()]
    if "id_column" not in roles:
        lines.insert(0, "row_id = true  # no id column recognised: the row number is the id")
    dates = [row.get(roles["submitted_at"]) for row in rows] if "submitted_at" in roles else []
    dates = [d for d in dates if d not in (None, "")]
    if dates:
        good = [f for f in DATE_FORMATS if all(read_date(d, f) is not None for d in dates)]
        lines.append("date_formats = [" + ", ".join(_quote(f) for f in good) + "]" if good else
                     f"# no known date format reads every value of {roles['submitted_at']!r}, e.g. {dates[0]!r}")
    if "age_column" in roles:
        lines += ["min_age = 0  # plausibility: an age below this quarantines the response (set the youngest who could answer)",
                  "max_age = 120  # an age above this quarantines the response"]
    return lines


def _question_lines(values: list[Any]) -> list[str]:
    """A type (and options) for one column from its values; answers given by one person are never listed."""
    filled = [plain_text(v) for v in values if plain_text(v)]
    numbers = [float(v) for v in filled if re.fullmatch(r"-?\d+(\.\d+)?", v)]
    if filled and len(numbers) >= 0.8 * len(filled) and all(x.is_integer() for x in numbers) \
            and max(numbers) - min(numbers) <= 10:
        others = len(filled) - len(numbers)
        note = f"  # {others} cell(s) are not numbers: each will be a field issue" if others else ""
        return [f'type = "scale"{note}', f"minimum = {int(min(numbers))}", f"maximum = {int(max(numbers))}"]
    if filled and len(numbers) == len(filled):
        return ['type = "number"']
    for separator in (";", ", "):
        if any(separator in v for v in filled):
            parts = [part for v in filled for part in _split_options(v, separator)]
            if _repeats(parts, 20):
                options = sorted(set(parts))
                return ['type = "multiple_choice"', f"separator = {_quote(separator)}",
                        "options = [" + ", ".join(_quote(o) for o in options) + "]"]
    if _repeats(filled, 12):
        return ['type = "single_choice"', "options = [" + ", ".join(_quote(o) for o in sorted(set(filled))) + "]"]
    return ['type = "free_text"']


def _split_options(cell: str, separator: str) -> list[str]:
    """The options of one joined cell, keeping a label that holds the separator whole.

    A piece that starts in lower case ("Poor lighting, e.g. alleys") or opens a bracket that a later
    piece closes ("Vehicles (cars, bikes)") belongs to the piece before it.
    """
    pieces: list[str] = []
    for piece in (p.strip() for p in cell.split(separator.strip())):
        if not piece:
            continue
        if pieces and (piece[0].islower() or pieces[-1].count("(") > pieces[-1].count(")")):
            pieces[-1] += separator.strip() + " " + piece
        else:
            pieces.append(piece)
    return pieces


def _repeats(values: list[str], most: int) -> bool:
    """True when ``values`` look like options: a few short labels, each given about twice or more on average."""
    distinct = set(values)
    return bool(distinct) and len(distinct) <= most and max(len(v) for v in distinct) <= 40 \
        and not any(v.endswith((".", "!", "?")) for v in distinct) and len(values) >= 2 * len(distinct)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'
