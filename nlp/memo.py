"""What a function makes of each word, remembered: the words of a run's texts repeat, so each
distinct word is worked out once (the intake screen reads every ingested text)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

Result = TypeVar("Result")
Owner = TypeVar("Owner")


class WordMemo(Generic[Result]):
    """``compute`` of each word, remembered (all forgotten at once past ``limit`` words).

    ``compute`` must depend on the word alone.
    """

    def __init__(self, compute: Callable[[str], Result], limit: int = 200_000) -> None:
        self.compute = compute
        self.limit = limit
        self.known: dict[str, Result] = {}

    def __call__(self, words: list[str]) -> list[Result]:
        """``compute`` of each of ``words``, in order."""
        known = self.known
        while True:
            try:
                return list(map(known.__getitem__, words))
            except KeyError:  # words not met before (rare once a run is under way): work them out, try again
                if len(known) > self.limit:
                    known.clear()
                missing = set(words).difference(known)
                known.update(zip(missing, map(self.compute, missing)))


class MemoPerOwner(Generic[Owner, Result]):
    """One :class:`WordMemo` per owner object (such as a set of name lists), found by identity:
    hashing the owner's contents for each text would cost more than the memo saves."""

    def __init__(self, compute: Callable[[Owner, str], Result]) -> None:
        self.compute = compute
        self.memos: dict[int, tuple[Owner, WordMemo[Result]]] = {}

    def __call__(self, owner: Owner) -> WordMemo[Result]:
        """The memo of ``compute(owner, word)`` for ``owner``."""
        found = self.memos.get(id(owner))
        if found is not None and found[0] is owner:  # the owner is kept, so its id is not reused
            return found[1]
        if len(self.memos) >= 8:
            self.memos.clear()
        memo = WordMemo(functools.partial(self.compute, owner))
        self.memos[id(owner)] = (owner, memo)
        return memo
