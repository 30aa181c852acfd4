"""One home for the words people read in place of codes: topics, demographic levels, variables.

Pages, briefings and exports take their labels from here; the JSON API keeps the codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from ingest import NOT_STATED

#: Short names of the ONS 2021 high-level ethnic groups, for charts and tables. The official
#: long names (``ingest.vocabulary.ETHNIC_GROUPS``) are what the form shows residents.
ETHNIC_GROUP_LABELS = {"H1": "Asian", "H2": "Black", "H3": "Mixed", "H4": "White", "H5": "Other ethnic group",
                       NOT_STATED: "Not stated"}


@lru_cache(maxsize=1)
def topic_labels() -> dict[str, str]:
    """Topic id to label, from the codeframe shipped with ``nlp``."""
    from nlp import load_codeframe

    return {topic.id: topic.label for topic in load_codeframe().topics}


def level_label(variable: str, level: str | None, wards: Mapping[str, str] | None = None) -> str:
    """A person's label for a code of our vocabulary (``H2`` -> ``Black``, ``16-24`` -> ``Aged 16-24``)."""
    if level is None:
        return "Not asked"
    if level == NOT_STATED:
        return "Not stated"
    if variable == "ethnic_group":
        return ETHNIC_GROUP_LABELS.get(level, level)
    if variable == "age_band":
        return f"Aged {level}"
    if variable == "ward" and wards:
        return wards.get(level, level)
    return level.replace("_", " ").capitalize()
