"""The literal pre-check never rules out a pattern that matches (it may only save work)."""

from __future__ import annotations

import re

from hypothesis import given, settings
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
    from nlp.redaction import _PLATFORM_WORD_RE, _may_name_platform
    from nlp.uncertainty import _PLATFORM_RE
    from nlp.uncertainty import _may_name_platform as _may_name_platform_left

    lower = text.lower()
    assert _may_name_platform(lower) or not _PLATFORM_WORD_RE.search(lower)
    assert _may_name_platform_left(text) or not _PLATFORM_RE.search(text)


@settings(max_examples=600, deadline=None)
@given(_texts())
def test_literal_gate_never_rules_out_an_organisation(text):
    from nlp.name_cues import ORGANISATION_GATE, ORGANISATION_RE

    assert ORGANISATION_GATE.may_match(text) or not ORGANISATION_RE.search(text)


def test_platform_gates_pass_each_whole_word_alone():
    from nlp.redaction import _PLATFORM_WHOLE_WORDS, _PLATFORM_WORD_RE, _may_name_platform

    for word in _PLATFORM_WHOLE_WORDS:
        assert _PLATFORM_WORD_RE.search(f"my {word} is jo") and _may_name_platform(f"my {word} is jo")
    assert not _may_name_platform("a big night at the school")


def test_literal_gate_reads_a_case_insensitive_pattern_in_lower_case_and_passes_other_letters():
    gate = LiteralGate(re.compile(r"\bsnap(?:chat)?\b", re.I))
    assert gate.literals == ("snap",)
    assert gate.may_match("my SNAPCHAT") and not gate.may_match("my phone")
    assert gate.may_match("my \u017fnap")  # re folds the long s to "s": a text beyond ASCII always passes
    assert re.compile(r"\bsnap\b", re.I).search("my \u017fnap")
    assert LiteralGate(re.compile(r"caf\u00e9", re.I)).literals is None  # a letter beyond ASCII: no gate
