"""Cheap literal pre-checks for regular expressions: strings one of which every match must contain.

Python's ``re`` tries a pattern such as ``\\b(?:stab|shank|...)`` at every position of a text. If
we know that any match must contain one of a few literal strings, a ``str`` containment test
(a fast C search) can rule the pattern out first. :func:`required_literals` derives such a set
from the parsed pattern, the way RE2 and Hyperscan build their prefilters: literals are exact,
alternatives contribute the union of their requirements, optional and open-ended parts
contribute nothing, and zero-width assertions (``\\b``, ``^``, look-arounds) require nothing.
Whenever the pattern holds something the analysis does not understand it returns None (no
pre-check), so a pre-check can make a rule faster but never change what it matches.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

try:  # re._parser is CPython's own regex parser (sre_parse before 3.11)
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another Python implementation
    _c = _p = None

_MAX_EXACT = 64  # largest set of exact strings tracked per sub-pattern
_MAX_CLASS = 8  # character classes with more members are treated as unknown
_SELECTIVE = 4  # literals this long are rare enough; beyond it prefer fewer literals


class _Unknown(Exception):
    """The pattern uses something the analysis does not model."""


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which occurs in every match of ``pattern``, or None if none are known.

    Only case-sensitive ``str`` patterns are analysed (others return None).
    """
    if pattern.flags & re.IGNORECASE:
        return None
    return _analyse(pattern)


def folded_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which the lower-cased form of every match of ``pattern`` holds
    when the text is ASCII, or None if none are known.

    For a case-insensitive pattern. Strings with a letter beyond ASCII give None: ``re`` matches
    a few of those (the long s, the Kelvin sign, the dotted and dotless i) with ASCII letters.
    """
    literals = _analyse(pattern)
    if literals is None:
        return None
    folded = frozenset(literal.lower() for literal in literals)
    return folded if all(literal.isascii() for literal in folded) else None


def _analyse(pattern: re.Pattern[str]) -> frozenset[str] | None:
    if _p is None or not isinstance(pattern.pattern, str) or pattern.flags & re.VERBOSE:
        return None
    try:
        exact, required = _sequence(_p.parse(pattern.pattern, pattern.flags))
    except (_Unknown, RecursionError, AttributeError, TypeError, ValueError):
        logger.debug("no literal pre-check for %r", pattern.pattern)
        return None
    best = _best([required, exact])
    return frozenset(best) if best else None


class LiteralGate:
    """A cheap test that ``pattern`` cannot match a text: none of the strings every match holds is in it.

    Put before a pattern that most texts do not match (``gate.may_match(text) and
    pattern.search(text)``); it never changes what is found. A case-insensitive pattern is tested on
    the lower-cased text, and only when the text is ASCII (any other text may match).
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.is_folded = bool(pattern.flags & re.IGNORECASE)
        literals = folded_literals(pattern) if self.is_folded else required_literals(pattern)
        self.literals = tuple(sorted(literals)) if literals is not None else None

    def may_match(self, text: str) -> bool:
        """False only when ``pattern`` surely has no match in ``text``."""
        if self.literals is None:
            return True
        if self.is_folded:
            if not text.isascii():
                return True
            text = text.lower()
        return any(literal in text for literal in self.literals)


