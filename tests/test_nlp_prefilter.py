"""The literal pre-check never rules out a pattern that matches (it may only save work)."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from nlp.literals import required_alternatives, required_literals
from nlp.prefilter import LiteralGate, LiteralPrefilter
from nlp.safeguarding import _RULES, _prefilter

PATTERNS = [pattern for _, pattern in _RULES]
PREFILTER = LiteralPrefilter(PATTERNS)
# Every literal the analysis found (multi-word ones too), and everyday words around them.
WORDS = sorted({literal for pattern in PATTERNS for clauses in required_alternatives(pattern) for clause in clauses
                for literal in clause}
               | {"my", "mate", "got", "me", "he", "they", "at", "school", "home", "the", "bus", "stop", "i", "was"})
JOINS = st.sampled_from([" ", "  ", ", ", ". ", "", "\t", "-", "'", "\x02", "\x03"])


def _matching(text: str) -> set[int]:
    return {i for i, pattern in enumerate(PATTERNS) if pattern.search(text)}


@st.composite
def _sentences(draw) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=10))
    return "".join(draw(JOINS) + word for word in words) + draw(JOINS)


@settings(max_examples=500, deadline=None)
@given(_sentences())
def test_prefilter_keeps_every_rule_that_matches_a_text(text):
    assert _matching(text) <= set(PREFILTER.candidates(text))


@settings(max_examples=500, deadline=None)
@given(_sentences())
def test_the_screens_prefilter_keeps_every_rule_that_matches_a_text(text):
    """The prefilter the screen uses, which looks for what is rarest in the team's ordinary comments."""
    assert _matching(text) <= set(_prefilter().candidates(text))


def test_prefilter_reads_a_literal_across_words_and_marks_where_its_pieces_stand():
    pattern = re.compile(r"\bend my life\b|\bwant to die\b")
    prefilter = LiteralPrefilter([pattern])
    for text in ("i want to end my life", "dont want to die", "x.end my life"):
        assert pattern.search(text) and prefilter.candidates(text) == [0]
    # "life" must start a word and "want" end one (a space follows it in the literal)
    for text in ("the wildlife", "we wanted to go", "the end of my wife"):
        assert not pattern.search(text) and prefilter.candidates(text) == []


def test_required_literals_are_exact_for_simple_alternatives():
    assert required_literals(re.compile(r"\b(?:stab|shank)bed\b")) == frozenset({"stabbed", "shankbed"})
    assert required_literals(re.compile(r"\bhit(s|ting)?\b")) == frozenset({"hit"})


def test_required_literals_give_up_on_patterns_they_do_not_model():
    assert required_literals(re.compile(r"\w+")) is None
    assert PREFILTER.candidates("") == sorted(PREFILTER.always)


# --- the cheap tests put before single patterns: each may say "maybe" wrongly, never "no" wrongly

PIECES = ["snap", "Snap", "insta", "INSTA", "ig", "IG", "big", "night", "sc", "school", "tt", "yt", "tik", "tok",
          "twitter", "twt", "telegram", "discord", "fb", "FB", "facebook", "threads", "bereal", "be", "real", "whats",
          "app", "x", "X", "roblox", "xbox", "psn", "ps4", "ps5", "playstation", "twitch", "kik", "youtube", "steam",
          "fortnite", "gamer", "tag", "user", "name", "handle", "follow", "add", "me", "chat", "gram", "my", "is",
          "Marks", "and", "Spencer", "John", "Lewis", "Sue", "Ryder", "Mr", "Ben", "Jerry's", "Robert", "Clack",
          "Sanders", "Draper", "Barnardo's", "ſnap", "İnsta", "K", "café", "kayla_2009", "at", ":", "@", "-", "="]
JOINERS = st.sampled_from([" ", "", ", ", ": ", "@", ". ", "\n", "_"])


@st.composite
def _texts(draw) -> str:
    words = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8))
    return "".join(word + draw(JOINERS) for word in words)


@settings(max_examples=600, deadline=None)
@given(_texts())
def test_platform_gates_never_rule_out_a_platform_word(text):
    from nlp.redaction_patterns import PLATFORM_WORD_RE, may_name_platform
    from nlp.uncertainty import _PLATFORM_RE
    from nlp.uncertainty import _may_name_platform as _may_name_platform_left

    lower = text.lower()
    assert may_name_platform(lower) or not PLATFORM_WORD_RE.search(lower)
    assert _may_name_platform_left(text) or not _PLATFORM_RE.search(text)


@settings(max_examples=600, deadline=None)
@given(_texts())
def test_literal_gate_never_rules_out_an_organisation(text):
    from nlp.name_cues import ORGANISATION_GATE, ORGANISATION_RE

    assert ORGANISATION_GATE.may_match(text) or not ORGANISATION_RE.search(text)


