"""Say when a redacted text may still hold personal data, so that it is masked rather than quoted.

Each check looks at the text after redaction and names what was left: a long run of digits that
was not taken as a phone number, an "@" or a platform word with a word after it, a word next to a
redacted name that may be a surname, an unknown word after a person cue, or a capitalised word
that is neither an everyday word nor a known place.
"""

from __future__ import annotations

import functools
import re

from spacy.lang.en.stop_words import STOP_WORDS

from nlp.memo import MemoPerOwner, WordMemo
from nlp.names import NameLists, cue_before, is_name_like, split_words
from nlp.text import english_words

DIGITS = "digits that may be a phone number"
AT_SIGN = "an @ that may be a handle or e-mail"
PLATFORM = "a social-media word followed by what may be a handle"
SURNAME = "a possible surname next to a redacted name"
AFTER_CUE = "an unknown word after a word that introduces a person"
CAPITALISED = "a capitalised unknown word that may be a name"
HANDLE_LIKE = "a word with a dot or underscore inside that may be a handle"

_DIGIT_RUN_RE = re.compile(r"\d(?:[\s.\-/()]{0,2}\d){6,}")
_DATE_RE = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}$")
_PLATFORM_RE = re.compile(
    r"\b(?:snap(?:chat)?|insta(?:gram)?|ig|tik\s?tok|twitter|telegram|discord|facebook|fb)\b"
    r"(?:\s+me)?(?:\s+(?:at|on|is)\b|\s*[:=\-])*\s*([A-Za-z0-9_.]{3,30})",
    re.I,
)
# Every match of _PLATFORM_RE holds one of these or is one of the whole words (a cheap test first).
_PLATFORM_PARTS = ("snap", "insta", "tik", "twitter", "telegram", "discord", "facebook")
_PLATFORM_WHOLE_WORD_RE = re.compile(r"\b(?:ig|fb)\b")
# Every match of _HANDLE_LIKE_RE holds "_" or a "." before a letter or digit (a cheap test first).
_DOT_BEFORE_ALNUM_RE = re.compile(r"\.[A-Za-z0-9]")
_HANDLE_LIKE_RE = re.compile(r"(?<![\w.@/])[A-Za-z][A-Za-z0-9]*(?:_|\.(?=[A-Za-z0-9]))[A-Za-z0-9_.]*[A-Za-z0-9_](?![\w/])")
_NOT_HANDLES = frozenset("e.g i.e a.m p.m etc n.b".split())
_NEXT_TO_NAME_RE = re.compile(r"\[name\][ \-]([^\W\d_][\w'\-]*)")
STREET_WORDS = frozenset(
    """road rd street st avenue ave av lane ln close cl way drive dr crescent cres gardens gdns court ct place pl
    grove terrace walk rise hill mews square sq parade row green gate park station estate pkwy parkway blvd
    boulevard highway hwy bridge centre center school college county city town village river""".split()
)
_ORGANISATIONS = frozenset(
    """tfl nhs ulez asb cctv pcso pcsos tesco asda lidl aldi sainsburys morrisons mcdonalds kfc uber
    deliveroo whatsapp snapchat instagram tiktok facebook youtube google amazon mp mps""".split()
)


def uncertainty_reasons(redacted: str, lists: NameLists) -> tuple[str, ...]:
    """The reasons the redactor is unsure about ``redacted`` (empty when it is sure)."""
    reasons = []
    if any(not _DATE_RE.match(run.group()) for run in _DIGIT_RUN_RE.finditer(redacted)):
        reasons.append(DIGITS)
    if "@" in redacted:
        reasons.append(AT_SIGN)
    may_hold_handle = "_" in redacted or _DOT_BEFORE_ALNUM_RE.search(redacted)
    if may_hold_handle and any(match.group().lower() not in _NOT_HANDLES
                               and not re.search(r"\.(?:com|co|org|net|uk|gov)\b", match.group().lower())
                               for match in _HANDLE_LIKE_RE.finditer(redacted)):
        reasons.append(HANDLE_LIKE)
    if _may_name_platform(redacted) and any(_unknown(match.group(1)) for match in _PLATFORM_RE.finditer(redacted)):
        reasons.append(PLATFORM)
    if "[name]" in redacted and any(_maybe_surname(match.group(1), lists)
                                    for match in _NEXT_TO_NAME_RE.finditer(redacted)):
        reasons.append(SURNAME)
    words, strings = split_words(redacted)
    if any(cue_before(redacted, words[i].start()) is not None for i in _unknown_words(strings)):
        reasons.append(AFTER_CUE)
    if any(_capitalised_unknown(redacted, words, i) for i, may in enumerate(_name_like_memo(lists)(strings)) if may):
        reasons.append(CAPITALISED)
    return tuple(reasons)


def _may_name_platform(text: str) -> bool:
    """False when ``text`` surely has no match of ``_PLATFORM_RE`` (for ASCII text: the pattern
    ignores case, and ``re`` folds a few other letters, such as the long s, to ASCII ones)."""
    if not text.isascii():
        return True
    return any(_platform_pieces(text.lower().split(" ")))  # no part holds a space


def _may_hold_platform(piece: str) -> bool:
    return any(map(piece.__contains__, _PLATFORM_PARTS)) or bool(_PLATFORM_WHOLE_WORD_RE.search(piece))


_platform_pieces = WordMemo(_may_hold_platform)


def _unknown(word: str) -> bool:
    return word.lower().strip("._") not in _known_words()


def _unknown_words(words: list[str]) -> list[int]:
    """The indices of the unknown words (:func:`_unknown`), each distinct word looked up once."""
    return [index for index, is_unknown in enumerate(_unknown_flags(words)) if is_unknown]


@functools.lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """English words, stop words, organisations and the placeholders' words: none is unknown."""
    return english_words() | STOP_WORDS | _ORGANISATIONS \
        | {"name", "handle", "phone", "email", "street", "postcode", "vehicle", "reg"}


_unknown_flags = WordMemo(_unknown)


def _maybe_surname(word: str, lists: NameLists) -> bool:
    lower = word.lower()
    return (word[0].isupper() or lower in lists.surnames) and lower not in STOP_WORDS and lower not in lists.words


def _capitalised_unknown(text: str, words: list[re.Match[str]], index: int) -> bool:
    """Whether ``words[index]``, a capitalised unknown word (:func:`_name_like`), stands where it
    may be a name: not before a road word, not at a sentence start."""
    following = words[index + 1].group().lower() if index + 1 < len(words) else ""
    if following in STREET_WORDS:  # "Seattle Ave" is a street
        return False
    before = text[: words[index].start()].rstrip(" \"'(")
    if index == 0 or not before or before[-1] in ".!?\n:;-[":
        return False  # a capital at a sentence start says nothing
    return True


def _name_like(lists: NameLists, word: str) -> bool:
    """A capitalised word that may be a name wherever it stands: no short capitals, organisation or road word."""
    if not word[:1].isupper() or (word.isupper() and len(word) <= 4) or word.lower() in _ORGANISATIONS:
        return False
    return word.lower() not in STREET_WORDS and is_name_like(word, lists)



_name_like_memo: MemoPerOwner[NameLists, bool] = MemoPerOwner(_name_like)
