"""One home for the words people read in place of codes: topics, demographic levels, variables.

Pages, briefings and exports take their labels from here; the JSON API keeps the codes.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def topic_labels() -> dict[str, str]:
    """Topic id to label, from the codeframe shipped with ``nlp``."""
    from nlp import load_codeframe

    return {topic.id: topic.label for topic in load_codeframe().topics}
