"""Redact personal data from free text before it is displayed or exported.

Finds e-mail addresses, UK phone numbers (with extensions), full UK postcodes, house number +
street or building, vehicle registrations, social-media handles, dates of birth, National
Insurance numbers, police collar numbers and people's names, and replaces each with a readable
placeholder ("[name] from [street] keeps dealing outside the shop"). Place names, streets without
a house number, postcode districts ("RM1") and bus routes are kept because findings need them.
Rules are regular expressions (here and in :mod:`nlp.redaction_patterns`) plus bundled name
lists and person cues (:mod:`nlp.names`, :mod:`nlp.name_cues`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from nlp import redaction_patterns as patterns
from nlp.names import NAMES_PATH, NameLists, find_names, name_lists, read_list
from nlp.text import english_words
from nlp.uncertainty import uncertainty_reasons

logger = logging.getLogger(__name__)

PLACEHOLDERS: dict[str, str] = {
    "email": "[email]",
    "phone": "[phone]",
    "postcode": "[postcode]",
    "address": "[street]",
    "vehicle": "[vehicle reg]",
    "handle": "[handle]",
    "name": "[name]",
    "date_of_birth": "[date of birth]",
    "ni_number": "[NI number]",
    "collar": "[number]",
}

# The domain ends where a character that cannot be in it starts, not at a word boundary: "_" and
# letters such as "é" are word characters, so "\b" lost "jo@example.com_thanks" altogether.
_EMAIL_RE = re.compile(r"\b[\w.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?![A-Za-z0-9\-])")
_AT = r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|\s+@\s*|\s*@\s+)"
_DOT = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\s?\.\s?)"
# "jo(at)example.com", "jo [at] example [dot] com", "dave at gmail dot com": the last part must be a
# usual ending, so "meet at the station" is not an address.
_OBFUSCATED_EMAIL_RE = re.compile(
    r"\b[\w.+\-]+" + _AT + r"[A-Za-z0-9\-]+(?:" + _DOT + r"[A-Za-z0-9\-]+)*?" + _DOT
    + r"(?:com|co|org|net|uk|io|me|info|biz|ac|edu|gov)\b(?:" + _DOT + r"uk\b)?",
    re.I,
)
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+\s?44|0044|\(?0)[\d\s\-().\/]{8,20}\d(?!\d)")
# The shortest such run too, for a number followed by other digits ("07700 900123 2 times").
_SHORT_PHONE_RE = re.compile(r"(?<![\w+])(?:\+\s?44|0044|\(?0)[\d\s\-().\/]{8,20}?\d(?!\d)")
_POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
_ADDRESS_RE = re.compile(
    r"\b(?:(?:flat|apt|apartment|unit|no\.?|number)\s*\d{1,4}[a-z]?\s*,?\s+)?"
    r"\d{1,4}[a-z]?(?:\s*-\s*\d{1,4})?\s*,?\s+"
    r"((?:[^\W\d_][\w'\-]*\s+){1,3}?)(?:" + patterns.STREET_SUFFIX + r")\b\.?",
    re.I,
)
_FLAT_RE = re.compile(r"\b(?:flat|apartment|apt)\s+\d{1,4}[a-z]?\b", re.I)
_VEHICLE_RES = (
    re.compile(r"\b[A-Z]{2}\d{2}[\s\-]?[A-Z]{3}\b", re.I),  # current: AB12 CDE, AB12-CDE, ab12cde
    re.compile(r"\b[A-Z]\d{1,3}[\s\-]?[A-Z]{3}\b"),  # prefix: A123 BCD
    re.compile(r"\b[A-Z]{3}[\s\-]?\d{1,3}[A-Z]\b"),  # suffix: ABC 123D
    re.compile(r"\b[A-Z]{2}[\s\-]\d{2}[\s\-][A-Z]{3}\b"),  # current, spaced: LD 67 ABC (capitals only: "on 12 may")
)
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}")
_PLATFORM = (r"(?:snap(?:chat)?|sc|insta(?:gram)?|ig|tik\s?tok|tt|twitter|twt|telegram|discord|fb|facebook|threads"
             r"|kik|be\s?real|twitch|youtube|yt|whats\s?app|x(?=\s*[:@]))")
# "snap me at x", "insta: x", "his snapchat is x", "add me on tiktok x", "insta x2009".
_HANDLE_CUE_RE = re.compile(
    r"\b" + _PLATFORM + r"\b(?P<link>(?:\s+me)?(?:\s+(?:at|on|is|@|under|as|called|named)\b|\s*[:=\-@]"
    r"|\s+(?:user)?name\s+is)*)\s*@?"
    r"(?P<handle>[A-Za-z0-9_.]*[A-Za-z0-9_](?:#\d{4})?)",
    re.I,
)
# A made-up account name (letters with digits, "_" or an inner "."; "bigmo2011", "kayla_xo",
# "shanz.x") within a few words after a platform or account word: "follow me on tiktok, im bigmo2011".
_ACCOUNT_CUE_RE = re.compile(patterns.PLATFORM_WORD_RE.pattern, re.I)
_MADE_UP_RE = re.compile(r"(?<![\w.@])(?=[A-Za-z0-9_.]*[A-Za-z][A-Za-z0-9_.]*[A-Za-z])"
                         r"[A-Za-z0-9_][A-Za-z0-9_.]*(?:\d|_|\.[A-Za-z0-9])[A-Za-z0-9_.]*(?<![.])")
_NOT_ACCOUNT_RE = re.compile(r"^(?:ps[45]|\d{1,2}(?:am|pm|st|nd|rd|th|s)|y(?:ea)?r\d{1,2}|mp[34]|4g|5g|\d+k)$", re.I)
_HOUSE_NUMBER_RE = re.compile(r"\b(?:at|lives? at|living at|outside|from) (?P<number>(?:no\.?|number) ?\d{1,4}[a-z]?)\b", re.I)
_SOCIAL_URL_RE = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?(?:(?:facebook|fb|instagram|tiktok|snapchat|twitter|x|threads|youtube)\.(?:com|net)"
    r"|t\.me|wa\.me|twitch\.tv)/(?:add/|@)?[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*",
    re.I,
)
_DIGIT_RE = re.compile(r"\d")
_WORD_RE = re.compile(r"[^\W\d_][\w'\-]*")


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
    """The redacted text, the original, the spans replaced, and whether the redactor is unsure.

    ``is_uncertain`` is True when something that may still be personal data is left (see
    ``reasons``): such a text must not be quoted, and is masked for viewers.
    """

    text: str
    original: str
    spans: tuple[RedactedSpan, ...]
    is_uncertain: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of personal data found (``"name"``, ``"email"``, ...)."""
        return frozenset(span.kind for span in self.spans)

    @property
    def has_redactions(self) -> bool:
        """True when anything was replaced."""
        return bool(self.spans)

    @property
    def n_redacted(self) -> int:
        """How many pieces of personal data were replaced."""
        return len(self.spans)


