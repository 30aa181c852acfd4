"""Which column plays which part of a mapping (id, time, consent, demographics), for ``voice sources suggest``.

A column is recognised by its name or question wording, then confirmed by its values wherever the
wording alone misleads (analyst trial 3): an id must hold a different value in every row read
(Typeform's hidden field ``ref`` held "poster", "insta" or nothing), a consent column answers that
read as yes or no, a time column dates the mapping's reader reads, and a question such as "Which of
these describes you?" is the sex column only when most of its answers read as a sex. The mostly blank
column right after the ethnicity question that asks for "other" (or names ethnicity again) is its write-in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ingest.columns import plain_text
from ingest.errors import RecordError, VocabularyError
from ingest.mapping import SourceMapping, map_record
from ingest.records import RawRecord
from ingest.suggest_dates import choose_formats
from ingest.suggest_values import role_by_values, says_nothing
from ingest.vocabulary import Ward, map_sex

#: (mapping key, pattern of the column's name or wording); the first role a column matches is its role.
ROLES = (
    ("consent_column", r"consent|\bagree\b|permission to use|privacy notice|happy for (?:my|your|us|you)\b|\bok to (?:share|use)\b|"
                       r"data protection|\bgdpr\b"),
    ("gender_identity_column", r"same as the sex|gender .*same|same as your sex"),
    ("ethnicity_other_column", r"ethnic.*\b(?:other|specify|describe)"),
    ("ethnicity_column", r"ethnic"),
    ("sex_column", r"\bsex\b|\bgender\b|are you male or female"),
    ("birth_date_column", r"date of birth|\bdob\b|birth ?date"),
    ("school_year_column", r"year group|school year|^(?:year|yr)$"),
    ("age_column", r"\bage\b|how old"),
    ("ward_column", r"\bward\b"),
    ("postcode_column", r"post ?code|\bzip ?code\b|\bpostal code\b"),
)
#: Wording that says a role only when the values agree: "Are you...?" and "Which best describes you?"
#: (sex, when most answers read as a sex), "Which area do you live in?" (ward, when the answers are
#: short place names).
BY_VALUES = (
    ("sex_column", r"describes? you\b|^are you\W*$|^(?:boy|girl)\s*(?:/|or)\s*(?:boy|girl)\W*$"),
    ("ward_column", r"which area do you live|where do you live|area (?:do )?you live in"),
)
#: Id names in order of preference: the tools' own response ids (Survey123's GlobalID, which stays with a
#: response, before its ObjectID, a row number of the layer), then names any table may use.
ID_NAMES = (r"^(?:#|response ?id|respondent ?id|user ?no|id|(?:contribution|submission|global) ?id|response no\.?)$",
            r"^(?:respondent ?(?:no|number)|user ?id|unique ?id|ref|reference|pupil ref|case ?id|record ?id|object ?id|"
            r"response (?:number|ref)|(?:form|entry|submission) ?(?:no\.?|number|id|ref))$")
#: Time names in order of preference (Qualtrics' RecordedDate before its EndDate, Typeform's submit date).
TIME_NAMES = (r"^recorded ?date$",
              r"^(?:submit(?:ted)?(?: ?(?:date|at|on|time))?|date submitted|submission ?(?:date|time))(?: \(utc\))?$",
              r"^(?:completion time|completed(?: (?:at|on))?|ended|end ?date|end time)$",
              r"^(?:created(?: (?:date|at|on|time))?|creation ?date|date created)$",
              r"^(?:timestamp|date|date and time)$",
              r"submitted|completion time|timestamp")
_OTHER_WRITE_IN = re.compile(r"\bother\b|specify|describe|ethnic", re.I)
_CONSENT = SourceMapping(row_id=True, consent_column="consent")


@dataclass
class Roles:
    """Columns recognised, comments on columns passed over, and labels to recode (with why, by column)."""

    columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    recodes: dict[str, dict[str, str]] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    #: The roles told by their values alone (a column named by a question code).
    by_values: set[str] = field(default_factory=set)


def words(column: str) -> str:
    """A column name as lower-case words: "ResponseId" -> "response id", "Q5_19_TEXT" -> "q5 19 text"."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", column).replace("_", " ")
    return re.sub(r"\s+", " ", spaced).strip().lower()


def find_roles(header: Sequence[str], wording: dict[str, str], rows: list[dict[str, Any]],
               preset: dict[str, Any], wards: tuple[Ward, ...] = ()) -> Roles:
    """The role of each column of ``header`` that has one (see the module docstring).

    ``wards`` (the borough's) let a column named by a question code be taken for the ward by its values.
    """
    roles = Roles()
    values = {c: [row.get(c) for row in rows] for c in header}
    texts = {c: (words(c), wording.get(c, c).strip().lower()) for c in header}
    _pick_id(roles, header, texts, values, preset.get("id_column", ""))
    _pick_time(roles, header, texts, values, preset.get("submitted_at", ""))
    taken = set(roles.columns.values())
    for column in header:
        if column in taken:
            continue
        role = _role_of(column, texts[column], values[column], roles)
        if role:
            roles.columns[role] = column
    _pick_by_values(roles, header, wording, values, wards)
    _pick_write_in(roles, header, texts, values)
    _recode_initials(roles, values)
    return roles


