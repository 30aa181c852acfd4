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
