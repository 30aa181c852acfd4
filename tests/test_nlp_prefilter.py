"""The literal pre-check never rules out a pattern that matches (it may only save work)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.prefilter import LiteralPrefilter, required_literals
from nlp.safeguarding import _RULES

PATTERNS = [pattern for _, pattern in _RULES]
PREFILTER = LiteralPrefilter(PATTERNS)
WORDS = sorted({literal for pattern in PATTERNS for literal in (required_literals(pattern) or ())}
               | {"my", "mate", "got", "me", "he", "they", "at", "school", "home", "the", "bus", "stop", "i", "was"})


def _matching(text: str) -> set[int]:
    return {i for i, pattern in enumerate(PATTERNS) if pattern.search(text)}


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), st.sampled_from([" ", "  ", ", ", ". "]))
def test_prefilter_keeps_every_rule_that_matches_a_text(words, joiner):
    text = joiner.join(words)
    assert _matching(text) <= set(PREFILTER.candidates(text))


def test_required_literals_are_exact_for_simple_alternatives():
    assert required_literals(re.compile(r"\b(?:stab|shank)bed\b")) == frozenset({"stabbed", "shankbed"})
    assert required_literals(re.compile(r"\bhit(s|ting)?\b")) == frozenset({"hit"})


def test_required_literals_give_up_on_patterns_they_do_not_model():
    assert required_literals(re.compile(r"\w+")) is None
    assert PREFILTER.candidates("") == sorted(PREFILTER.always)
