"""The demographic vocabulary: messy survey labels in, census codes out.

Every connector passes raw demographic labels through these functions, so that all sources share
one set of codes (see ``docs/architecture.md``). A label that cannot be mapped with confidence is
never guessed: it becomes ``NOT_STATED`` or raises :class:`~ingest.errors.VocabularyError`,
depending on ``strict``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.codes import (
    DECLINED,
    ETHNIC_GROUPS,
    ETHNICITIES,
    NOT_STATED,
    SEXES,
    normalise_label,
)
from ingest.errors import VocabularyError
from ingest.ethnicity import read_ethnicity

__all__ = [
    "ETHNICITIES",
    "ETHNIC_GROUPS",
    "NOT_STATED",
    "SEXES",
    "Ward",
    "band_code",
    "band_for_age",
    "is_declined",
    "map_ethnicity",
    "map_gender_identity",
    "map_postcode_district",
    "map_sex",
    "map_ward",
    "normalise_label",
    "parse_band",
]

_SEX_WORDS = {
    "female": "female", "f": "female", "woman": "female", "women": "female", "girl": "female",
    "fem": "female", "femal": "female", "feamle": "female", "lady": "female",
    "male": "male", "m": "male", "man": "male", "men": "male", "boy": "male", "mal": "male",
    "g": "female", "b": "male",  # a youth form's Girl / Boy (analyst trial 4)
}
#: "Female (including trans woman)", "Man (inc. trans men)": the option names the sex it says.
_INCLUDING = re.compile(r"\s*\((?:including|inc\.?|incl\.?)\s+trans\s*(?:wom[ae]n|m[ae]n|girls?|boys?)\)$")
#: Answers to a gender question that are real answers with no census sex: not stated, and not a field issue.
GENDERS_WITHOUT_SEX = frozenset({
    "non-binary", "non binary", "nonbinary", "enby", "genderqueer", "gender queer", "genderfluid", "gender fluid",
    "agender", "other", "another gender", "in another way", "i describe myself in another way",
    "prefer to self-describe", "prefer to self describe", "self-describe", "self describe",
    "i use another term", "another term", "intersex", "x",
    "u", "unk",  # a data-entry sheet's M / F / U: unknown, not an error
})

_POSTCODE_DISTRICT = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)(?:\s*[0-9][A-Z]{2})?$")


@dataclass(frozen=True)
class Ward:
    """One electoral ward (2022 boundaries)."""

    code: str
    name: str


def is_declined(label: object) -> bool:
    """Say whether a label is a blank or an explicit refusal ("Prefer not to say")."""
    return normalise_label(label) in DECLINED


def _unknown(field: str, label: object, expected: str, strict: bool) -> str:
    if strict:
        raise VocabularyError(field, label, expected)
    return NOT_STATED


def map_sex(label: object, *, strict: bool = False) -> str:
    """Map a sex label ("F", "Female", "Woman", "Female (including trans woman)") to ``female``/``male``/``not_stated``.

    A gender question's other answers ("Non-binary", "In another way") have no census sex: not stated, no error.
    """
    text = _INCLUDING.sub("", normalise_label(label))
    if text in DECLINED or text in GENDERS_WITHOUT_SEX:
        return NOT_STATED
    code = _SEX_WORDS.get(text) or _sex_of_phrase(text)
    if code:
        return code
    return _unknown("sex", label, "female or male (or a refusal such as 'Prefer not to say')", strict)


def _sex_of_phrase(text: str) -> str | None:
    """"Girl or young woman", "Boy / young man", "A woman": each part names the same sex, or None."""
    parts = [re.sub(r"^(?:a|an|young|i am a|i'm a)\s+", "", part.strip()) for part in re.split(r"\s+or\s+|\s*/\s*", text)]
    codes = {_SEX_WORDS.get(re.sub(r"^young\s+", "", part)) for part in parts}
    return codes.pop() if len(codes) == 1 and None not in codes else None


def map_gender_identity(label: object) -> str:
    """Map "Is your gender the same as the sex you were registered at birth?" to ``same_as_sex``/``different``."""
    text = normalise_label(label)
    if text in ("yes", "same", "same as sex registered at birth"):
        return "same_as_sex"
    if text.startswith("no"):
        return "different"
    return NOT_STATED


def map_ethnicity(label: object, *, strict: bool = False) -> tuple[str | None, str]:
    """Map an ethnicity label to (detailed ONS code or None, high-level group code), never guessing.

    A label naming only the high-level group ("Black or Black British") gives ``(None, "H2")``;
    an ONS code given as the label ("13", "H4") is accepted as it is. The rules are in
    :mod:`ingest.ethnicity`; a label they do not read is not stated, or with ``strict`` raises.
    """
    reading = read_ethnicity(label)
    if reading.reason and strict:
        raise VocabularyError("ethnicity", label, "an ONS 2021 ethnic group such as 'White: British' or "
                              f"'Black: African' ({reading.reason})")
    return reading.code, reading.group


def parse_band(band: str) -> tuple[int, int | None]:
    """Read a band code ``"16-24"``, ``"75+"`` or ``"Under 16"`` (0 to 15) into (lowest, highest or None).

    Raises
    ------
    ValueError
        The band is none of those forms, or ends before it starts.
    """
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", band)
    if match and int(match.group(2)) >= int(match.group(1)):
        return int(match.group(1)), int(match.group(2))
    match = re.fullmatch(r"\s*(\d+)\s*\+\s*", band)
    if match:
        return int(match.group(1)), None
    match = re.fullmatch(r"\s*under\s+(\d+)\s*", band, re.IGNORECASE)
    if match and int(match.group(1)) >= 1:
        return 0, int(match.group(1)) - 1
    raise ValueError(f"age band {band!r} is not of the form 'A-B' (A up to B), 'A+' or 'Under N' (0 to N-1), "
                     "e.g. '16-24', '65+', 'Under 16'")


def band_code(band: str) -> str:
    """The stored code of a configured band: ``"Under 16"`` is ``"0-15"``; ``"16-24"`` and ``"65+"`` stay.

    Raises
    ------
    ValueError
        ``band`` is not a band (see :func:`parse_band`).
    """
    low, high = parse_band(band)
    return f"{low}+" if high is None else f"{low}-{high}"


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
    if text in DECLINED:
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
    if text.lower() in DECLINED:
        return None
    match = _POSTCODE_DISTRICT.match(text)
    if match:
        return match.group(1)
    if strict:
        raise VocabularyError("postcode_district", label, "a UK postcode or its first half, e.g. 'RM1'")
    return None