def load_names(path: Path = NAMES_PATH) -> frozenset[str]:
    """Read a first-name list (one a line, ``#`` comments) into a lower-case set."""
    return read_list(path)


def redact(text: str, *, names: frozenset[str] | None = None) -> RedactionResult:
    """Replace personal data in ``text`` with placeholders such as ``[name]`` and ``[street]``.

    Full-width digits and letters are read as plain ones (NFKC) before matching; the spans still
    point into ``text``.

    Parameters
    ----------
    text : str
        One free-text answer.
    names : frozenset of str, optional
        Lower-case first names to treat as common names; defaults to the bundled list. The open
        first-name and surname lists are used as well.

    Returns
    -------
    RedactionResult
        Redacted text, the original, each span found with its kind, and the uncertainty verdict.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact expects a str, got {type(text).__name__}: {text!r}")
    lists = name_lists()
    if names is not None:
        lists = replace(lists, common=names, first=lists.first | names)
    plain = _fold(text)
    found = _find_patterns(plain)
    taken = [(span.start, span.end) for span in found]
    contacts = [(span.start, span.end) for span in found if span.kind in ("phone", "email", "address", "postcode")]
    found += [RedactedSpan("name", start, end, text[start:end])
              for start, end in find_names(plain, lists, taken, contacts)]
    spans = [RedactedSpan(span.kind, span.start, span.end, text[span.start : span.end]) for span in _merge(found)]
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(PLACEHOLDERS[span.kind])
        position = span.end
    pieces.append(text[position:])
    redacted = "".join(pieces)
    reasons = uncertainty_reasons(_fold(redacted), lists)
    return RedactionResult(redacted, text, tuple(spans), bool(reasons), reasons)


def assess_redaction(text: str) -> RedactionResult:
    """Redact ``text`` and say whether the redactor is unsure about it (``is_uncertain``, ``reasons``).

    The same as :func:`redact`; named for callers that only need the verdict.
    """
    return redact(text)


def _fold(text: str) -> str:
    """NFKC-normalise each character that stays one character (full-width "０７" -> "07"), so
    positions in the result are positions in ``text``."""
    if text.isascii():
        return text
    return "".join(folded if len(folded := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text)


def _find_patterns(text: str) -> list[RedactedSpan]:
    spans: list[RedactedSpan] = []
    if "@" in text:
        spans += _spans(_EMAIL_RE, text, "email")
        spans += _spans(_HANDLE_RE, text, "handle")
    lower = text.lower()
    if ("at" in lower and "dot" in lower or "(at)" in lower or "[at]" in lower or "{at}" in lower or "<at>" in lower
            or re.search(r"\sat\s", lower) or " @" in text or "@ " in text) \
            and (not text.isascii() or patterns.DOT_ENDING_RE.search(lower)):
        spans += _spans(_OBFUSCATED_EMAIL_RE, text, "email")
    if ".com" in lower or ".net" in lower or ".me/" in lower or ".tv/" in lower:
        spans += _spans(_SOCIAL_URL_RE, text, "handle")
    if patterns.may_name_platform(lower) and patterns.PLATFORM_WORD_RE.search(lower):
        spans += _handle_spans(text)
        spans += _account_spans(text)
    if "oh " in lower or "zero " in lower or "nought " in lower:
        spans += [span for span in _spans(patterns.SPOKEN_PHONE_RE, text, "phone")
                  if patterns.count_spoken_digits(span.text) in (10, 11)]
    if not _DIGIT_RE.search(text):  # every remaining pattern needs a digit
        return spans
    # Each pattern only where a cheap test (nlp.redaction_patterns: a digit in the place it needs
    # one, or a word it needs) says it may match: most digits are years, times and prices.
    letter_digit = patterns.LETTER_DIGIT_RE.search(text)
    if patterns.PHONE_DIGITS_RE.search(text):
        spans += _phone_spans(text)
    if letter_digit:
        spans += _spans(_POSTCODE_RE, text, "postcode")
    if patterns.ADDRESS_GATE_RE.search(text):
        spans += [span for span in _spans(_ADDRESS_RE, text, "address") if _is_street(span.text)]
    if "fl" in lower or "ap" in lower:  # flat, apartment, apt
        spans += _spans(_FLAT_RE, text, "address")
        spans += _spans(patterns.FLAT_NUMBER_RE, text, "address", group=1)
    if patterns.HOUSE_NUMBER_GATE_RE.search(text):
        spans += _spans(_HOUSE_NUMBER_RE, text, "address", group=1)
    for pattern, gate in zip(_VEHICLE_RES, (letter_digit, letter_digit, patterns.DIGIT_CAPITAL_RE.search(text),
                                            patterns.SPACED_PLATE_GATE_RE.search(text))):
        if gate:
            spans += [span for span in _spans(pattern, text, "vehicle") if not _ends_in_word(span.text)]
    if "reg" in lower or "plate" in lower or "number" in lower:
        spans += _plate_cue_spans(text)
    return spans + _more_spans(text, lower)


def _plate_cue_spans(text: str) -> list[RedactedSpan]:
    """Whole or partial plates after a plate cue, and a second one offered after "or" ("KM19 or KN19")."""
    spans = []
    for match in patterns.PLATE_CUE_RE.finditer(text):
        detail: re.Match[str] | None = match
        while detail is not None and patterns.plate_after_cue(detail.group("detail")):
            spans.append(RedactedSpan("vehicle", detail.start("detail"), detail.end("detail"), detail.group("detail")))
            detail = patterns.PLATE_ALTERNATIVE_RE.match(text, detail.end("detail"))
    return spans


def _more_spans(text: str, lower: str) -> list[RedactedSpan]:
    """Dates of birth, NI numbers, collar numbers and the address forms of :mod:`nlp.redaction_patterns`."""
    spans = []
    # "birth" as "rth": re folds a dotted or dotless i to "i", str.lower does not
    if "rth" in lower or "born" in lower or patterns.DOB_GATE_RE.search(lower):
        spans += _spans(patterns.DATE_OF_BIRTH_RE, text, "date_of_birth", group=1)
    if patterns.SIX_DIGITS_RE.search(text):
        spans += _spans(patterns.NI_NUMBER_RE, text, "ni_number")
    for match in patterns.COLLAR_RE.finditer(text) if patterns.COLLAR_CUE_RE.search(lower) else ():
        group = "detail" if match.group("detail") else "detail2"
        spans.append(RedactedSpan("collar", match.start(group), match.end(group), match.group(group)))
    if patterns.BUILDING_WORD_RE.search(text):
        spans += _spans(patterns.BUILDING_RE, text, "address")
    if " The " in text:
        spans += _spans(patterns.THE_STREET_RE, text, "address")
    if "liv" in lower or "stay" in lower or "moved" in lower or "house" in lower:
        spans += _spans(patterns.LIVES_AT_RE, text, "address", group=1)
    places = name_lists().places
    for match in patterns.NUMBERED_NAME_RE.finditer(text) if "," in text else ():
        place = match.group("place")
        if (place is None or place.lower() in places) and _is_street_name(match.group(), name_lists()):
            spans.append(RedactedSpan("address", match.start(), match.end(), match.group()))
    return spans


def _is_street_name(candidate: str, lists: NameLists) -> bool:
    """True when the words after a house number may be a street ("88 Heathway"), not "12 March"."""
    words = [word.lower() for word in _WORD_RE.findall(candidate)]
    return bool(words) and not any(word in _NOT_STREETS or word in STOP_WORDS for word in words)


_NOT_STREETS = frozenset(
    """jan january feb february mar march apr april may jun june jul july aug august sep sept september oct october
    nov november dec december monday tuesday wednesday thursday friday saturday sunday minutes hours days weeks
    months years people police officers times""".split()
)


def _spans(pattern: re.Pattern[str], text: str, kind: str, group: int = 0) -> list[RedactedSpan]:
    return [
        RedactedSpan(kind, match.start(group), match.end(group), match.group(group))
        for match in pattern.finditer(text)
    ]


def _handle_spans(text: str) -> list[RedactedSpan]:
    """Handles after a platform word. An everyday word is taken only after "me at", ":" or "@"
    ("snap me at lilrem"), so "my snap is dead" and "tiktok videos" keep their words."""
    spans = []
    for match in _HANDLE_CUE_RE.finditer(text):
        handle = match.group("handle")
        lower = handle.lower()
        link = match.group("link").strip().lower()
        looks_made_up = bool(re.search(r"[\d_.#]", handle)) or (
            lower not in english_words() and not link.endswith(("as", "under", "called", "named")))
        strong_link = link in ("me at", ":", "@")
        if (looks_made_up or strong_link) and (lower not in STOP_WORDS or re.search(r"[\d_.]", handle)):
            spans.append(RedactedSpan("handle", match.start("handle"), match.end("handle"), handle))
    return spans


def _account_spans(text: str) -> list[RedactedSpan]:
    """Made-up account names in the 40 characters after a platform or account word."""
    spans = []
    for cue in _ACCOUNT_CUE_RE.finditer(text):
        window_end = min(len(text), cue.end() + 40)
        for match in _MADE_UP_RE.finditer(text, cue.end(), window_end):
            if not _NOT_ACCOUNT_RE.match(match.group()) and not _ACCOUNT_CUE_RE.fullmatch(match.group()):
                spans.append(RedactedSpan("handle", match.start(), match.end(), match.group()))
    return spans


def _phone_spans(text: str) -> list[RedactedSpan]:
    # A run that is not a phone number is passed by one character, not skipped, so that "0 07700 900123"
    # still finds the number after the lone 0.
    spans = []
    for pattern in (_PHONE_RE, _SHORT_PHONE_RE):
        position = 0
        while (match := pattern.search(text, position)) is not None:
            if _is_phone(match.group()):
                end = match.end()
                if extension := patterns.EXTENSION_RE.match(text, end):
                    end = extension.end()
                spans.append(RedactedSpan("phone", match.start(), end, text[match.start() : end]))
                position = end
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
    if len(digits) == 12:  # a landline written with a digit too many ("01708 123 4567"), not "07700 900123 4"
        return digits[:2] in ("01", "02", "03") and len(re.split(r"\D+", candidate.strip())[-1]) >= 3
    return digits.startswith("0") and len(digits) in (10, 11)


def _ends_in_word(plate: str) -> bool:
    """True for "RM13 has": a postcode district and a lower-case word, not a plate written in lower case."""
    letters = plate[-3:]
    return letters.islower() and (letters in STOP_WORDS or letters in english_words())


def _is_street(candidate: str) -> bool:
    # Words after the house number: "8a Marlborough Gdns" is "Marlborough Gdns", not "a ...".
    words = [word.lower() for word in _WORD_RE.findall(re.sub(r"\d+[a-z]?\b", " ", candidate, flags=re.I))]
    # The last word is the suffix; the others must look like a street name, not a clause.
    return bool(words[:-1]) and not any(word in STOP_WORDS for word in words[:-1] if word != "st")


def _merge(spans: list[RedactedSpan]) -> list[RedactedSpan]:
    """Drop spans overlapping an earlier or longer one; return them in text order."""
    ordered = sorted(spans, key=lambda span: (span.start, -(span.end - span.start)))
    merged: list[RedactedSpan] = []
    for span in ordered:
        if merged and span.start < merged[-1].end:
            continue
        merged.append(span)
    return merged
