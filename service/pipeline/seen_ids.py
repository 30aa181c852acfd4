"""The ids an ingest run has stored so far, as 64-bit hashes in 8 bytes each.

A Python ``set`` of a million ints takes about 70 MB; a sorted NumPy array of them 8 MB. Recent
hashes wait in a small set and are merged into the array every :attr:`SeenIds.MERGE_AT`, so a
million-row file stays within the 300 MB goal of ``bench/ingest`` (bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class SeenIds:
    """A set of 64-bit ints (``hash(external_id)``) that only grows: ``in``, ``update`` and ``len``."""

    MERGE_AT = 65_536

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.int64)
        self._recent: set[int] = set()

    def __contains__(self, value: object) -> bool:
        if value in self._recent:
            return True
        if not isinstance(value, int) or not self._sorted.size:
            return False
        place = int(np.searchsorted(self._sorted, value))
        return place < self._sorted.size and int(self._sorted[place]) == value

    def update(self, values: Iterable[int]) -> None:
        """Add ``values``; every :attr:`MERGE_AT` new ones are merged into the sorted array."""
        self._recent.update(v for v in values if v not in self)
        if len(self._recent) >= self.MERGE_AT:
            fresh = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
            self._sorted = np.union1d(self._sorted, fresh)
            self._recent.clear()

    def __len__(self) -> int:
        return int(self._sorted.size) + len(self._recent)
