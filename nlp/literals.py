"""What strings every match of a regular expression holds, read from the parsed pattern.

Python's ``re`` tries a pattern such as ``\\b(?:stab|shank|...)`` at every position of a text. If
we know that any match must contain one of a few literal strings, a ``str`` containment test
(a fast C search) can rule the pattern out first (:mod:`nlp.prefilter`). :func:`required_literals`
derives such a set from the parsed pattern, the way RE2 and Hyperscan build their prefilters:
literals are exact, alternatives contribute the union of their requirements, optional and
open-ended parts contribute nothing, and zero-width assertions (``\\b``, ``^``, look-arounds)
require nothing. A pattern usually requires several such sets at once (a *clause* each: "my" or
"his", then "hit" or "kick"), and one alternative of a long pattern far less than the whole:
:func:`required_alternatives` gives both. Whenever the pattern holds something the analysis does
not understand there is no answer, so a pre-check built on one never changes what a pattern matches.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
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

Clauses = list[set[str]]


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which occurs in every match of ``pattern``, or None if none are known.

    Only case-sensitive ``str`` patterns are analysed (others return None).
    """
    if pattern.flags & re.IGNORECASE:
        return None
    alternatives = _analyse(pattern, split=False)
    return frozenset(alternatives[0][0]) if alternatives else None


def required_alternatives(pattern: re.Pattern[str]) -> tuple[tuple[frozenset[str], ...], ...]:
    """What every match of ``pattern`` holds, as alternatives of clauses.

    A match is a match of one of the alternatives (the pattern's first top-level branch, split),
    and a match of an alternative holds a string of each of its clauses (the most selective first,
    by length). Empty when some alternative has no known clause; only case-sensitive ``str``
    patterns are analysed.
    """
    if pattern.flags & re.IGNORECASE:
        return ()
    return tuple(tuple(frozenset(clause) for clause in clauses) for clauses in _analyse(pattern, split=True))


