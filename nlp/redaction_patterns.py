"""Patterns for the personal details :mod:`nlp.redaction` finds besides names, phones and e-mails.

Dates of birth, National Insurance numbers, police collar numbers, phone extensions, partial
plates after a cue, and address forms the house-number pattern misses: a flat in a named
building ("Flat 12 Brooke House"), "12 The Chase", a house number before a street written without
a road word ("88 Heathway, RM10 8AB", "lives at 14 Heathway"). Each pattern needs a cue or a
shape no ordinary sentence has, so that "born in 2009", "the 62 bus" and "PC said no" are kept.

Also the platform words handles follow, and the cheap tests :mod:`nlp.redaction` runs before its
costlier patterns: each passes every text its pattern can match (``tests/test_nlp_prefilter.py``),
so they change how fast redaction is, never what it finds.
"""

from __future__ import annotations

import re

from nlp.memo import WordMemo

STREET_SUFFIX = (  # the road words of an address
    r"road|rd|street|st|avenue|ave|av|lane|ln|close|cl|way|drive|dr|crescent|cres|gardens|gdns|court|ct"
    r"|place|pl|grove|gr|terrace|tce|walk|rise|hill|mews|square|sq|parade|pde|row|green|gate|vale|view|chase"
    r"|wharf|heights|hts|approach|boulevard|blvd|broadway|embankment"
)

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b"
         r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\.?,?\s+\d{4}\b"
         r"|" + _MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b)")