def test_platform_gates_pass_each_whole_word_alone():
    from nlp.redaction_patterns import PLATFORM_WORD_RE, may_name_platform

    for word in "ig sc tt yt twt fb psn ps4 ps5 kik handle".split():
        assert PLATFORM_WORD_RE.search(f"my {word} is jo") and may_name_platform(f"my {word} is jo")
    assert not may_name_platform("a big night at the school")


def test_literal_gate_reads_a_case_insensitive_pattern_in_lower_case_and_passes_other_letters():
    gate = LiteralGate(re.compile(r"\bsnap(?:chat)?\b", re.I))
    assert gate.literals == ("snap",)
    assert gate.may_match("my SNAPCHAT") and not gate.may_match("my phone")
    assert gate.may_match("my \u017fnap")  # re folds the long s to "s": a text beyond ASCII always passes
    assert re.compile(r"\bsnap\b", re.I).search("my \u017fnap")
    assert LiteralGate(re.compile(r"caf\u00e9", re.I)).literals is None  # a letter beyond ASCII: no gate


DETAIL_PIECES = ["0", "07700", "900", "123", "44", "+44", "0044", "(0", "1", "12", "8a", "RM1", "rm10", "2AB", "ab",
                 "AB12", "CDE", "LD", "67", "ABC", "123D", "QQ", "C", "flat", "Flat", "apt", "no.", "No", "number",
                 "road", "Road", "St", "gdns", "Hill", "dob", "D.O.B", "born", "birth", "Bİrth", "bırth", "date of",
                 "on", "at", "lives at", "from", "is", "İ", "ı", "ſ", "K", "2nd", "-", ",", ".", "/", "(", ")", ":",
                 "12/03/2009", "1st May 2010", "QQ 12 34 56 C", "ab123456c", "jo", "at", "(at)", "[at]", "dot",
                 "(dot)", "com", "Co", "UK", "info", "gmail", "@", ")", "<", ">", "{", "}"]


@st.composite
def _details(draw) -> str:
    words = draw(st.lists(st.sampled_from(DETAIL_PIECES), min_size=1, max_size=9))
    return "".join(word + draw(st.sampled_from(["", " ", "  ", ", ", "-"])) for word in words)


@settings(max_examples=800, deadline=None)
@given(_details())
@example("date of b\u0130rth 12/03/2009")  # re folds the dotted and dotless i to "i"; str.lower does not
@example("b\u0131rthday: 1st May 2010")
@example("jo (at) gmail (dot) com, dave at gmail dot co dot uk, sam@ hotmail . Com")
@example("+44 7700 900123, flat 4b, 12 - 14 High St, RM1 2AB, LD 67 ABC, QQ 12 34 56 C")
def test_the_tests_before_the_detail_patterns_never_rule_one_out(text):
    import nlp.redaction as r
    from nlp import redaction_patterns as p

    lower = text.lower()
    pairs = [(r._PHONE_RE, p.PHONE_DIGITS_RE.search(text)), (r._SHORT_PHONE_RE, p.PHONE_DIGITS_RE.search(text)),
             (r._POSTCODE_RE, p.LETTER_DIGIT_RE.search(text)), (r._VEHICLE_RES[0], p.LETTER_DIGIT_RE.search(text)),
             (r._VEHICLE_RES[1], p.LETTER_DIGIT_RE.search(text)), (r._VEHICLE_RES[2], p.DIGIT_CAPITAL_RE.search(text)),
             (r._VEHICLE_RES[3], p.SPACED_PLATE_GATE_RE.search(text)), (r._ADDRESS_RE, p.ADDRESS_GATE_RE.search(text)),
             (r._FLAT_RE, "fl" in lower or "ap" in lower), (p.FLAT_NUMBER_RE, "fl" in lower),
             (r._HOUSE_NUMBER_RE, p.HOUSE_NUMBER_GATE_RE.search(text)), (p.NI_NUMBER_RE, p.SIX_DIGITS_RE.search(text)),
             (p.PLATE_CUE_RE, "reg" in lower or "plate" in lower or "number" in lower),
             (p.DATE_OF_BIRTH_RE, "rth" in lower or "born" in lower or p.DOB_GATE_RE.search(lower)),
             (r._OBFUSCATED_EMAIL_RE, not text.isascii() or p.DOT_ENDING_RE.search(lower))]
    for pattern, gate in pairs:
        assert gate or not pattern.search(text), pattern.pattern


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(["Mr", "mrs", "MS", "miss", "Dr", "mx", "dismiss", "problems", "admire", "Tom", "x",
                                 ".", " ", "  ", "\t", ",", "-"]), min_size=1, max_size=8))
@example(["dis", "miss", ".", " ", "Tom"])
@example(["proble", "ms", "  ", "  ", "Tom"])
def test_title_test_never_rules_out_a_title_before_a_word(pieces):
    from nlp.name_cues import TITLE_RE, may_hold_title

    text = "".join(pieces)
    if any(TITLE_RE.search(text[max(0, start - 6) : start]) for start in range(len(text) + 1)):
        assert may_hold_title(text)