def folded_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which the lower-cased form of every match of ``pattern`` holds
    when the text is ASCII, or None if none are known.

    For a case-insensitive pattern. Strings with a letter beyond ASCII give None: ``re`` matches
    a few of those (the long s, the Kelvin sign, the dotted and dotless i) with ASCII letters.
    """
    alternatives = _analyse(pattern, split=False)
    if not alternatives:
        return None
    folded = frozenset(literal.lower() for literal in alternatives[0][0])
    return folded if all(literal.isascii() for literal in folded) else None


def _analyse(pattern: re.Pattern[str], split: bool) -> list[list[set[str]]]:
    """The ranked clauses of each alternative (one when not ``split``); none when some alternative
    has no clause or the pattern holds something not modelled."""
    if _p is None or not isinstance(pattern.pattern, str) or pattern.flags & re.VERBOSE:
        return []
    try:
        items = list(_p.parse(pattern.pattern, pattern.flags))
        analysis = _Analysis()
        ranked = [_ranked(analysis.sequence(alternative)[1])
                  for alternative in (_split(items) if split else [items])]
    except (_Unknown, RecursionError, AttributeError, TypeError, ValueError):
        logger.debug("no literal pre-check for %r", pattern.pattern)
        return []
    return ranked if all(ranked) else []


def _split(items: list[tuple[Any, Any]]) -> list[list[tuple[Any, Any]]]:
    """The sequence as alternatives: its first branch at the top level (or in a plain group there) expanded."""
    for index, (op, av) in enumerate(items):
        if op is _c.SUBPATTERN and not av[1] and not av[2] and len(av[3]) == 1:
            op, av = av[3][0]  # a group holding only a branch, "\\b(?:this|that)"
        if op is _c.BRANCH and len(av[1]) <= _MAX_EXACT:
            return [items[:index] + list(alternative) + items[index + 1 :] for alternative in av[1]]
    return [items]


class _Unknown(Exception):
    """The pattern uses something the analysis does not model."""


class _Analysis:
    """The parsed pattern's pieces, each analysed once (split alternatives share their pieces).

    Each method returns (exact, clauses): ``exact`` is the full set of strings the piece can match
    (None when unbounded or too large), ``clauses`` sets of strings each of which holds a part of
    every match (sets holding "" are never clauses); all clauses hold at once.
    """

    def __init__(self) -> None:
        self.memo: dict[int, tuple[Any, tuple[set[str] | None, Clauses]]] = {}

    def sequence(self, items: Iterable[tuple[Any, Any]]) -> tuple[set[str] | None, Clauses]:
        clauses: Clauses = []
        is_exact = True
        run: set[str] = {""}
        for op, av in items:
            ends = self.repeat_ends(op, av)
            if ends is not None and len(run) * len(ends) <= _MAX_EXACT:
                # X+ or X{2,} starts and ends with a string of X: close the run with it, restart with it.
                clauses.append({left + right for left in run for right in ends})
                run, is_exact = set(ends), False
                continue
            exact, inner = self.item(op, av)
            clauses += inner
            if exact is not None and len(run) * len(exact) <= _MAX_EXACT:
                clauses.append(exact)  # a piece alone can be a smaller pre-check than the whole run
                run = {left + right for left in run for right in exact}
                continue
            clauses.append(run)
            if exact is not None:
                clauses.append(exact)
            run, is_exact = (exact if exact is not None else {""}), False
        clauses.append(run)
        return (run if is_exact else None), [clause for clause in clauses if _usable(clause)]

    def group(self, body: Any) -> tuple[set[str] | None, Clauses]:
        """:meth:`sequence` of a parsed group's body, once per body."""
        known = self.memo.get(id(body))
        if known is not None and known[0] is body:
            return known[1]
        found = self.sequence(body)
        self.memo[id(body)] = (body, found)
        return found

    def repeat_ends(self, op: Any, av: Any) -> set[str] | None:
        """The exact strings of the body of an unbounded or open repeat with at least one pass, else None."""
        if op not in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)):
            return None
        low, high, body = av
        if low < 1 or low == high:
            return None
        exact, _ = self.group(body)
        return exact if exact and "" not in exact else None

    def item(self, op: Any, av: Any) -> tuple[set[str] | None, Clauses]:
        if op is _c.LITERAL:
            return {chr(av)}, []
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            return {""}, []
        if op is _c.SUBPATTERN:
            _, add_flags, _, body = av
            if add_flags & (re.IGNORECASE | re.VERBOSE):
                raise _Unknown
            return self.group(body)
        if op is _c.ATOMIC_GROUP:
            return self.group(av)
        if op is _c.BRANCH:
            return self.branch(av[1])
        if op is _c.IN:
            return _char_class(av), []
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)):
            low, high, body = av
            return self.repeat(low, high, body)
        if op in (_c.ANY, _c.NOT_LITERAL, _c.CATEGORY):
            return None, []
        raise _Unknown(op)

    def branch(self, alternatives: list[Any]) -> tuple[set[str] | None, Clauses]:
        """Strings of any alternative; the k-th clause joins each alternative's k-th best clause (or its last)."""
        exacts: set[str] | None = set()
        ranked: list[list[set[str]]] = []
        for alternative in alternatives:
            exact, clauses = self.group(alternative)
            exacts = exacts | exact if exacts is not None and exact is not None else None
            ranked.append(_ranked(clauses))
        if exacts is not None and len(exacts) > _MAX_EXACT:
            exacts = None
        if not all(ranked):
            return exacts, []
        return exacts, [set().union(*(clauses[min(k, len(clauses) - 1)] for clauses in ranked))
                        for k in range(max(map(len, ranked)))]

    def repeat(self, low: int, high: int, body: Any) -> tuple[set[str] | None, Clauses]:
        exact, clauses = self.group(body)
        if low == 0:
            return ({""} | exact if high == 1 and exact is not None else None), []
        if exact is not None and low == high and len(exact) ** low <= _MAX_EXACT:
            repeated = {""}
            for _ in range(low):
                repeated = {left + right for left in repeated for right in exact}
            return repeated, []
        return None, clauses


def _char_class(members: list[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in members:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:
            return None
    return chars if 0 < len(chars) <= _MAX_CLASS else None


def _usable(strings: set[str] | None) -> bool:
    return bool(strings) and "" not in strings  # type: ignore[operator]


@functools.lru_cache(maxsize=8192)
def minimal(strings: frozenset[str]) -> frozenset[str]:
    """Drop strings that contain another member: finding the shorter one is already enough."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _ranked(clauses: Clauses) -> list[set[str]]:
    """Distinct clauses, most selective first."""
    distinct = {minimal(frozenset(clause)) for clause in clauses if _usable(clause)}
    return [set(clause) for clause in sorted(distinct, key=_selectivity)]


@functools.lru_cache(maxsize=8192)
def _selectivity(clause: frozenset[str]) -> tuple[int, int, int, list[str]]:
    """Sort key, most selective first: the shortest string (spaces aside: "is " is as common as
    "is") as long as possible, up to 4; then fewer strings; then longer ones."""
    shortest = min(_SELECTIVE, *(len(literal.strip()) or len(literal) for literal in clause))
    return -shortest, len(clause), -sum(map(len, clause)), sorted(clause)
