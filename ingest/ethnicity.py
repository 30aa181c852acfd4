"""Ethnicity labels to ONS 2021 codes, without guessing.

A label maps to a detailed group (``"1"``..``"19"``) only when it names that group; to a
high-level group (``"H1"``..``"H5"``, detailed code ``None``) when it names only the group (or
several detailed groups of one group); otherwise it is not stated, with the reason. Every word of
the label must be one this module knows: a free description ("half english half jamaican",
"Human race") is never read as a group. "British" or "English" alone is a nationality, not the
White British group.

Labels are read in two parts when they have them, "Group: Detail" or "Group - Detail": the detail
decides, and it must agree with the group; a detail that names no ONS group ("Other White - Italian")
leaves the group's own reading (Any other White background).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.codes import (
    DECLINED,
    ETHNIC_GROUPS,
    ETHNICITIES,
    NOT_STATED,
    normalise_label,
)

#: School census (DfE) main ethnicity codes, as schools export them.
DFE_CODES = {
    "wbri": "13", "wiri": "14", "wirt": "15", "woth": "17", "mwbc": "11", "mwba": "10", "mwas": "9",
    "moth": "12", "aind": "3", "apkn": "4", "aban": "1", "aoth": "5", "chne": "2", "bcrb": "7",
    "bafr": "6", "both": "8", "ooth": "19", "wrom": "H4", "refu": NOT_STATED, "nobt": NOT_STATED,
}

#: The 2001 Census "16+1" codes police and older council systems still record (self-defined ethnicity),
#: to 2021 codes: a 2001 box that 2021 split ("Any other White" now also holds Gypsy, Irish Traveller and
#: Roma; "Any other ethnic group" now also Arab) gives only its high-level group.
SDE_CODES = {
    "w1": "13", "w2": "14", "w9": "H4", "m1": "11", "m2": "10", "m3": "9", "m9": "12",
    "a1": "3", "a2": "4", "a3": "1", "a9": "5", "b1": "7", "b2": "6", "b9": "8", "o1": "2", "o9": "H5",
    "ns": NOT_STATED,
}
#: Police "IC" codes are an officer's view of someone's appearance, not the person's own ethnicity.
_OBSERVED = re.compile(r"^ic ?[0-9]$")

#: Write-ins that name one detailed group unambiguously, as ONS codes such write-ins (docs/sources.md).
NATIONALITY_WRITE_INS = {
    "nigerian": "6", "ghanaian": "6", "somali": "6", "eritrean": "6",
    "jamaican": "7", "barbadian": "7", "trinidadian": "7",
    "polish": "17", "romanian": "17", "lithuanian": "17", "latvian": "17", "bulgarian": "17", "albanian": "17",
    "srilankan": "5", "tamil": "5", "nepali": "5", "filipino": "5",
}

_RACE_WORDS = {"asian": "H1", "black": "H2", "white": "H4", "mixed": "H3", "multiple": "H3", "dual": "H3"}
_DETAIL_WORDS = {
    "bangladeshi": "1", "bengali": "1", "chinese": "2", "indian": "3", "pakistani": "4", "african": "6",
    "caribbean": "7", "irish": "14", "gypsy": "15", "traveller": "15", "roma": "16", "arab": "18",
    **NATIONALITY_WRITE_INS,
}
_UK_WORDS = {"english", "welsh", "scottish", "ni", "british", "uk"}
_UK_NAMES = {"ni": "Northern Irish", "uk": "UK"}
_WHITE_ONLY = {"european", "eastern"}  # "White European": Any other White background, only with "White"
_FILLER = {"and", "or", "any", "other", "background", "backgrounds", "ethnic", "ethnicity", "group", "groups",
           "heritage", "of", "please", "specify", "state", "describe", "the", "a", "origin", "s"}
_GENERIC_OTHER = {"other", "please", "specify", "state", "describe", "s", "write", "in", "below"}
_OTHER_OF = {"H1": "5", "H2": "8", "H3": "12", "H4": "17", "H5": "19"}
# Words in the name of a high-level group that are also detailed groups (the ONS Black group's name).
_GROUP_NAME_DETAILS = {"H2": {"6", "7"}}
_PHRASES = (
    (r"\bnorthern irish\b", "ni"), (r"\birish travell?ers?\b", "traveller"), (r"\btravell?ers?\b", "traveller"),
    (r"\btraveller of irish heritage\b", "traveller"), (r"\bwest indian\b", "caribbean"),
    (r"\bsri lankan\b", "srilankan"), (r"\bgypsies\b", "gypsy"), (r"\bmulti ?racial\b", "mixed"),
    (r"\bmulti-ethnic\b", "mixed"), (r"\broman[iy] gyps(?:y|ies)\b", "gypsy"), (r"\bromanichal\b", "gypsy"),
)
_SPLIT = re.compile(r"\s*:\s*|\s+[-\u2013]\s+")


@dataclass(frozen=True)
class EthnicityReading:
    """What a label says: the detailed code (or None), the high-level group, and why when not stated."""

    code: str | None
    group: str
    reason: str = ""

    @property
    def is_stated(self) -> bool:
        """True when the label gave at least a high-level group."""
        return self.group != NOT_STATED


def read_ethnicity(label: object) -> EthnicityReading:
    """Read an ethnicity label (see the module docstring for the rules)."""
    text = normalise_label(label)
    if text in DECLINED:
        return EthnicityReading(NOT_STATED, NOT_STATED)
    if text in ETHNICITIES:
        return _detailed(text)
    if text.upper() in ETHNIC_GROUPS:
        return EthnicityReading(None, text.upper())
    dfe = DFE_CODES.get(text)
    if dfe is not None:
        return _from_code(dfe, "the school census code " + text.upper())
    sde = SDE_CODES.get(text)
    if sde is not None:
        return _from_code(sde, "the 2001 16+1 code " + text.upper())
    if _OBSERVED.match(text):
        return _not_stated(f"{text.upper()} is a police officer's observed (IC) code, not the person's own ethnicity")
    for pattern, replacement in _PHRASES:
        text = re.sub(pattern, replacement, text)
    parts = _SPLIT.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        prefix = _read_words(parts[0], context=None)
        if is_generic_other(parts[0]) or (prefix.reason and not _words(parts[0]) - _known_words()):
            prefix = EthnicityReading(None, NOT_STATED)
        elif prefix.reason:
            return prefix
        detail = _read_words(parts[1], context=prefix.group if prefix.is_stated else None)
        if prefix.is_stated and detail.reason.startswith("a free description"):
            return prefix  # "Other White - Italian", "White - Italian": the heading decides; the detail names no other group
        return detail
    return _read_words(text, context=None)


def is_generic_other(label: object) -> bool:
    """True for an "Other" box that names no group ("Other", "Other (please specify)"): its write-in decides."""
    words = _words(normalise_label(label))
    return "other" in words and words <= _GENERIC_OTHER


def _from_code(code: str, named: str) -> EthnicityReading:
    if code == NOT_STATED:
        meaning = ("means the ethnicity was not obtained" if named.endswith("NOBT")
                   else "means not stated" if named.endswith(" NS") else "is a refusal")
        return EthnicityReading(NOT_STATED, NOT_STATED, f"{named} {meaning}")
    if code in ETHNIC_GROUPS:
        return EthnicityReading(None, code)
    return _detailed(code)


def _detailed(code: str) -> EthnicityReading:
    return EthnicityReading(code, ETHNICITIES[code][0])


def _known_words() -> set[str]:
    return set(_RACE_WORDS) | set(_DETAIL_WORDS) | _UK_WORDS | _WHITE_ONLY | _FILLER


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.replace("'", "")))


def _not_stated(reason: str) -> EthnicityReading:
    return EthnicityReading(NOT_STATED, NOT_STATED, reason)


def _read_words(text: str, context: str | None) -> EthnicityReading:
    words = _words(text)
    unknown = sorted(words - _known_words())
    if unknown:
        return _not_stated(f"a free description (the word(s) {', '.join(unknown)} name no ONS group)")
    races = {_RACE_WORDS[w] for w in words if w in _RACE_WORDS}
    details = {_DETAIL_WORDS[w] for w in words if w in _DETAIL_WORDS}
    is_other = "other" in words
    if "other" in words and not races and not details and "ethnic" in words and context in (None, "H5"):
        return EthnicityReading("19", "H5") if "any" in words or context == "H5" else EthnicityReading(None, "H5")
    if "H3" in races or (len(races | {ETHNICITIES[d][0] for d in details if d != "14"}) > 1
                         and re.search(r"\band\b|&|/", text)):
        return _check_context(_read_mixed(races, details, is_other), context)
    if len(races) > 1:
        return _not_stated("names more than one ethnic group")
    race = next(iter(races), None) or context
    return _check_context(_read_single(race, details, words, is_other), context)


def _read_mixed(races: set[str], details: set[str], is_other: bool) -> EthnicityReading:
    if "H4" in races:
        if details == {"7"} and "H1" not in races:
            return _detailed("11")
        if details == {"6"} and "H1" not in races:
            return _detailed("10")
        if "H1" in races and not details and "H2" not in races:
            return _detailed("9")
    if is_other and not details and races <= {"H3"}:
        return _detailed("12")
    return EthnicityReading(None, "H3")


def _read_single(race: str | None, details: set[str], words: set[str], is_other: bool) -> EthnicityReading:
    if is_other and race is not None:
        rest = details - _GROUP_NAME_DETAILS.get(race, set())
        if not rest or rest == {_OTHER_OF[race]}:
            return _detailed(_OTHER_OF[race])
        return EthnicityReading(None, race)
    if len(details) > 1:
        groups = {ETHNICITIES[d][0] for d in details}
        if len(groups) == 1 and (race is None or race in groups):
            return EthnicityReading(None, groups.pop())
        return _not_stated("names more than one ethnic group")
    if details:
        code = next(iter(details))
        if race is not None and ETHNICITIES[code][0] != race:
            return _not_stated("the group and the detail disagree")
        return _detailed(code)
    if words & _WHITE_ONLY and race == "H4":
        return _detailed("17")
    uk = words & _UK_WORDS
    if uk and (race == "H4" or (race is None and len(uk - {"uk"}) >= 3)):
        return _detailed("13")
    if race is not None:
        return EthnicityReading(None, race)
    if is_other:
        return EthnicityReading(None, "H5")
    if uk == {"british"} or uk == {"british", "uk"}:
        return _not_stated("a nationality, not an ethnic group ('British' alone is not White British)")
    if uk:
        named = ", ".join(repr(_UK_NAMES.get(w, w.title())) for w in sorted(uk))
        return _not_stated(f"a national identity ({named}), not an ethnic group: 'White: English, Welsh, "
                           "Scottish, Northern Irish or British' needs 'White'")
    return _not_stated("names no ONS ethnic group")


def _check_context(reading: EthnicityReading, context: str | None) -> EthnicityReading:
    if context is None or not reading.is_stated or reading.group == context:
        return reading
    if context == "H5" and reading.code is None:
        return reading
    return _not_stated(f"the detail names a group other than its heading ({ETHNIC_GROUPS[context]})")
