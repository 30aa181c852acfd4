"""What a function makes of each word, remembered: the words of a run's texts repeat, so each
distinct word is worked out once (the intake screen reads every ingested text)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Result = TypeVar("Result")


class WordMemo(Generic[Result]):
    """``compute`` of each word, remembered (all forgotten at once past ``limit`` words).

    ``compute`` must depend on the word alone and never return None.
    """

    def __init__(self, compute: Callable[[str], Result], limit: int = 200_000) -> None:
        self.compute = compute
        self.limit = limit
        self.known: dict[str, Result] = {}

    def __call__(self, words: list[str]) -> list[Result]:
        """``compute`` of each of ``words``, in order."""
        known = self.known
        if len(known) > self.limit:
            known.clear()
        found: list[Result | None] = list(map(known.get, words))
        if None in found:
            for index, word in enumerate(words):
                if found[index] is None:
                    found[index] = known[word] = self.compute(word)
        return found  # type: ignore[return-value]
