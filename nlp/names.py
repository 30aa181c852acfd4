"""Find people's names in free text, for :mod:`nlp.redaction`.

A word is taken as a name when a cue says a person follows ("my friend", "ask for", "arrests",
"called", "Mr"), when it is a listed first name written like a name, or when it stands next to a
name as a surname ("ahmed khan", "LEROY WILLIAMS"). Listed names that are also everyday words
("will", "hope", "mark", "rose") are names only when capitalised in the middle of a sentence, or
after a cue. Words of the borough place lists ("Harold Wood", "Gidea Park") are kept.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from nlp.text import english_words

DATA = Path(__file__).parent / "data"
NAMES_PATH = DATA / "first_names.txt"

_WORD_RE = re.compile(r"[^\W\d_][\w'\-]*")
_CUE_RE = re.compile(
    r"\b(?:called|named|call(?:s|ed)?\s+(?:him|her)|name\s+is|name's|names|known\s+as|goes\s+by|nicknamed|"
    r"ask\s+for|asking\s+for|me\s+and|me\s+&|arrest(?:s|ed|ing)?|tell|ask|with|call|ring|text|message|contact|"
    r"(?:my|his|her|our|their|your|a|the)\s+(?:neighbou?rs?|mate|mates|friend|friends|bf|gf|boyfriend|girlfriend|"
    r"brother|sister|cousin|son|daughter|uncle|aunt|auntie|step\s?dad|step\s?mum|dad|mum|teacher|ex|"
    r"husband|wife|partner|landlord|bro|sis|nephew|niece|carer|coach|tutor)|"
    r"(?:this|that|a|the)\s+(?:guy|man|boy|girl|kid|woman|lad|bloke|dude|yute|youth|geezer|lady|fella)|"
    r"(?:uncle|aunty|auntie|aunt|nan|nanny|nana|grandad|grandma|granny|cllr|councillor|pc|sgt|officer|lil|"
    r"step\s?dad|step\s?mum|mums?\s+(?:boy\s?friend|bf|partner|fella)|dads?\s+(?:girl\s?friend|gf|partner))|"
    r"(?:mr|mrs|ms|miss|dr|mx)\.?)\s+$",
    re.I,
)
# Cues after which the next word may well be an ordinary word: only a capitalised or listed word counts.
_WEAK_CUES = frozenset({"tell", "ask", "with", "me and", "me &", "call", "ring", "text", "message", "contact"})
# A name signing off the message: "call me on 07700 900123 - Jade", "thanks, Sam x".
_SIGN_OFF_RE = re.compile(r"(?:[\-\u2013\u2014~,]|\b(?:thanks|cheers|from|love|regards|luv|its|it's|by|signed|xx))\s*$",
                          re.I)
# What may follow a signed name: punctuation, kisses, an age ("- Aisha, 14", "by Demi (13)").
_END_RE = re.compile(r"^[\s.!?,)\]x]*(?:\(?\s*(?:aged\s*)?\d{1,2}\s*\)?(?:\s*(?:yrs?|years?)(?:\s*old)?)?)?[\s.!?,)\]x]*$",
                     re.I)
# Words after which an unlisted capitalised word that is no English word or place is a person:
# "Oluwadamilare lives upstairs", "Jannat is my mate", "Gintare from number 8".
_PERSON_VERBS = frozenset(
    """lives lived is was keeps kept said says told tells got gets has had from who hit hits kicked punched came
    comes goes went texted messaged threatened sold sells deals stole took always never shouted shouts pushed
    started starts attacked followed saw sees""".split()
)
_TITLE_RE = re.compile(r"\b(?:mr|mrs|ms|miss|dr|mx)\.?\s+$", re.I)
# After these a capitalised name is part of a place: "Harold Hill", "Elizabeth line".
_PLACE_AFTER = frozenset(
    """hill wood road rd street st park line station centre center close cl avenue ave av gardens gdns court
    house school academy college hospital green heath way lane estate ward library square bridge row gate
    cross drive parade market primary high tower towers chase common lodge hall field fields place
    terrace walk mews crescent grove""".split()
)
# Of those, the ones that are everyday words too ("me and Kofi walk home") count only when capitalised.
_PLACE_AFTER_IF_CAPITAL = frozenset(
    "wood close way green gate cross drive parade market primary high chase common lodge hall field fields "
    "place terrace walk mews crescent grove house row".split()
)
_PLACE_BEFORE = frozenset("st saint king queen prince princess lake mount port fort".split())
# Listed names that are months, places or words too often to take without a cue.
_CUE_ONLY = frozenset(
    """will may june april august summer bill mark guy frank hope faith joy sunny rich chase hunter
    chelsea victoria harold amber jay dev lee max dean ray pat rob sue jack grace rose ruby jade
    holly heather ali jun lei wei ming mei ana""".split()
)
_NOT_NAMES = frozenset(
    """police council tfl the a an i im it its this that he she they we you my me him her them
    mum dad bro fam innit lol nan mate mates monday tuesday wednesday thursday friday saturday sunday
    january february march october november december christmas easter eid diwali ramadan
    tesco asda lidl aldi sainsburys morrisons mcdonalds kfc nhs ulez cctv asb pcso pcsos
    english british muslim muslims christian jewish hindu sikh polish asian african caribbean
    god jesus allah ok okay yes no jan feb mar apr jun jul aug sep sept oct nov dec black white
    north south east west northern southern eastern western central
    uber bolt lime deliveroo justeat amazon google facebook instagram insta snapchat tiktok whatsapp youtube
    netflix greggs primark boots costa starbucks nandos maccies wetherspoons spoons brexit covid corona lockdown
    labour tory tories ukip reform met scotland yard ofsted ofcom dvla airbnb paypal iphone android
    xbox playstation roblox fortnite discord telegram twitter""".split()
)


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
                     read_list(DATA / "surnames_open.txt"), everyday | _CUE_ONLY, frozenset(places) - common, everyday)


def find_names(text: str, lists: NameLists, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each name in ``text`` not inside a ``taken`` span, surnames included."""
    words = list(_WORD_RE.finditer(text))
    found: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        match = words[index]
        if not _may_be_name(words, index, lists):  # cheap test first: most words are neither
            index += 1
            continue
        if _inside(match.start(), match.end(), taken) or not _is_name(text, words, index, lists):
            index += 1
            continue
        end_index = index
        while end_index + 1 < len(words) and _is_surname(text, words, end_index + 1, lists):
            end_index += 1
        found.append((match.start(), words[end_index].end()))
        index = end_index + 1
    if "&" not in text and not any(word.group().lower() in ("and", "or") for word in words):
        return found
    return found + _paired_names(text, words, lists, found, taken)