# "dob 12/03/2009", "D.O.B: 1st May 2010", "born on 3 March 2010", "date of birth is 01.02.08".
DATE_OF_BIRTH_RE = re.compile(
    r"\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?day|born(?:\s+on)?)\s*(?:is|was|:|-|=)?\s*"
    r"(?P<detail>" + _DATE + r")",
    re.I,
)
# National Insurance number: two letters, six digits, a letter A-D ("QQ 12 34 56 C", "ab123456c");
# any two letters are taken, as people copy HMRC's example prefix "QQ".
NI_NUMBER_RE = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)
# "PC 1234", "PC2345", "PCSO 7788", "collar number 4567", "badge no. 12AB".
COLLAR_RE = re.compile(
    r"\b(?:p\.?c\.?s\.?o|p\.?c|d\.?c|sgt|sergeant|constable|officer)\s?(?:(?-i:[A-Z][a-z'\-]+\s+){1,2})?"
    r"(?P<detail>\d{3,6})\b"
    r"|\b(?:collar|shoulder|badge|warrant)\s*(?:number|no\.?|#)?\s*(?:is|was|:|-)?\s*(?P<detail2>[A-Z]{0,2}\d{2,6})\b",
    re.I,
)
# Quick tests that a text may hold a collar number or a named building at all.
COLLAR_CUE_RE = re.compile(r"p\.?c|d\.?c|sgt|sergeant|constable|officer|collar|shoulder|badge|warrant")
BUILDING_WORD_RE = re.compile(r"House|Court|Tower|Lodge|Point|Heights|Mansions|Building|Block|Hall|Place")
# After a phone number: "ext 204", "extension 12", "x 2231", "ext. 5".
EXTENSION_RE = re.compile(r"\s*,?\s*(?:ext(?:ension)?\.?|x)\s*\d{1,5}\b", re.I)
_BUILDING = r"(?:House|Court|Tower|Towers|Lodge|Point|Heights|Mansions|Buildings?|Block|Hall|Place)"
# "Flat 12 Brooke House", "flat 4, Kenway Court", "41 Brooke House".
BUILDING_RE = re.compile(
    r"\b(?:(?i:flat|apartment|apt|unit|room)\s*)?\d{1,4}[a-zA-Z]?\s*,?\s+(?:[A-Z][\w'\-]+\s+){1,3}" + _BUILDING + r"\b"
)
# "12 The Chase", "3 The Drive": a street named with "The" and a road word only.
THE_STREET_RE = re.compile(
    r"\b\d{1,4}[a-zA-Z]?\s+The\s+(?:Chase|Drive|Avenue|Grove|Green|Crescent|Close|Parade|Mews|Walk|Rise|Broadway"
    r"|Ridgeway|Glade|Paddocks?|Spinney|Lane|Row|Square|Vale|Heights|Approach|Meadows?|Sidings|Willows|Limes)\b"
)
# A house number before a capitalised street name without a road word, when the address goes on
# with a postcode or a place ("88 Heathway, RM10 8AB", "14 Heathway, Dagenham"), or after "lives at".
NUMBERED_NAME_RE = re.compile(
    r"\b\d{1,4}[a-zA-Z]?\s+[A-Z][a-z][\w'\-]*(?:\s+[A-Z][a-z][\w'\-]*)?"
    r"(?=\s*,\s*(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|(?P<place>[A-Z][a-z]+)))"
)
LIVES_AT_RE = re.compile(
    r"\b(?:lives?|living|lived|moved|stays?|staying|house\s+is)\s+(?:at|to|on)\s+"
    r"(?P<detail>\d{1,4}[a-zA-Z]?\s+[A-Z][a-z][\w'\-]*(?:\s+[A-Z][a-z][\w'\-]*)?)",
)
# A partial or whole plate after a cue: "plate starts LR19", "reg ending in 7XK", "reg is AB12CDE".
PLATE_CUE_RE = re.compile(
    r"\b(?:reg(?:istration)?|number\s?plate|plate)s?\s*(?:number|no\.?)?\s*"
    r"(?:(?:starts?|started|starting|begins?|began|beginning|ends?|ended|ending)\b(?:\s+(?:with|in))?\s*"
    r"|(?:(?:looked|looks|look|looking|was|is)\s+)?(?:(?:something|summat)\s+)?like\s+)?(?:is|was|:|-)?\s*"
    r"(?P<detail>(?!(?:with|in|is|was|like)\b)[A-Z0-9]{2,4}(?:\s?(?-i:[A-Z0-9]{1,4}))?)\b",
    re.I,
)
# A second plate offered after the first: "KM19 or KN19", "7KX / 7KY".
PLATE_ALTERNATIVE_RE = re.compile(r"\s*(?:or|/|,)\s*(?P<detail>[A-Z0-9]{2,4}(?:\s?[A-Z0-9]{1,4})?)\b")
# A flat number given after the word: "my flat is 27", "flat number 4b", "flat no. 12".
FLAT_NUMBER_RE = re.compile(r"\bflat\s+(?:is|was|number|no\.?|num|#)\s*(?:is\s+)?(?P<detail>\d{1,4}[a-z]?)\b", re.I)
_SPOKEN_WORDS = r"oh|o|zero|nought|one|two|three|four|five|six|seven|eight|nine|double|treble|triple|hundred|thousand"
# A phone number spelled out: "oh seven seven double oh nine hundred four double one".
SPOKEN_PHONE_RE = re.compile(
    r"\b(?:oh|zero|nought)(?:[\s,\-]+(?:" + _SPOKEN_WORDS + r")){7,}\b",
    re.I,
)

# A platform or account word (redaction looks for handles after one).
PLATFORM_WORD_RE = re.compile(r"snap|insta|\big\b|\bsc\b|\btt\b|\byt\b|tik|twitter|\btwt\b|telegram|discord|\bfb\b|"
                              r"facebook|threads|bereal|be real|whats ?app|\bx\s*[:@]|roblox|xbox|"
                              r"\bpsn\b|playstation|\bps[45]\b|twitch|\bkik\b|youtube|steam|fortnite|gamer ?tag|"
                              r"user ?name|\bhandle\b|\bfollow me\b|\badd me\b")
