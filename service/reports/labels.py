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


#: The rule an imported row broke (``RecordError.rule``), as the review queue shows it.
RULES = {
    "unique_id": "Same id twice in one file", "known_site": "QR site code not known", "required": "Required answer missing",
    "option": "Not one of the allowed answers", "range": "Number out of range", "number": "Not a number",
    "date": "Not a date", "date_range": "Date outside the survey's dates", "max_length": "Answer too long",
    "yes_or_no": "Not yes or no", "vocabulary": "Demographic answer not recognised", "column_count": "Wrong number of columns",
    "site": "QR site missing", "_extra_cells": "More cells than columns",
}
#: Ingest run and action statuses in words.
RUN_STATUSES = {"running": "Running", "done": "Finished", "failed": "Failed", "partial": "Finished with problems"}
ACTION_STATUSES = {"planned": "Planned", "in_progress": "In progress", "done": "Done"}


def age_band_words(band: str) -> str:
    """``"11-12"`` -> ``"11 to 12"``, ``"75+"`` -> ``"75 or over"``; anything else unchanged."""
    low, dash, high = band.partition("-")
    if dash and low.isdigit() and high.isdigit():
        return f"{low} to {high}"
    if band.endswith("+") and band[:-1].isdigit():
        return f"{band[:-1]} or over"
    return band


def rule_words(rule: str) -> str:
    """A quarantine rule in words (the code itself when it is new)."""
    return RULES.get(rule, rule.replace("_", " ").capitalize())


def level_label(variable: str, level: str | None, wards: Mapping[str, str] | None = None) -> str:
    """A person's label for a code of our vocabulary (``H2`` -> ``Black``, ``16-24`` -> ``16 to 24``)."""
    if level is None:
        return "Not asked"
    if level == NOT_STATED:
        return "Not stated"
    if variable == "ethnic_group":
        return ETHNIC_GROUP_LABELS.get(level, level)
    if variable == "age_band":
        return age_band_words(level)
    if variable == "ward" and wards:
        return wards.get(level, level)
    return level.replace("_", " ").capitalize()