def _role_of(column: str, texts: tuple[str, str], cells: list[Any], roles: Roles) -> str | None:
    def says(pattern: str) -> bool:
        return any(re.search(pattern, text, re.IGNORECASE) for text in texts)

    for role, pattern in ROLES:
        if role in roles.columns or not says(pattern):
            continue
        if role == "consent_column" and not _is_consent(column, cells, roles):
            continue
        return role
    for role, pattern in BY_VALUES:
        if role not in roles.columns and says(pattern) and _FITS[role](column, cells):
            return role
    return None


def _pick_by_values(roles: Roles, header: Sequence[str], wording: dict[str, str], values: dict[str, list[Any]],
                    wards: tuple[Ward, ...]) -> None:
    """Roles for the columns named by a question code (LimeSurvey's ``G01Q03``), told by their values."""
    coded = [c for c in header if c not in set(roles.columns.values()) and says_nothing(c, wording.get(c, c))]
    for column in coded:
        role = role_by_values(values[column], wards, set(roles.columns), column == coded[0], consent_of)
        if role:
            roles.columns[role] = column
            roles.by_values.add(role)


def _pick_id(roles: Roles, header: Sequence[str], texts: dict[str, tuple[str, str]], values: dict[str, list[Any]],
             preferred: str) -> None:
    """The first id-named column whose values are all there and all different; else one with gaps; else none."""
    named = [c for pattern in ID_NAMES for c in header if any(re.match(pattern, t) for t in texts[c])]
    with_gaps = ""
    for column in dict.fromkeys([c for c in (preferred,) if c in header] + named):
        cells = [plain_text(v) for v in values[column]]
        filled = [v for v in cells if v]
        if filled and len(set(filled)) == len(filled) == len(cells):
            roles.columns["id_column"] = column
            return
        copies = _copies(column, values)
        if filled and len(filled) == len(cells) and copies:
            roles.columns["id_column"] = column
            roles.notes.append(f"# {len(copies)} value(s) of {column!r} repeat only in rows the same in every column "
                               f"(the same response entered twice, e.g. {copies[0]!r}): each is stored once")
            return
        if not filled:
            roles.notes.append(f"# {column!r} is named like an id but is blank in every row read: not the id")
        elif len(set(filled)) < len(filled):
            roles.notes.append(f"# {column!r} is named like an id, but its values repeat ({len(set(filled))} different "
                               f"values in {len(filled)} rows): not the id")
        else:
            with_gaps = with_gaps or column
            roles.notes.append(f"# {column!r} is blank in {len(cells) - len(filled)} of {len(cells)} rows read: a row "
                               "without an id is quarantined")
    if with_gaps:
        roles.columns["id_column"] = with_gaps


def _copies(column: str, values: dict[str, list[Any]]) -> list[str]:
    """The ids that repeat, when each repeat is the same in every column as the row before it with that id (a
    paper form typed twice); [] when none repeats, or when one differs elsewhere (then the column is no id)."""
    rows = zip(*([plain_text(v) for v in cells] for cells in values.values()))
    first: dict[str, tuple[str, ...]] = {}
    repeated: list[str] = []
    for cell, row in zip(values[column], rows):
        key = plain_text(cell)
        if key not in first:
            first[key] = row
        elif first[key] != row:
            return []
        else:
            repeated.append(key)
    return list(dict.fromkeys(repeated))


def _pick_time(roles: Roles, header: Sequence[str], texts: dict[str, tuple[str, str]], values: dict[str, list[Any]],
               preferred: str) -> None:
    """The best-named time column whose values read as dates (by name alone when none does)."""
    taken = roles.columns.get("id_column")
    named = [c for pattern in TIME_NAMES for c in header
             if c != taken and any(re.search(pattern, t) for t in texts[c])]
    ordered = list(dict.fromkeys([c for c in (preferred,) if c in header] + named))
    for column in ordered:
        choice = choose_formats(values[column])
        if choice.n_values and choice.n_read >= 0.8 * choice.n_values:
            roles.columns["submitted_at"] = column
            return
    if ordered:
        roles.columns["submitted_at"] = ordered[0]


def _pick_write_in(roles: Roles, header: Sequence[str], texts: dict[str, tuple[str, str]],
                   values: dict[str, list[Any]]) -> None:
    """Of several "other" write-ins (Qualtrics has one per "other" box) the generic one; else the neighbour."""
    taken = set(roles.columns.values())
    pattern = dict(ROLES)["ethnicity_other_column"]
    write_ins = [c for c in header if c not in taken - {roles.columns.get("ethnicity_other_column")}
                 and any(re.search(pattern, t) for t in texts[c])]
    generic = [c for c in write_ins if any("other ethnic group" in t for t in texts[c])]
    if generic:
        roles.columns["ethnicity_other_column"] = generic[0]
    ethnicity = roles.columns.get("ethnicity_column")
    if "ethnicity_other_column" in roles.columns or not ethnicity or header.index(ethnicity) + 1 >= len(header):
        return
    after = header[header.index(ethnicity) + 1]
    cells = [plain_text(v) for v in values[after]]
    if after not in taken and _OTHER_WRITE_IN.search(texts[after][1]) and 2 * sum(1 for v in cells if v) <= len(cells):
        roles.columns["ethnicity_other_column"] = after