class LiteralPrefilter:
    """Tell which of several patterns can match a text, from one scan for all their literals.

    Parameters
    ----------
    patterns : sequence of compiled patterns
        Patterns without known literals (:func:`required_literals` is None) are always candidates.

    Notes
    -----
    The literals form one trie-shaped regex inside a look-ahead, so ``finditer`` visits every
    position and reports the longest literal starting there. A literal found at a position is a
    prefix of the longest one reported there, so each reported literal stands for every pattern
    owning one of its prefixes.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        required = [required_literals(pattern) for pattern in patterns]
        self.always = tuple(i for i, literals in enumerate(required) if literals is None)
        owners: dict[str, set[int]] = {}
        for i, literals in enumerate(required):
            for literal in literals or ():
                owners.setdefault(literal, set()).add(i)
        self.owners = {literal: frozenset(i for prefix, indices in owners.items() if literal.startswith(prefix)
                                          for i in indices) for literal in owners}
        self.scanner = re.compile(f"(?=({_trie_pattern(sorted(owners))}))") if owners else None

    def candidates(self, text: str) -> list[int]:
        """Indices (ascending) of the patterns that may match somewhere in ``text``."""
        found = set(self.always)
        if self.scanner is not None:
            owners = self.owners
            for literal in set(self.scanner.findall(text)):
                found.update(owners[literal])
        return sorted(found)


def _trie_pattern(literals: list[str]) -> str:
    """A regex matching exactly ``literals``, preferring the longest at a position."""
    trie: dict[str, dict] = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(trie)


def _trie_node(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _trie_node(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    return f"(?:{body})?"  # greedy: a longer literal is tried before this shorter one ends


# Each helper returns (exact, required): ``exact`` is the full set of strings the piece can
# match (None when unbounded or too large), ``required`` a set one of which any match contains
# (None when nothing is required). Sets holding "" are never used as requirements.

def _sequence(items: Iterable[tuple[Any, Any]]) -> tuple[set[str] | None, set[str] | None]:
    candidates: list[set[str] | None] = []
    is_exact = True
    run: set[str] = {""}
    for op, av in items:
        ends = _repeat_ends(op, av)
        if ends is not None and len(run) * len(ends) <= _MAX_EXACT:
            # X+ or X{2,} starts and ends with a string of X: close the run with it, restart with it.
            candidates.append({left + right for left in run for right in ends})
            run, is_exact = set(ends), False
            continue
        exact, required = _item(op, av)
        if exact is not None and len(run) * len(exact) <= _MAX_EXACT:
            candidates.append(exact)  # a piece alone can be a smaller pre-check than the whole run
            run = {left + right for left in run for right in exact}
            continue
        candidates += [run, required if exact is None else exact]
        run, is_exact = (exact if exact is not None else {""}), False
    candidates.append(run)
    return (run if is_exact else None), _best(candidates)


def _repeat_ends(op: Any, av: Any) -> set[str] | None:
    """The exact strings of the body of an unbounded or open repeat with at least one pass, else None."""
    if op not in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)):
        return None
    low, high, body = av
    if low < 1 or low == high:
        return None
    exact, _ = _group(body)
    return exact if exact and "" not in exact else None


def _item(op: Any, av: Any) -> tuple[set[str] | None, set[str] | None]:
    if op is _c.LITERAL:
        text = chr(av)
        return {text}, {text}
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return {""}, None
    if op is _c.SUBPATTERN:
        _, add_flags, _, body = av
        if add_flags & (re.IGNORECASE | re.VERBOSE):
            raise _Unknown
        return _group(body)
    if op is _c.ATOMIC_GROUP:
        return _group(av)
    if op is _c.BRANCH:
        return _branch(av[1])
    if op is _c.IN:
        return _char_class(av)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)):
        low, high, body = av
        return _repeat(low, high, body)
    if op in (_c.ANY, _c.NOT_LITERAL, _c.CATEGORY):
        return None, None
    raise _Unknown(op)


def _group(body: Any) -> tuple[set[str] | None, set[str] | None]:
    exact, required = _sequence(body)
    return exact, (required if exact is None else _usable(exact))


def _branch(alternatives: list[Any]) -> tuple[set[str] | None, set[str] | None]:
    exacts: set[str] | None = set()
    requireds: set[str] | None = set()
    for alternative in alternatives:
        exact, required = _group(alternative)
        exacts = exacts | exact if exacts is not None and exact is not None else None
        requireds = requireds | required if requireds is not None and required is not None else None
    if exacts is not None and len(exacts) > _MAX_EXACT:
        exacts = None
    return exacts, requireds


def _char_class(members: list[tuple[Any, Any]]) -> tuple[set[str] | None, set[str] | None]:
    chars: set[str] = set()
    for op, av in members:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:
            return None, None
    return (chars, chars) if 0 < len(chars) <= _MAX_CLASS else (None, None)


def _repeat(low: int, high: int, body: Any) -> tuple[set[str] | None, set[str] | None]:
    exact, required = _group(body)
    if low == 0:
        return ({""} | exact, None) if high == 1 and exact is not None else (None, None)
    if exact is not None and low == high and len(exact) ** low <= _MAX_EXACT:
        repeated = {""}
        for _ in range(low):
            repeated = {left + right for left in repeated for right in exact}
        return repeated, _usable(repeated)
    return None, (_usable(exact) if exact is not None else required)


def _usable(strings: set[str] | None) -> set[str] | None:
    return strings if strings and "" not in strings else None


def _minimal(strings: set[str]) -> set[str]:
    """Drop strings that contain another member: finding the shorter one is already enough."""
    return {s for s in strings if not any(t != s and t in s for t in strings)}


def _best(candidates: Iterable[set[str] | None]) -> set[str] | None:
    """The cheapest selective set: shortest member as long as possible (up to 4), then fewest members."""
    usable = [_minimal(s) for s in (_usable(c) for c in candidates) if s is not None]
    if not usable:
        return None
    return max(usable, key=lambda s: (min(_SELECTIVE, *(len(x) for x in s)), -len(s)))
