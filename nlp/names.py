"""Find people's names in free text, for :mod:`nlp.redaction`.

A word is taken as a name when a cue says a person follows ("my friend", "ask for", "arrests",
"called", "Mr"), when it is a listed first name written like a name, or when it stands next to a
name as a surname ("ahmed khan", "LEROY WILLIAMS"). Listed names that are also everyday words
("will", "hope", "mark", "rose") are names only when capitalised in the middle of a sentence, or
after a cue. Words of the borough place lists ("Harold Wood", "Gidea Park") are kept.

Also taken: capitalised words just before a contact detail ("Klea Berisha, 07700 900123"), a word
before "and me" or "and her mum", the name after an opening "From" ("From Yonas Tesfaye, ..."),
a full name with an everyday first name ("Grace Okoye"), a listed name joined by "and" to a found
one ("me and tolu and blessing"), and a possessive before a relation ("sasha's dad"). What a cue
lets through depends on its strength (:mod:`nlp.name_cues`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from nlp.memo import MemoPerOwner
from nlp.name_cues import (
    AND_ME_RE,
    COLOURS,
    CUE_END_WORDS,
    CUE_ONLY,
    END_RE,
    FROM_GROUP_RE,
    NOT_NAMES,
    OPENER_RE,
    ORGANISATION_GATE,
    ORGANISATION_RE,
    PERSON_VERBS,
    PLACE_AFTER,
    PLACE_AFTER_IF_CAPITAL,
    PLACE_BEFORE,
    RELATION_WORDS,
    SIGN_OFF_RE,
    SLANG,
    TITLE_RE,
    VERB_NAMES,
    dictionary_words,
    may_hold_title,
)
from nlp.name_cues import cue_before as _cue
from nlp.text import english_words

DATA = Path(__file__).parent / "data"
NAMES_PATH = DATA / "first_names.txt"

_WORD_RE = re.compile(r"[^\W\d_][\w'\-]*")

# What a word is on its own (see _facts_of), as bits; most words of a comment are none of these.
_MAY_BE_NAME = 1  # capitalised, or a listed name that is no English word: _may_be_name may be True
_CUE_END = 2  # may end a person cue, so the next word may be a name
_JOINS = 4  # "and", "or", "n"
_LOWER_PAIRABLE = 8  # a lower-case listed name that may stand beside another ("me and tolu and blessing")
_PAIRABLE = 16  # a capitalised word that may be a name beside another, if it is no place
_TITLE_ONLY = 32  # a name only after a title ("mr"): see _facts_of
_NEVER_NAME = 64  # a stop word or a single letter (as _is_name reads it first)
_CUE_ONLY = 128  # a capitalised English word, not listed: a name only after a title or a person cue


@dataclass(frozen=True)
class NameLists:
    """Lower-case name sets: the curated common list, all first names, surnames, names that are words."""

    common: frozenset[str]
    first: frozenset[str]
    surnames: frozenset[str]
    words: frozenset[str]
    places: frozenset[str]
    everyday: frozenset[str] = frozenset()


def read_list(path: Path) -> frozenset[str]:
    """A one-a-line list (``#`` comments) as a lower-case set."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=4)
def name_lists(common_path: Path = NAMES_PATH) -> NameLists:
    """The bundled name lists and the words of the borough place lists (read once)."""
    common = read_list(common_path)
    places: set[str] = set()
    for path in [*sorted(DATA.glob("places_*.txt")), DATA / "place_words_uk.txt"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                places.update(word.lower() for word in _WORD_RE.findall(line))
    everyday = read_list(DATA / "name_words.txt")
    return NameLists(common, common | read_list(DATA / "first_names_open.txt"),
                     read_list(DATA / "surnames_open.txt"), everyday | CUE_ONLY, frozenset(places) - common, everyday)


def find_names(text: str, lists: NameLists, taken: list[tuple[int, int]],
               contacts: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """(start, end) of each name in ``text`` not inside a ``taken`` span, surnames included.

    ``contacts`` are the phone numbers and e-mail addresses found: capitalised words just before
    one ("Klea Berisha, 07700 900123") are the writer's name.
    """
    words, strings = split_words(text)
    facts = _word_facts(strings, lists)
    found: list[tuple[int, int]] = _before_contacts(text, words, lists, contacts or [])
    if " " in text and ORGANISATION_GATE.may_match(text) and ORGANISATION_RE.search(text):
        taken = taken + [match.span() for match in ORGANISATION_RE.finditer(text)]
    # Cheap test first: most words are neither capitalised, listed, nor after a cue word; stop
    # words and single letters are never names, and some words only after a title ("mr").
    titled = may_hold_title(text)
    never = _NEVER_NAME if titled else _NEVER_NAME | _TITLE_ONLY
    maybe = [index for index, fact in enumerate(facts) if not fact & never
             and (fact & _MAY_BE_NAME or index > 0 and facts[index - 1] & _CUE_END)]
    free = 0  # the first word not taken into a name yet
    for index in maybe:
        match = words[index]
        if index < free or _inside(match.start(), match.end(), taken + found) \
                or not _is_name(text, words, index, facts, lists, titled):
            continue
        end_index = index
        while end_index + 1 < len(words) and _is_surname(text, words, end_index + 1, lists):
            end_index += 1
        end = words[end_index].end()
        found.append((match.start(), end - 2 if text[end - 2 : end].lower() in ("'s", "\u2019s") else end))
        free = end_index + 1
    if "&" not in text and not any(map(_JOINS.__and__, facts)):
        return found
    return found + _paired_names(text, words, facts, lists, found, taken)


def split_words(text: str) -> tuple[list[re.Match[str]], list[str]]:
    """The words of ``text`` (a letter, then letters, digits, apostrophes or hyphens) and their
    strings; not to be changed. The last text's are kept: when nothing was redacted, the
    uncertainty check reads the same text again."""
    global _last_split
    last = _last_split
    if last[0] == text:
        return last[1], last[2]
    words = list(_WORD_RE.finditer(text))
    strings = [word.group() for word in words]
    _last_split = (text, words, strings)
    return words, strings


_last_split: tuple[str, list[re.Match[str]], list[str]] = ("", [], [])


def _word_facts(words: list[str], lists: NameLists) -> list[int]:
    """The facts (bits) of each word, each distinct word worked out once per name lists."""
    return _facts_memo(lists)(words)


def _facts_of(lists: NameLists, word: str) -> int:
    lower = word.lower()
    plain = _plain(_bare(word))
    # A word _is_name would surely refuse, unless a cue word comes before it: lower case and
    # unlisted, or listed but an English word (in lower case an English word needs a cue).
    may_be_name = word[0].isupper() or (plain in lists.first or plain in lists.surnames) and plain not in english_words()
    pairable = word[:1].isupper() and not word.isupper() and (
        is_name_like(word, lists)
        or _bare(word).lower() in lists.first and _bare(word).lower() not in STOP_WORDS
        and _bare(word).lower() not in NOT_NAMES)
    # Only a title can make a name of a lower-case word neither listed nor unknown, of a word never
    # a name ("police"), or of an English place word ("Street": no sign-off, and a place after it).
    title_only = not word[0].isupper() and plain not in lists.first and plain not in lists.surnames \
        and not _is_unknown(plain, lists) or plain in NOT_NAMES \
        or _bare(word).lower() in lists.places and plain in english_words() and plain not in lists.first
    never = not _bare(word) or plain in STOP_WORDS or len(plain) < 2
    cue_only = word[0].isupper() and plain in english_words() and plain not in lists.first \
        and plain not in lists.surnames
    return (_MAY_BE_NAME * may_be_name | _TITLE_ONLY * title_only | _NEVER_NAME * never | _CUE_ONLY * cue_only | _CUE_END * (lower in CUE_END_WORDS) | _JOINS * (lower in ("and", "or", "n"))
            | _LOWER_PAIRABLE * _lower_pairable(word, lists) | _PAIRABLE * pairable)


_facts_memo: MemoPerOwner[NameLists, int] = MemoPerOwner(_facts_of)


def cue_before(text: str, start: int) -> str | None:
    """The person cue ending just before ``start`` ("my friend ", "Mr "), lower-cased, or None.

    The writer's own introductions ("it's", "I am") are left out: an adverb follows them far more
    often than a name ("it's especially bad"), and only a capitalised name is taken after them.
    """
    cue = _cue(text, start)
    return cue[0] if cue and cue[1] != "intro" else None


def is_name_like(word: str, lists: NameLists) -> bool:
    """True for a capitalised word that is neither an everyday word, a stop word nor a place word."""
    lower = _bare(word).lower()
    return (word[:1].isupper() and lower not in STOP_WORDS and lower not in NOT_NAMES
            and lower not in lists.places and lower not in english_words())


def _bare(word: str) -> str:
    """The word without "'s" and quotes; "I'm" and "I'd" become "i"."""
    if "'" not in word and "\u2019" not in word and "-" not in word:
        return word
    word = word.replace("\u2019", "'").removesuffix("'s").removesuffix("'S").strip("'-")
    head, apostrophe, tail = word.partition("'")
    return head if apostrophe and tail.lower() in ("m", "d", "ve", "ll", "re", "t") else word


def _plain(word: str) -> str:
    """Lower case without accents, as the name lists are written: "Siân" -> "sian", "Ayşe" -> "ayse"."""
    lower = word.lower()
    if lower.isascii():
        return lower
    return "".join(ch for ch in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(ch))


def _before_verb(text: str, words: list[re.Match[str]], index: int) -> bool:
    """True when a person verb or "and" follows the word: "my mate jun said", "me and tolu and ..."."""
    return index + 1 < len(words) and (words[index + 1].group().lower() in PERSON_VERBS | {"and"})


def _before_relation(words: list[re.Match[str]], index: int) -> bool:
    """True for a possessive before a relation: "sasha's dad", "tolu's brother"."""
    word = words[index].group().replace("\u2019", "'")
    return word.lower().endswith("'s") and index + 1 < len(words) and words[index + 1].group().lower() in RELATION_WORDS


def _before_person_verb(text: str, words: list[re.Match[str]], index: int) -> bool:
    if index + 1 >= len(words) or text[words[index].end() : words[index + 1].start()] != " ":
        return False
    return words[index + 1].group().lower() in PERSON_VERBS


def _is_unknown(lower: str, lists: NameLists) -> bool:
    """A lower-case word that is in no word list, no place list and no text-speak: maybe a name."""
    return len(lower) > 2 and lower.isalpha() and not _is_word(lower, lists) and lower not in STOP_WORDS \
        and lower not in SLANG and lower not in lists.places and lower not in NOT_NAMES


def _is_word(lower: str, lists: NameLists) -> bool:
    """An English word ("violence", "unlit", "alright"), unless a curated name ("tolu", "amber")."""
    return lower in english_words() or (lower in dictionary_words() and lower not in lists.common)


def _after_cue(text: str, words: list[re.Match[str]], index: int, cue: tuple[str, str], lists: NameLists) -> bool:
    """Whether ``words[index]`` is a name after ``cue`` (its words and strength, see :mod:`nlp.name_cues`)."""
    cue_text, kind = cue
    word = _bare(words[index].group())
    lower = _plain(word)
    if word[0].isupper() and kind in ("noun", "relation", "title"):
        return True
    listed = lower in lists.first or lower in lists.surnames
    if kind == "noun":  # only a person can follow: a listed name even if a word, or an unknown word
        if cue_text.startswith(("ask", "arrest", "signed", "regards")):  # not "asking for money"
            return (listed and (lower in lists.common or lower not in lists.everyday and not _is_word(lower, lists))) \
                or _is_unknown(lower, lists)
        return (listed and lower not in VERB_NAMES) or _is_unknown(lower, lists)
    if kind in ("relation", "title"):  # "my mate jun said", not "my friend said" or "their neighbours anymore"
        if listed and lower not in VERB_NAMES and lower not in english_words():
            return True
        return (listed and lower not in VERB_NAMES or _is_unknown(lower, lists)) and _before_verb(text, words, index)
    if kind == "intro":  # "it's Tendai", not "it's Terrible"
        return word[0].isupper() and (lower in lists.first or is_name_like(word, lists)) and lower not in english_words()
    # Weak cues ("tell the council", "with HAWK signals"): a capitalised name-like word, or a listed
    # name that is not an everyday word. An unlisted word left after a cue makes the text uncertain
    # instead (nlp.uncertainty).
    if word[0].isupper() and not word.isupper() and is_name_like(word, lists):
        return True
    return lower in lists.first and lower not in lists.words


def _is_name(text: str, words: list[re.Match[str]], index: int, facts: list[int], lists: NameLists,
             titled: bool = True) -> bool:
    """Whether ``words[index]`` is a name (``titled``: the text may hold a title such as "Mr")."""
    word = _bare(words[index].group())
    lower = _plain(word)
    start = words[index].start()
    if not word or lower in STOP_WORDS or len(lower) < 2:
        return False
    if titled and TITLE_RE.search(text[max(0, start - 6) : start]) and (word[0].isupper() or lower not in NOT_NAMES):
        return True  # "Mrs Sheikh", "Dr Imam": a surname may be a title word too
    if facts[index] & _TITLE_ONLY:  # no test below can take it (_facts_of)
        return False
    if facts[index] & _CUE_ONLY and _cue(text, start) is None:  # nor a capitalised English word without a cue
        return False
    if lower in NOT_NAMES or index > 0 and words[index - 1].group().lower() in COLOURS:
        return False  # "a silver Ford Focus", "a black Mercedes": a car, not a person
    capital = word[0].isupper() and not (word.isupper() and len(word) < 3)
    if capital and _is_sign_off(text, words[index]) and lower not in english_words() - lists.first:
        return True
    if _is_place(words, index, lists):
        return False
    cue = _cue(text, start)
    if cue is not None and (capital or not word[0].isupper()) and _after_cue(text, words, index, cue, lists):
        return True
    if lower in lists.first and (AND_ME_RE.match(text, words[index].end()) and lower not in VERB_NAMES
                                 or capital and FROM_GROUP_RE.match(text, words[index].end())):
        return True  # "its ruby and my mate", "Jack from the Rotary told me"
    if (opener := _opens_text(text, start)) or AND_ME_RE.match(text, words[index].end()):
        # An unknown lower-case word only after "from" or before "and me": "its bteter lighting" is a typo.
        unknown_is_name = not opener or text[:start].lower().rstrip().endswith("from")
        return (capital and (lower in lists.first or is_name_like(word, lists)) and not _is_word(lower, lists)) \
            or (unknown_is_name and _is_unknown(lower, lists)) or (lower in lists.first and not _is_word(lower, lists))
    if capital and not word.isupper() and _before_person_verb(text, words, index) and not _is_word(lower, lists) \
            and (lower in lists.first or is_name_like(word, lists)):
        return True
    if lower not in lists.first:
        return False
    if not capital:  # lower case: a listed name that is no everyday word, standing with a surname or common
        if lower in lists.words or lower in english_words():
            return False
        return lower in lists.common or _next_is_surname(text, words, index, lists) \
            or _before_relation(words, index)
    if lower in lists.words:  # "Mark my words", "Hope Street": a curated name mid-sentence or a full name
        return (lower in lists.common and lower not in CUE_ONLY and not _is_sentence_start(text, start)) \
            or _next_is_full_surname(text, words, index, lists)
    if word.isupper():  # in text all in capitals only a curated name that is no word ("KWAME AND TOLU")
        return (lower in lists.common and (not _all_caps(text) or lower not in english_words())) \
            or _next_is_surname(text, words, index, lists)
    return lower not in english_words() or not _is_sentence_start(text, start)


def _opens_text(text: str, start: int) -> bool:
    """True after an opening "From" or "Hi, it's" at the start of the text."""
    return start < 30 and bool(OPENER_RE.match(text[:start]))


def _before_contacts(text: str, words: list[re.Match[str]], lists: NameLists,
                     contacts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Capitalised name-like words (up to three) right before ", <phone or e-mail>"."""
    found = []
    for contact_start, _ in contacts:
        index = next((i for i in range(len(words) - 1, -1, -1) if words[i].end() <= contact_start), None)
        if index is None:
            continue
        between = text[words[index].end() : contact_start]
        if between == " " and _may_sign(words[index].group(), lists) \
                and not _is_word(_plain(_bare(words[index].group())), lists):
            found.append(words[index].span())  # "Tesfay 07700 900315": one unknown word, a space, a number
            continue
        if not re.fullmatch(r"\s*[,(:\-]\s*", between):
            continue
        first = index
        while first >= 0 and index - first < 3 and _may_sign(words[first].group(), lists) \
                and (first == index or text[words[first].end() : words[first + 1].start()] == " "):
            first -= 1
        if first < index:
            found.append((words[first + 1].start(), words[index].end()))
    return found


def _may_sign(word: str, lists: NameLists) -> bool:
    lower = _plain(_bare(word))
    return word[:1].isupper() and lower not in STOP_WORDS and lower not in NOT_NAMES and lower not in lists.places \
        and (lower in lists.first or lower in lists.surnames or lower not in english_words())


def _is_surname(text: str, words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    between = text[words[index - 1].end() : words[index].start()]
    word = _bare(words[index].group())
    lower = word.lower()
    if between not in (" ", "-") or not word or lower in STOP_WORDS or lower in NOT_NAMES:
        return False
    if lower in PLACE_AFTER or _is_place(words, index, lists):
        return False
    if word.isupper():  # "LEROY WILLIAMS", not "KWAME GOT STABBED"
        return (lower in lists.surnames or lower in lists.first) and lower not in english_words()
    if word[0].isupper():
        return True
    # After a name even "ali" or "lee" is a surname; only everyday words ("smith" is not one) stop it.
    return (lower in lists.surnames or lower in lists.first) and lower not in lists.everyday


def _next_is_full_surname(text: str, words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    """A capitalised listed surname that is no English word follows: "Jack Thompson", "Grace Okoye"."""
    if index + 1 >= len(words):
        return False
    following = words[index + 1].group()
    lower = _bare(following).lower()
    return following[0].isupper() and _next_is_surname(text, words, index, lists) and lower not in english_words() \
        and not _is_place(words, index + 1, lists)


def _next_is_surname(text: str, words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    if index + 1 >= len(words):
        return False
    lower = _bare(words[index + 1].group()).lower()
    return text[words[index].end() : words[index + 1].start()] == " " and lower in lists.surnames \
        and lower not in lists.words and lower not in PLACE_AFTER


def _paired_names(text: str, words: list[re.Match[str]], facts: list[int], lists: NameLists,
                  found: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Capitalised words joined by "and" or "&" to a name: "Chidinma and [name]", and pairs such as
    "Chidinma and Precious" where one is a listed first name and neither is a place or a common word."""
    extra = []
    spans = found + taken
    # The word's own facts first (cheap): most words can stand beside no name.
    for index in [index for index, fact in enumerate(facts) if fact & (_LOWER_PAIRABLE | _PAIRABLE)]:
        match = words[index]
        if _inside(match.start(), match.end(), spans):
            continue
        if not match.group()[0].isupper():  # "me and tolu and blessing": a listed name next to a name
            if facts[index] & _LOWER_PAIRABLE and any(
                    _inside(words[other].start(), words[other].end(), found)
                    for other in _joined_neighbours(text, words, index)):
                extra.append((match.start(), match.end()))
            continue
        if not facts[index] & _PAIRABLE or _is_place(words, index, lists):
            continue
        for other in _joined_neighbours(text, words, index):
            if _inside(words[other].start(), words[other].end(), found) or (
                _pairable(words, other, facts, lists)
                and lists.first & {_bare(match.group()).lower(), _bare(words[other].group()).lower()}
                and not _inside(words[other].start(), words[other].end(), taken)
            ):
                extra.append((match.start(), match.end()))
                break
    return extra


def _lower_pairable(word: str, lists: NameLists) -> bool:
    lower = _plain(_bare(word))
    return lower in lists.first and lower not in STOP_WORDS and lower not in NOT_NAMES and lower not in VERB_NAMES \
        and (lower in lists.everyday or lower not in english_words())


def _pairable(words: list[re.Match[str]], index: int, facts: list[int], lists: NameLists) -> bool:
    return bool(facts[index] & _PAIRABLE) and not _is_place(words, index, lists)


def _joined_neighbours(text: str, words: list[re.Match[str]], index: int) -> list[int]:
    """Indices of the words joined to ``words[index]`` by "and", "or" or "&"."""
    neighbours = []
    for step in (-1, 1):
        near = index + step
        if not 0 <= near < len(words):
            continue
        if words[near].group().lower() in ("and", "or", "n") and 0 <= near + step < len(words):
            neighbours.append(near + step)
        left, right = sorted((index, near))
        if text[words[left].end() : words[right].start()].strip() == "&":
            neighbours.append(near)
    return neighbours


def _is_place(words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    following = words[index + 1].group() if index + 1 < len(words) else ""
    if following[:1].isupper() and index + 2 < len(words) and words[index + 2].group().lower() in PLACE_AFTER \
            and (words[index + 2].group()[0].isupper() or words[index + 2].group().lower() not in PLACE_AFTER_IF_CAPITAL) \
            and words[index + 2].start() - words[index].end() == len(following) + 2:  # one space each
        return True  # "Edgar Millward close", "John Smith Road"
    previous = words[index - 1].group().lower().rstrip(".") if index > 0 else ""
    lower = _bare(words[index].group()).lower()
    if following.lower() in PLACE_AFTER and (following[0].isupper() or following.lower() not in PLACE_AFTER_IF_CAPITAL):
        return True
    return following == "'s" or previous in PLACE_BEFORE or lower in lists.places


def _is_sign_off(text: str, match: re.Match[str]) -> bool:
    """True for the last word of a text after a dash, comma or "thanks"."""
    return bool(END_RE.match(text[match.end() :])) and bool(SIGN_OFF_RE.search(text[: match.start()]))


def _all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)


def _is_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'(")
    return not before or before[-1] in ".!?\n:;-"


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