def _may_be_name(words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    """False for a word :func:`_is_name` would surely refuse: lower case, unlisted, not after a title."""
    word = words[index].group()
    if word[0].isupper():
        return True
    lower = _plain(_bare(word))
    if lower in lists.first or lower in lists.surnames:
        return True
    return index > 0 and words[index - 1].group().lower() in _TITLES


_TITLES = frozenset("mr mrs ms miss dr mx".split())


def cue_before(text: str, start: int) -> str | None:
    """The person cue ending just before ``start`` ("my friend ", "Mr "), lower-cased, or None."""
    match = _CUE_RE.search(text[max(0, start - 40) : start])
    return " ".join(match.group().lower().split()) if match else None


def is_name_like(word: str, lists: NameLists) -> bool:
    """True for a capitalised word that is neither an everyday word, a stop word nor a place word."""
    lower = _bare(word).lower()
    return (word[:1].isupper() and lower not in STOP_WORDS and lower not in _NOT_NAMES
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


def _before_person_verb(text: str, words: list[re.Match[str]], index: int) -> bool:
    if index + 1 >= len(words) or text[words[index].end() : words[index + 1].start()] != " ":
        return False
    return words[index + 1].group().lower() in _PERSON_VERBS


def _is_name(text: str, words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    word = _bare(words[index].group())
    lower = _plain(word)
    if not word or lower in STOP_WORDS or lower in _NOT_NAMES or len(lower) < 2:
        return False
    start = words[index].start()
    if _TITLE_RE.search(text[max(0, start - 6) : start]):
        return True
    capital = word[0].isupper() and not (word.isupper() and len(word) < 3)
    if capital and _is_sign_off(text, words[index]) and lower not in english_words() - lists.first:
        return True
    cue = cue_before(text, start)
    if cue is not None and not _is_place(words, index, lists):
        if capital:
            return True
        # In lower case only a listed name counts: "their neighbours anymore" is no person. An
        # unlisted word left after a cue makes the text uncertain instead (nlp.uncertainty).
        if cue in _WEAK_CUES:
            return lower in lists.first and lower not in lists.words and lower not in english_words()
        return (lower in lists.first or lower in lists.surnames) and lower not in lists.everyday \
            and lower not in english_words() - lists.common
    if capital and lower not in lists.first and not word.isupper() and _before_person_verb(text, words, index) \
            and is_name_like(word, lists) and not _is_place(words, index, lists):
        return True
    if lower not in lists.first or _is_place(words, index, lists):
        return False
    if not capital:  # lower case: a listed name that is no everyday word, standing with a surname or common
        if lower in lists.words or lower in english_words():
            return False
        return lower in lists.common or _next_is_surname(text, words, index, lists)
    if lower in lists.words:  # "Mark my words", "Hope Street": only a curated name mid-sentence
        return lower in lists.common and lower not in _CUE_ONLY and not _is_sentence_start(text, start)
    if word.isupper():
        return not _all_caps(text) or _next_is_surname(text, words, index, lists)
    return lower not in english_words() or not _is_sentence_start(text, start)


def _is_surname(text: str, words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    between = text[words[index - 1].end() : words[index].start()]
    word = _bare(words[index].group())
    lower = word.lower()
    if between not in (" ", "-") or not word or lower in STOP_WORDS or lower in _NOT_NAMES:
        return False
    if lower in _PLACE_AFTER or _is_place(words, index, lists):
        return False
    if word[0].isupper():
        previous = words[index - 1].group()
        return not word.isupper() or previous.isupper() or lower in lists.surnames
    # After a name even "ali" or "lee" is a surname; only everyday words ("smith" is not one) stop it.
    return (lower in lists.surnames or lower in lists.first) and lower not in lists.everyday


def _next_is_surname(text: str, words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    if index + 1 >= len(words):
        return False
    lower = _bare(words[index + 1].group()).lower()
    return text[words[index].end() : words[index + 1].start()] == " " and lower in lists.surnames \
        and lower not in lists.words and lower not in _PLACE_AFTER


def _paired_names(text: str, words: list[re.Match[str]], lists: NameLists, found: list[tuple[int, int]],
                  taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Capitalised words joined by "and" or "&" to a name: "Chidinma and [name]", and pairs such as
    "Chidinma and Precious" where one is a listed first name and neither is a place or a common word."""
    extra = []
    for index, match in enumerate(words):
        if _inside(match.start(), match.end(), found + taken) or not _pairable(words, index, lists):
            continue
        for other in _joined_neighbours(text, words, index):
            if _inside(words[other].start(), words[other].end(), found) or (
                _pairable(words, other, lists)
                and lists.first & {_bare(match.group()).lower(), _bare(words[other].group()).lower()}
                and not _inside(words[other].start(), words[other].end(), taken)
            ):
                extra.append((match.start(), match.end()))
                break
    return extra


def _pairable(words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    word = words[index].group()
    lower = _bare(word).lower()
    if not word[:1].isupper() or word.isupper() or _is_place(words, index, lists):
        return False
    return is_name_like(word, lists) or (lower in lists.first and lower not in STOP_WORDS and lower not in _NOT_NAMES)


def _joined_neighbours(text: str, words: list[re.Match[str]], index: int) -> list[int]:
    """Indices of the words joined to ``words[index]`` by "and", "or" or "&"."""
    neighbours = []
    for step in (-1, 1):
        near = index + step
        if not 0 <= near < len(words):
            continue
        if words[near].group().lower() in ("and", "or") and 0 <= near + step < len(words):
            neighbours.append(near + step)
        left, right = sorted((index, near))
        if text[words[left].end() : words[right].start()].strip() == "&":
            neighbours.append(near)
    return neighbours


def _is_place(words: list[re.Match[str]], index: int, lists: NameLists) -> bool:
    following = words[index + 1].group() if index + 1 < len(words) else ""
    previous = words[index - 1].group().lower().rstrip(".") if index > 0 else ""
    lower = _bare(words[index].group()).lower()
    if following.lower() in _PLACE_AFTER and (following[0].isupper() or following.lower() not in _PLACE_AFTER_IF_CAPITAL):
        return True
    return following == "'s" or previous in _PLACE_BEFORE or lower in lists.places


def _is_sign_off(text: str, match: re.Match[str]) -> bool:
    """True for the last word of a text after a dash, comma or "thanks"."""
    return bool(_END_RE.match(text[match.end() :])) and bool(_SIGN_OFF_RE.search(text[: match.start()]))


def _all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)


def _is_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'(")
    return not before or before[-1] in ".!?\n:;-"


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
