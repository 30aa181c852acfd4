"""What a function makes of each word, remembered: the words of a run's texts repeat, so each
distinct word is worked out once (the intake screen reads every ingested text)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Result = TypeVar("Result")


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
        try:
            return list(map(known.__getitem__, words))
        except KeyError:  # a word not met before (rare once a run is under way)
            pass
        if len(known) > self.limit:
            known.clear()
        found = []
        for word in words:  # without reading ``known`` twice: another thread may clear it meanwhile
            result = known.get(word, _UNKNOWN)
            if result is _UNKNOWN:
                result = known[word] = self.compute(word)
            found.append(result)
        return found  # type: ignore[return-value]


_UNKNOWN = object()
