"""Redact personal data from free text before it is displayed or exported.

Finds e-mail addresses, UK phone numbers, full UK postcodes, house number + street,
vehicle registrations, social-media handles and people's names, and replaces each with a
readable placeholder ("[name] from [street] keeps dealing outside the shop"). Place names,
streets without a house number, postcode districts ("RM1") and bus routes are kept because
findings need them. Rules are regular expressions plus a bundled list of first names.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from nlp.text import english_words

logger = logging.getLogger(__name__)

NAMES_PATH = Path(__file__).parent / "data" / "first_names.txt"

PLACEHOLDERS: dict[str, str] = {
    "email": "[email]",
    "phone": "[phone]",
    "postcode": "[postcode]",
    "address": "[street]",
    "vehicle": "[vehicle reg]",
    "handle": "[handle]",
    "name": "[name]",
}

_STREET_SUFFIX = (
    r"road|rd|street|st|avenue|ave|lane|ln|close|way|drive|dr|crescent|cres|gardens|gdns|court|ct"
    r"|place|pl|grove|terrace|walk|rise|hill|mews|square|sq|parade|row|green|gate|vale|view|chase|wharf"
)
# The domain ends where a character that cannot be in it starts, not at a word boundary: "_" and
# letters such as "é" are word characters, so "\b" lost "jo@example.com_thanks" altogether.
_EMAIL_RE = re.compile(r"\b[\w.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?![A-Za-z0-9\-])")
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+\s?44|0044|\(?0)[\d\s\-()]{8,16}\d(?!\d)")
# The shortest such run too, for a number followed by other digits ("07700 900123 2 times").
_SHORT_PHONE_RE = re.compile(r"(?<![\w+])(?:\+\s?44|0044|\(?0)[\d\s\-()]{8,16}?\d(?!\d)")
_POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
_ADDRESS_RE = re.compile(
    r"\b(?:(?:flat|apt|apartment|unit|no\.?|number)\s*\d{1,4}[a-z]?\s*,?\s+)?"
    r"\d{1,4}[a-z]?(?:\s*-\s*\d{1,4})?\s*,?\s+"
    r"((?:[^\W\d_][\w'\-]*\s+){1,3}?)(?:" + _STREET_SUFFIX + r")\b\.?",
    re.I,
)
_FLAT_RE = re.compile(r"\b(?:flat|apartment|apt)\s+\d{1,4}[a-z]?\b", re.I)
_VEHICLE_RES = (
    re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b", re.I),  # current: AB12 CDE
    re.compile(r"\b[A-Z]\d{1,3}\s?[A-Z]{3}\b"),  # prefix: A123 BCD
    re.compile(r"\b[A-Z]{3}\s?\d{1,3}[A-Z]\b"),  # suffix: ABC 123D
)
_PLATE_CUE_RE = re.compile(
    r"\b(?:reg(?:istration)?|number\s?plate|plate)s?\s*(?:number|no\.?)?\s*(?:is|was|:|-)?\s*"
    r"(?=[A-Z0-9 ]*\d)(?=[A-Z0-9 ]*[A-Z])([A-Z0-9]{2,4}\s?[A-Z0-9]{1,4})\b",
    re.I,
)
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}")
_HANDLE_CUE_RE = re.compile(
    r"\b(?:snap(?:chat)?|insta(?:gram)?|ig|tiktok|tt|twitter)(?:\s*(?:is|:|-|=))+\s*@?([A-Za-z0-9_.]{3,30})",
    re.I,
)
_WORD_RE = re.compile(r"[^\W\d_][\w'\-]*")
_DIGIT_RE = re.compile(r"\d")
_CUE_RE = re.compile(
    r"\b(?:called|named|call(?:s|ed)?\s+(?:him|her)|name\s+is|name's|names|known\s+as|goes\s+by|nicknamed|"
    r"(?:my|his|her|our|their|your)\s+(?:neighbou?rs?|mate|friend|bf|gf|boyfriend|girlfriend|brother|"
    r"sister|cousin|son|daughter|uncle|aunt|auntie|step\s?dad|step\s?mum|dad|mum|teacher|ex|"
    r"husband|wife|partner|landlord|bro|sis)|"
    r"this\s+(?:guy|man|boy|girl|kid|woman|lad|bloke|dude|yute|youth|geezer|lady|fella)|"
    r"(?:mr|mrs|ms|miss|dr)\.?)\s+$",
    re.I,
)
# After these a capitalised name is part of a place: "Harold Hill", "Elizabeth line".
_PLACE_AFTER = frozenset(
    """hill wood road rd street st park line station centre center close avenue gardens court house
    school academy college hospital green heath way lane estate ward library square bridge row gate
    cross drive parade market primary high tower towers chase common lodge hall field fields
    place terrace walk mews crescent grove""".split()
)
_PLACE_BEFORE = frozenset("st saint king queen prince princess lake mount port fort".split())
# Names that are also common words, months or places: redacted only after a cue.
_CUE_ONLY = frozenset(
    """will may june april august summer bill mark guy frank hope faith joy sunny rich chase hunter
    chelsea victoria harold amber jay dev lee max dean ray pat rob sue jack grace rose ruby jade
    holly heather ali jun lei wei ming mei ana""".split()
)
_NOT_NAMES = frozenset(
    """police council tfl the a an i im it its this that he she they we you my me him her them
    mum dad bro fam innit lol""".split()
)


@dataclass(frozen=True)
class RedactedSpan:
    """One piece of personal data found in the original text.

    ``text`` holds the personal data itself: never log it above DEBUG.
    """

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class RedactionResult:
    """The redacted text, the original, and the spans replaced."""

    text: str
    original: str
    spans: tuple[RedactedSpan, ...]

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of personal data found (``"name"``, ``"email"``, ...)."""
        return frozenset(span.kind for span in self.spans)

    @property
    def has_redactions(self) -> bool:
        """True when anything was replaced."""
        return bool(self.spans)


