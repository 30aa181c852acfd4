"""The demographic vocabulary: messy survey labels in, census codes out.

Every connector passes raw demographic labels through these functions, so that all sources share
one set of codes (see ``docs/architecture.md``). A label that cannot be mapped with confidence is
never guessed: it becomes ``NOT_STATED`` or raises :class:`~ingest.errors.VocabularyError`,
depending on ``strict``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.errors import VocabularyError

NOT_STATED = "not_stated"

SEXES = ("female", "male")

#: ONS 2021 detailed ethnic groups: code -> (high-level code, short label).
ETHNICITIES: dict[str, tuple[str, str]] = {
    "1": ("H1", "Asian: Bangladeshi"),
    "2": ("H1", "Asian: Chinese"),
    "3": ("H1", "Asian: Indian"),
    "4": ("H1", "Asian: Pakistani"),
    "5": ("H1", "Asian: Other Asian"),
    "6": ("H2", "Black: African"),
    "7": ("H2", "Black: Caribbean"),
    "8": ("H2", "Black: Other Black"),
    "9": ("H3", "Mixed: White and Asian"),
    "10": ("H3", "Mixed: White and Black African"),
    "11": ("H3", "Mixed: White and Black Caribbean"),
    "12": ("H3", "Mixed: Other Mixed"),
    "13": ("H4", "White: English, Welsh, Scottish, Northern Irish or British"),
    "14": ("H4", "White: Irish"),
    "15": ("H4", "White: Gypsy or Irish Traveller"),
    "16": ("H4", "White: Roma"),
    "17": ("H4", "White: Other White"),
    "18": ("H5", "Other: Arab"),
    "19": ("H5", "Other: Any other ethnic group"),
}

ETHNIC_GROUPS: dict[str, str] = {
    "H1": "Asian, Asian British or Asian Welsh",
    "H2": "Black, Black British, Black Welsh, Caribbean or African",
    "H3": "Mixed or Multiple ethnic groups",
    "H4": "White",
    "H5": "Other ethnic group",
}

_DECLINED = {
    "", "prefer not to say", "prefer not to answer", "rather not say", "not stated", "not known",
    "unknown", "n/a", "na", "none", "no answer", "declined", "refused", "don't know", "dont know",
    "do not wish to say", "not given", "missing", "-", "--", ".", "?", "pnts", "nan", "null",
    "i'd rather not say", "id rather not say", "not disclosed", "not answered",
}

_SEX_WORDS = {
    "female": "female", "f": "female", "woman": "female", "women": "female", "girl": "female",
    "fem": "female", "femal": "female", "feamle": "female", "lady": "female",
    "male": "male", "m": "male", "man": "male", "men": "male", "boy": "male", "mal": "male",
}

# Keyword rules for ethnicity labels, tried in order; each maps a normalised label to a code.
# Detailed groups first (most specific wins), then the high-level group alone.
_ETHNICITY_RULES: tuple[tuple[str, str], ...] = (
    (r"\bwhite\b.*(\band\b|&|/)\s*(black\s+)?caribbean\b|\bcaribbean\b.*\band white\b", "11"),
    (r"\bwhite\b.*(\band\b|&|/)\s*(black\s+)?african\b|\bafrican\b.*\band white\b", "10"),
    (r"\bwhite\b.*(\band\b|&|/)\s*asian\b|\basian\b.*\band white\b", "9"),
    (r"\b(mixed|multiple|dual)\b.*\bother\b|\bother\b.*\b(mixed|multiple)\b", "12"),
    (r"\bgypsy\b|\btraveller\b|\btraveler\b", "15"),
    (r"\broma\b", "16"),
    (r"\bwhite\b.*\b(british|english|welsh|scottish|northern irish|ni)\b"
     r"|^(british|english|welsh|scottish|northern irish)\b|\bwbri\b|\bwhite uk\b", "13"),
    (r"\birish\b", "14"),
    (r"\bwhite\b.*\b(other|european|eastern european|polish|romanian|lithuanian)\b"
     r"|\bother\b.*\bwhite\b|^(polish|romanian|lithuanian|european)$", "17"),
    (r"\bbangladeshi\b|\bbengali\b", "1"),
    (r"\bchinese\b", "2"),
    (r"\bindian\b", "3"),
    (r"\bpakistani\b", "4"),
    (r"\basian\b.*\bother\b|\bother\b.*\basian\b|\bsri lankan\b|\btamil\b|\bnepali\b|\bfilipino\b", "5"),
    (r"\bblack\b.*\bother\b|\bother\b.*\bblack\b", "8"),
    (r"\bafrican\b|\bnigerian\b|\bghanaian\b|\bsomali\b", "6"),
    (r"\bcaribbean\b|\bjamaican\b|\bwest indian\b", "7"),
    (r"\barab\b", "18"),
    (r"\bany other ethnic\b|\bother ethnic\b|^other$|^any other$", "19"),
)

_GROUP_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(mixed|multiple|dual heritage)\b", "H3"),
    (r"\bwhite\b", "H4"),
    (r"\basian\b", "H1"),
    (r"\bblack\b", "H2"),
    (r"\bother\b", "H5"),
)

_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})\s*(?:years?|yrs?)?\s*$")
_OPEN_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:\+|plus|and over|or over|or older|and above)\s*(?:years?)?\s*$")
_UNDER = re.compile(r"^\s*(?:under|below|less than)\s*(\d{1,3})\s*$")
_POSTCODE_DISTRICT = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)(?:\s*[0-9][A-Z]{2})?$")


@dataclass(frozen=True)
class Ward:
    """One electoral ward (2022 boundaries)."""

    code: str
    name: str


def normalise_label(label: object) -> str:
    """Lower-case a raw label, fold punctuation and spacing, for matching."""
    if label is None:
        return ""
    text = str(label).strip().lower()
    if text in {"nan", "none"}:
        return ""
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"[\s_]+", " ", text)
    return text.strip(" .;")


def is_declined(label: object) -> bool:
    """Say whether a label is a blank or an explicit refusal ("Prefer not to say")."""
    return normalise_label(label) in _DECLINED


def _unknown(field: str, label: object, expected: str, strict: bool) -> str:
    if strict:
        raise VocabularyError(field, label, expected)
    return NOT_STATED


def map_sex(label: object, *, strict: bool = False) -> str:
    """Map a sex label ("F", "Female", "Woman") to ``female``/``male``/``not_stated``."""
    text = normalise_label(label)
    if text in _DECLINED:
        return NOT_STATED
    code = _SEX_WORDS.get(text)
    if code:
        return code
    return _unknown("sex", label, "female or male (or a refusal such as 'Prefer not to say')", strict)


def map_ethnicity(label: object, *, strict: bool = False) -> tuple[str | None, str]:
    """Map an ethnicity label to (detailed ONS code or None, high-level group code).

    A label naming only the high-level group ("Black or Black British") gives ``(None, "H2")``.
    An ONS code given as the label ("13", "H4") is accepted as it is.
    """
    text = normalise_label(label)
    if text in _DECLINED:
        return NOT_STATED, NOT_STATED
    if text in ETHNICITIES:
        return text, ETHNICITIES[text][0]
    if text.upper() in ETHNIC_GROUPS:
        return None, text.upper()
    code = _detailed_code(text)
    if code is not None:
        return code, ETHNICITIES[code][0]
    group = _group_code(text)
    if group is not None:
        return None, group
    expected = "an ONS 2021 ethnic group such as 'White: British' or 'Black: African'"
    return _unknown("ethnicity", label, expected, strict), NOT_STATED


def _detailed_code(text: str) -> str | None:
    """The detailed code of a label, reading "Group - Detail" and "Group: Detail" labels by their detail.

    Exports often prefix the detail with its group ("Black/African/Caribbean/Black British -
    Caribbean"), whose words would mislead a match on the whole label; the detail is used when
    its group agrees with the prefix.
    """
    parts = re.split(r"\s+-\s+|:\s*", text, maxsplit=1)
    if len(parts) == 2:
        code = _match_rules(parts[1])
        prefix = _group_code(parts[0])
        if code is not None and (prefix is None or ETHNICITIES[code][0] == prefix):
            return code
    return _match_rules(text)


def _match_rules(text: str) -> str | None:
    for pattern, code in _ETHNICITY_RULES:
        if re.search(pattern, text):
            return code
    return None


def _group_code(text: str) -> str | None:
    for pattern, group in _GROUP_RULES:
        if re.search(pattern, text):
            return group
    return None


def map_age(label: object, *, minimum: int = 0, maximum: int = 120) -> int | None:
    """Turn an age in years ("14", "14.0", " 52 ") into an int, None when blank or declined.

    Raises
    ------
    VocabularyError
        When the age is not a whole number or lies outside ``minimum``..``maximum``.
    """
    text = normalise_label(label)
    if text in _DECLINED:
        return None
    try:
        value = float(text)
        whole = value == int(value)  # int() refuses "inf" and "nan"
    except (ValueError, OverflowError):
        raise VocabularyError("age", label, f"a whole number of years from {minimum} to {maximum}") from None
    if not whole or not minimum <= value <= maximum:
        raise VocabularyError("age", label, f"a whole number of years from {minimum} to {maximum}")
    return int(value)


def parse_band(band: str) -> tuple[int, int | None]:
    """Read a band code ``"16-24"`` or ``"75+"`` into (lowest, highest or None)."""
    match = re.fullmatch(r"(\d+)-(\d+)", band)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.fullmatch(r"(\d+)\+", band)
    if match:
        return int(match.group(1)), None
    raise ValueError(f"age band {band!r} is not of the form 'A-B' or 'A+'")


def map_age_band(label: object, bands: tuple[str, ...], *, strict: bool = False) -> str:
    """Map an age band label ("16 to 24", "75 and over", "Under 16") onto one of ``bands``.

    The label must describe exactly one of the configured bands; a band that straddles two
    of them is not guessed.
    """
    text = normalise_label(label)
    if text in _DECLINED:
        return NOT_STATED
    span = _read_span(text)
    if span is not None:
        for band in bands:
            if parse_band(band) == span:
                return band
    expected = "one of the bands " + ", ".join(bands)
    return _unknown("age_band", label, expected, strict)


def _read_span(text: str) -> tuple[int, int | None] | None:
    text = text.replace("years old", "").replace("yrs", "").strip()
    if match := _BAND.match(text):
        return int(match.group(1)), int(match.group(2))
    if match := _OPEN_BAND.match(text):
        return int(match.group(1)), None
    if match := _UNDER.match(text):
        return 0, int(match.group(1)) - 1
    return None


def band_for_age(age: int, bands: tuple[str, ...]) -> str | None:
    """Return the band of ``bands`` that contains ``age``, or None."""
    for band in bands:
        low, high = parse_band(band)
        if age >= low and (high is None or age <= high):
            return band
    return None


def map_ward(label: object, wards: tuple[Ward, ...], *, strict: bool = False) -> str:
    """Map a ward name or code ("St Edwards", "st. edward's", "E05013983") to its ward code."""
    text = normalise_label(label)
    if text in _DECLINED:
        return NOT_STATED
    key = _ward_key(text)
    for ward in wards:
        if key in (_ward_key(ward.code.lower()), _ward_key(ward.name.lower())):
            return ward.code
    return _unknown("ward", label, "a 2022 ward of the borough, by name or code", strict)


def _ward_key(text: str) -> str:
    text = text.replace("&", "and").replace("st.", "st").replace("saint ", "st ")
    return re.sub(r"[^a-z0-9]", "", text.replace(" ward", ""))


def map_postcode_district(label: object, *, strict: bool = False) -> str | None:
    """Keep only the outward code of a postcode ("RM1 3AB" -> "RM1"); None when blank."""
    text = normalise_label(label).upper()
    if text.lower() in _DECLINED:
        return None
    match = _POSTCODE_DISTRICT.match(text)
    if match:
        return match.group(1)
    if strict:
        raise VocabularyError("postcode_district", label, "a UK postcode or its first half, e.g. 'RM1'")
    return None