def _is_consent(column: str, cells: list[Any], roles: Roles) -> bool:
    """Most answers read as yes or no, or say it ("Yes, I agree", "No,", "I agree to my answers being used"
    as JotForm's consent box writes) and can be recoded: noted, when given by several respondents (a label
    given once is not printed; the check shows its row)."""
    filled = [plain_text(v) for v in cells if plain_text(v)]
    recodes: dict[str, str] = {}
    n_yes_no = 0
    for value in filled:
        reading = consent_of(value)
        if reading is None and (said := _says_yes_or_no(value)):
            recodes[value] = said
            reading = said == "Yes"
        n_yes_no += reading is not None
    if not filled or n_yes_no < 0.8 * len(filled):
        return False
    listed = {label: code for label, code in sorted(recodes.items()) if filled.count(label) >= 2}
    if listed:
        roles.recodes[column] = listed
        roles.why[column] = "answers that say yes or no"
    if len(listed) < len(recodes):
        roles.notes.append(f"# {len(recodes) - len(listed)} answer(s) of {column!r} given once say yes or no "
                           "but are not listed: 'voice sources check' shows their rows")
    return True


def _says_yes_or_no(value: str) -> str:
    """ "Yes" or "No" for a consent answer that starts with it (or "yep", "nope") or says "I agree" / "I do not
    agree"; else ""."""
    if len(value) > 120:
        return ""
    if re.match(r"^(?:no|nope|nah)\b|^i (?:do not|don'?t) (?:agree|consent|give)", value, re.IGNORECASE):
        return "No"
    if re.match(r"^(?:yes|yep|yeah|yup|ok|okay|sure)\b|^i (?:agree|consent|give (?:my )?(?:consent|permission)|am happy)",
                value, re.IGNORECASE):
        return "Yes"
    return ""


def consent_of(value: Any) -> bool | None:
    """``value`` read as the mapping reads a consent cell: True, False, or None when it is neither."""
    try:
        return map_record(RawRecord("1", {"consent": value}, "suggest"), "suggest", _CONSENT).consent
    except RecordError:
        return None


def _is_sex(column: str, cells: list[Any]) -> bool:
    """Most answers read as a sex (or a refusal, or a gender with no census sex), and some as female or male;
    a letter that is the initial of an option the column's name lists ("B" under "Boy/Girl") counts as it."""
    initials = initials_of(column)
    filled = [plain_text(v) for v in cells if plain_text(v)]
    codes = []
    for value in filled:
        try:
            codes.append(map_sex(initials.get(value.upper(), value), strict=True))
        except VocabularyError:
            continue
    return bool(filled) and len(codes) >= 0.8 * len(filled) and bool({"female", "male"} & set(codes))


def initials_of(column: str) -> dict[str, str]:
    """The options a sex column's name lists ("Boy/Girl", "Male or female?") by their initials: {"B": "Boy", ...};
    {} unless each option reads as a sex and their initials differ."""
    parts = [re.sub(r"[^\w -]", "", part).strip() for part in re.split(r"\s*/\s*|\s+or\s+", column)]
    if len(parts) < 2 or len({p[:1].upper() for p in parts}) < len(parts):
        return {}
    try:
        [map_sex(part, strict=True) for part in parts]
    except VocabularyError:
        return {}
    return {part[0].upper(): part for part in parts}


def _recode_initials(roles: Roles, values: dict[str, list[Any]]) -> None:
    """Recodes for the letters of a "Boy/Girl" column that the vocabulary does not read ("B", "G")."""
    column = roles.columns.get("sex_column")
    if not column:
        return
    letters = {plain_text(v) for v in values[column] if plain_text(v).upper() in initials_of(column)}
    recodes = {}
    for letter in sorted(letters):
        try:
            map_sex(letter, strict=True)
        except VocabularyError:
            recodes[letter] = initials_of(column)[letter.upper()]
    if recodes:
        roles.recodes[column] = recodes
        roles.why[column] = "the initials of the options the column's name lists"


def _is_place(column: str, cells: list[Any]) -> bool:
    """Short names given by several people (a ward or area), not sentences."""
    filled = [plain_text(v) for v in cells if plain_text(v)]
    return bool(filled) and len(set(filled)) < len(filled) and all(
        len(v) <= 40 and len(v.split()) <= 5 and not v.endswith((".", "!", "?")) for v in filled)


_FITS = {"sex_column": _is_sex, "ward_column": _is_place}