@functools.lru_cache(maxsize=4)
def load_names(path: Path = NAMES_PATH) -> frozenset[str]:
    """Read a first-name list (one a line, ``#`` comments) into a lower-case set."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def redact(text: str, *, names: frozenset[str] | None = None) -> RedactionResult:
    """Replace personal data in ``text`` with placeholders such as ``[name]`` and ``[street]``.

    Parameters
    ----------
    text : str
        One free-text answer.
    names : frozenset of str, optional
        Lower-case first names to recognise; defaults to the bundled list.

    Returns
    -------
    RedactionResult
        Redacted text, the original, and each span found with its kind.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact expects a str, got {type(text).__name__}: {text!r}")
    found = _find_patterns(text)
    found.extend(_find_names(text, names if names is not None else load_names(), found))
    spans = _merge(found)
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(PLACEHOLDERS[span.kind])
        position = span.end
    pieces.append(text[position:])
    return RedactionResult(text="".join(pieces), original=text, spans=tuple(spans))


def _find_patterns(text: str) -> list[RedactedSpan]:
    spans: list[RedactedSpan] = []
    if "@" in text:
        spans += _spans(_EMAIL_RE, text, "email")
        spans += _spans(_HANDLE_RE, text, "handle")
    spans += _spans(_HANDLE_CUE_RE, text, "handle", group=1)
    if not _DIGIT_RE.search(text):  # every remaining pattern needs a digit
        return spans
    spans += _phone_spans(text)
    spans += _spans(_POSTCODE_RE, text, "postcode")
    spans += [span for span in _spans(_ADDRESS_RE, text, "address") if _is_street(span.text)]
    spans += _spans(_FLAT_RE, text, "address")
    for pattern in _VEHICLE_RES:
        spans += _spans(pattern, text, "vehicle")
    spans += _spans(_PLATE_CUE_RE, text, "vehicle", group=1)
    return spans


def _spans(pattern: re.Pattern[str], text: str, kind: str, group: int = 0) -> list[RedactedSpan]:
    return [
        RedactedSpan(kind, match.start(group), match.end(group), match.group(group))
        for match in pattern.finditer(text)
    ]


def _phone_spans(text: str) -> list[RedactedSpan]:
    # A run that is not a phone number is passed by one character, not skipped, so that "0 07700 900123"
    # still finds the number after the lone 0.
    spans = []
    for pattern in (_PHONE_RE, _SHORT_PHONE_RE):
        position = 0
        while (match := pattern.search(text, position)) is not None:
            if _is_phone(match.group()):
                spans.append(RedactedSpan("phone", match.start(), match.end(), match.group()))
                position = match.end()
            else:
                position = match.start() + 1
    return spans


