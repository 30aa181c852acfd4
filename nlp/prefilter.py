"""Cheap pre-checks before regular expressions, built from the strings every match holds.

:class:`LiteralGate` rules one pattern out of a text that holds none of its literals (a few ``in``
tests); :class:`LiteralPrefilter` tells which of many patterns (the safeguarding rules) may match
a text, from the words of the text. Both use :mod:`nlp.literals`, and neither ever changes what
a pattern matches: they only skip patterns that cannot match.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable, Sequence
from operator import itemgetter

from nlp.literals import folded_literals, minimal, required_alternatives, required_literals
from nlp.memo import WordMemo

_N_CLAUSES = 4  # clauses looked for per alternative


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
        return any(map(text.__contains__, self.literals))


class LiteralPrefilter:
    """Tell which of several patterns can match a text, from the words of the text.

    Parameters
    ----------
    patterns : sequence of compiled patterns
        Patterns without known literals (:func:`required_alternatives` is empty) are always candidates.
    sample : iterable of str, optional
        Ordinary texts of the kind to be screened. Each alternative is looked up by its clause held
        by the fewest of them, and checked against up to three more, the rarest first. Without a
        sample, the analysis' order (longest strings first) stands.

    Notes
    -----
    Wherever a literal occurs, its longest whitespace-free piece ("life" of "end my life") lies
    inside one word of the text (``str.split``). So each clause is looked for by those pieces:
    each distinct word is searched once for all pieces (a trie-shaped regex: at each position the
    longest piece, which stands for its prefixes too), and what it holds is remembered as the
    alternatives it may start (those whose first clause it holds) and the clauses it meets (bits).
    A pattern is a candidate when, for one of its alternatives, the words meet every clause
    looked for. Which clauses are looked for changes only the speed.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]], sample: Iterable[str] = ()) -> None:
        options = [[[[_word_pieces(literal) for literal in clause] for clause in clauses]
                    for clauses in required_alternatives(pattern)] for pattern in patterns]
        words = _Words({piece for own in options for clauses in own for clause in clauses for literal in clause
                        for piece in literal})
        shares = words.shares(list(sample))
        alternatives = [_word_clauses(own, shares) for own in options]
        self.always = frozenset(i for i, own in enumerate(alternatives) if not own)
        self.pattern_of: list[int] = []  # each alternative's pattern
        self.need: list[int] = []  # each alternative's clauses looked for, as bits
        bit_of: dict[frozenset[str], int] = {}  # one bit per distinct clause
        starts: dict[str, set[int]] = {}  # piece -> alternatives whose first clause it holds
        for i, own in enumerate(alternatives):
            for clauses in own:
                looked_for = sorted(clauses, key=lambda clause: min(1.0, sum(shares[piece] for piece in clause)))
                looked_for = looked_for[:_N_CLAUSES]
                for piece in looked_for[0]:
                    starts.setdefault(piece, set()).add(len(self.need))
                self.pattern_of.append(i)
                self.need.append(sum({bit_of.setdefault(clause, 1 << len(bit_of)) for clause in looked_for}))
        meets: dict[str, int] = {}
        for clause, bit in bit_of.items():
            for piece in clause:
                meets[piece] = meets.get(piece, 0) | bit
        words.track(meets, starts)
        self.words = words

    def candidates(self, text: str) -> list[int]:
        """Indices (ascending) of the patterns that may match somewhere in ``text``."""
        met, started = self.words.read(text.split())
        need = self.need
        return sorted({*self.always, *(self.pattern_of[a] for a in started if need[a] & met == need[a])})


class _Words:
    """What the words of texts hold of some pieces, worked out once per distinct word: the pieces
    (:meth:`shares`), then, once :meth:`track` has said which bits each piece meets and which
    alternatives it starts, those (:meth:`read`)."""

    def __init__(self, pieces: set[str]) -> None:
        self.prefixes = {piece: frozenset(piece[:n] for n in range(1, len(piece) + 1) if piece[:n] in pieces)
                         for piece in pieces}
        self.scanner = re.compile(f"(?=({_trie_pattern(sorted(pieces))}))") if pieces else None
        self.track({}, {})

    def track(self, meets: dict[str, int], starts: dict[str, set[int]]) -> None:
        """Read words for ``meets`` (piece -> bits) and ``starts`` (piece -> alternatives) from now on."""
        self.meets = meets
        self.starts = starts
        self.memo = WordMemo(self._read)

    def read(self, words: list[str]) -> tuple[int, set[int]]:
        """The bits the ``words`` meet together and the alternatives they start."""
        known = self.memo(words)  # a word read twice changes nothing
        return functools.reduce(operator.or_, map(itemgetter(0), known), 0), set().union(*map(itemgetter(1), known))

    def held(self, word: str) -> frozenset[str]:
        """The pieces ``word`` holds (marked where they stand in it)."""
        found = self.scanner.findall(_START + word + _END) if self.scanner is not None else ()
        return frozenset().union(*(self.prefixes[piece] for piece in found)) if found else frozenset()

    def shares(self, sample: list[str]) -> dict[str, float]:
        """The share of ``sample`` whose words hold each piece (all 0 without a sample)."""
        counts = dict.fromkeys(self.prefixes, 0)
        held = WordMemo(self.held)
        for text in sample:
            for piece in set().union(*held(list(set(text.split())))):
                counts[piece] += 1
        return {piece: n / len(sample) if sample else 0.0 for piece, n in counts.items()}

    def _read(self, word: str) -> tuple[int, frozenset[int]]:
        held = self.held(word)
        met = 0
        for piece in held:
            met |= self.meets.get(piece, 0)
        started = frozenset().union(*(self.starts.get(piece, ()) for piece in held))
        return (met, started) if met or started else _NOTHING


_NOTHING: tuple[int, frozenset[int]] = (0, frozenset())  # what most words hold


_START, _END = "\x02", "\x03"  # a word is read as _START + word + _END: pieces may name where they stand


def _word_pieces(literal: str) -> list[str]:
    """Where ``literal`` occurs, each of its whitespace-free pieces is in a word: the first ends
    one (when whitespace follows it in the literal), the last starts one (when whitespace comes
    before it), a middle one is a whole word. Each piece, so marked."""
    pieces = literal.split()
    return [(_START if k > 0 or literal[0].isspace() else "") + piece
            + (_END if k < len(pieces) - 1 or literal[-1].isspace() else "")
            for k, piece in enumerate(pieces)]


def _word_clauses(alternatives: list[list[list[list[str]]]], shares: dict[str, float]) -> list[list[frozenset[str]]]:
    """Each clause as the rarest piece of each of its literals; an alternative left with no clause
    (all its literals are whitespace) makes the pattern one always tried (none returned)."""
    out = []
    for clauses in alternatives:
        chosen = [minimal(frozenset(min(literal, key=lambda piece: (shares[piece], -len(piece))) for literal in clause))
                  for clause in clauses if all(clause)]
        if not chosen:
            return []
        out.append(list(dict.fromkeys(chosen)))
    return out


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