# Every match of PLATFORM_WORD_RE holds one of these strings or matches the whole-word pattern
# (its \b-bounded alternatives): a cheap test first, since most texts name no platform.
_PLATFORM_PARTS = ("snap", "insta", "tik", "twitter", "telegram", "discord", "facebook", "threads", "bereal",
                   "whats", "roblox", "xbox", "playstation", "twitch", "youtube", "steam", "fortnite", "gamer",
                   "user", ":", "@")
_SPACED_PLATFORM_PARTS = ("be real", "follow me", "add me")
_PLATFORM_WHOLE_WORD_RE = re.compile(r"\b(?:ig|sc|tt|yt|twt|fb|psn|ps[45]|kik|handle)\b")


def may_name_platform(lower: str) -> bool:
    """False when the lower-case text surely has no match of ``PLATFORM_WORD_RE``: the parts with
    a space are looked for in it, the others (and the whole words) space-free piece by piece."""
    return any(map(lower.__contains__, _SPACED_PLATFORM_PARTS)) or any(_platform_pieces(lower.split(" ")))


def _may_hold_platform(piece: str) -> bool:
    return any(map(piece.__contains__, _PLATFORM_PARTS)) or bool(_PLATFORM_WHOLE_WORD_RE.search(piece))


_platform_pieces = WordMemo(_may_hold_platform)


# Cheap tests before the patterns that need digits (each starts at a digit, so ``re`` skips to the
# digits of a text): every match of the pattern named holds a match of its test.
# Postcodes and the current and prefix plates: a letter before a digit ("RM1", "AB12", "A123").
LETTER_DIGIT_RE = re.compile(r"\d(?<=[^\W\d_]\d)")
# Suffix plates ("ABC 123D"): a digit before a capital.
DIGIT_CAPITAL_RE = re.compile(r"\d(?=[A-Z])")
# A plate written "LD 67 ABC".
SPACED_PLATE_GATE_RE = re.compile(r"\d\d[\s\-][A-Z]")
# Phone numbers: "0" or the "44" of +44 and 0044, then at least eight of the pattern's digits and signs, then a digit.
PHONE_DIGITS_RE = re.compile(r"(?:0|44)[\d\s\-().\/]{8,}\d")
# The address pattern from the last digit of its house number on: "12 Hill Road", "8a, Marlborough Gdns".
ADDRESS_GATE_RE = re.compile(r"\d[^\W\d_]?\s*,?\s+(?:[^\W\d_][\w'\-]*\s+){1,3}?(?:" + STREET_SUFFIX + r")\b", re.I)
# "no. 12", "number 4" (the house-number pattern).
HOUSE_NUMBER_GATE_RE = re.compile(r"(?:no\.?|number) ?\d", re.I)
# National Insurance numbers: three pairs of digits.
SIX_DIGITS_RE = re.compile(r"\d\d\s?\d\d\s?\d\d")
# How an obfuscated e-mail address ends: "dot com", "(dot) co", ". org", in the lower-cased ASCII text.
DOT_ENDING_RE = re.compile(r"(?:dot|\.)[\s)\]}>]*(?:com|co|org|net|uk|io|me|info|biz|ac|edu|gov)\b")
# "dob", "d.o.b" (the date-of-birth cues without "birth" or "born"), in the lower-cased text.
DOB_GATE_RE = re.compile(r"d\.?\s?o\.?\s?b")

_SPOKEN_VALUES = {"oh": 1, "o": 1, "zero": 1, "nought": 1, "double": 1, "treble": 2, "triple": 2, "hundred": 2,
                  "thousand": 3}


def count_spoken_digits(words: str) -> int:
    """How many digits a spelled-out number stands for ("double oh" is two, "nine hundred" three)."""
    return sum(_SPOKEN_VALUES.get(word, 1) for word in re.findall(r"[a-z]+", words.lower()))


_LETTER_AND_DIGIT_RE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])")


def plate_after_cue(detail: str) -> bool:
    """True when what follows a plate cue has both a letter and a digit ("LR19", not "starts")."""
    return bool(_LETTER_AND_DIGIT_RE.match(detail.replace(" ", "")))