def _is_phone(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        digits = digits[2:].removeprefix("0")
        return len(digits) in (9, 10)
    return digits.startswith("0") and len(digits) in (10, 11)


def _is_street(candidate: str) -> bool:
    words = [word.lower() for word in _WORD_RE.findall(candidate)]
    # The last word is the suffix; the others must look like a street name, not a clause.
    return bool(words[:-1]) and not any(word in STOP_WORDS for word in words[:-1] if word != "st")


def _find_names(text: str, names: frozenset[str], taken: list[RedactedSpan]) -> list[RedactedSpan]:
    # A name starts with a capital or is in the list; a text with neither has no names to scan for.
    if text.islower() and names.isdisjoint([word.removesuffix("'s") for word in _WORD_RE.findall(text)]):
        return []
    words = list(_WORD_RE.finditer(text))
    # What _is_name needs before anything else (listed, or capitalised and not a stop word),
    # tested for all words at once; the rest of _is_name only runs on these.
    candidates = [i for i, lower in enumerate(match[0].removesuffix("'s").lower() for match in words)
                  if lower in names or (words[i][0][0].isupper() and lower not in STOP_WORDS)]
    spans: list[RedactedSpan] = []
    next_index = 0
    for index in candidates:
        match = words[index]
        if index < next_index or _overlaps(match.start(), match.end(), taken) or not _is_name(text, words, index, names):
            continue
        end_index = index
        # Take a following capitalised surname ("John Smith"), but not a place word.
        while end_index + 1 < len(words) and _is_surname(text, words, end_index + 1):
            end_index += 1
        start = match.start()
        end = words[end_index].end()
        spans.append(RedactedSpan("name", start, end, text[start:end]))
        next_index = end_index + 1
    return spans


def _is_name(text: str, words: list[re.Match[str]], index: int, names: frozenset[str]) -> bool:
    word = words[index].group().removesuffix("'s")
    lower = word.lower()
    is_capital = word[0].isupper()
    if not (is_capital or lower in names) or lower in _NOT_NAMES or _is_place(words, index):
        return False
    after_cue = bool(_CUE_RE.search(text[max(0, words[index].start() - 40) : words[index].start()]))
    if after_cue or (is_capital and _follows_name(text, words, index)):
        return lower in names or (is_capital and lower not in STOP_WORDS)
    if lower not in names or lower in _CUE_ONLY:
        return False
    if is_capital:
        return lower not in english_words() or not _is_sentence_start(text, words[index].start())
    return lower not in english_words()


def _follows_name(text: str, words: list[re.Match[str]], index: int) -> bool:
    """True for the second of a pair like "Deshawn and Malik" where the first is a listed name."""
    if index < 2 or words[index - 1].group().lower() not in {"and", "&", "or"}:
        return False
    first = words[index - 2].group().removesuffix("'s").lower()
    return first in load_names() and first not in _CUE_ONLY


def _is_surname(text: str, words: list[re.Match[str]], index: int) -> bool:
    word = words[index].group()
    between = text[words[index - 1].end() : words[index].start()]
    return (
        between == " "
        and word[0].isupper()
        and not word.isupper()
        and word.lower() not in STOP_WORDS
        and word.lower() not in _PLACE_AFTER
        and not _is_place(words, index)
    )


def _is_place(words: list[re.Match[str]], index: int) -> bool:
    following = words[index + 1].group().lower() if index + 1 < len(words) else ""
    previous = words[index - 1].group().lower().rstrip(".") if index > 0 else ""
    return following in _PLACE_AFTER or following == "'s" or previous in _PLACE_BEFORE


def _is_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'(")
    return not before or before[-1] in ".!?\n:;"


def _overlaps(start: int, end: int, spans: list[RedactedSpan]) -> bool:
    return any(span.start < end and start < span.end for span in spans)


def _merge(spans: list[RedactedSpan]) -> list[RedactedSpan]:
    """Drop spans overlapping an earlier or longer one; return them in text order."""
    ordered = sorted(spans, key=lambda span: (span.start, -(span.end - span.start)))
    merged: list[RedactedSpan] = []
    for span in ordered:
        if merged and span.start < merged[-1].end:
            continue
        merged.append(span)
    return merged
