"""How figures are written in briefings and exports: every share with its base, weighted ones say so."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from service.reports.labels import ETHNIC_GROUP_LABELS

SYNTHETIC_NOTE = ("SYNTHETIC DEMO DATA: every figure below comes from made-up responses generated for the "
                  "Community Voice demo. It describes no real resident.")


def is_missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any) -> str:
    """A whole count with thousands separators (``1,029``), or ``-`` when missing."""
    return "-" if is_missing(value) else f"{int(round(float(value))):,}"


def percent(value: Any, digits: int = 0) -> str:
    """A percentage such as ``57%``, or ``-`` when missing."""
    return "-" if is_missing(value) else f"{float(value):.{digits}f}%"


def share_text(row: Any, min_cell: int) -> str:
    """``57% (587 of 1,029)``; ``suppressed (fewer than 10)`` when the cell is hidden."""
    if bool(_get(row, "suppressed", False)) or is_missing(_get(row, "pct")):
        why = _get(row, "suppression") or f"fewer than {min_cell}"
        return f"suppressed ({why})"
    return f"{percent(_get(row, 'pct'))} ({number(_get(row, 'n'))} of {number(_get(row, 'base_n'))})"


def weighted_text(row: Any) -> str:
    """``weighted 55% (95% CI 50-61%)`` or an empty string when there is no weighted figure."""
    if bool(_get(row, "suppressed", False)) or is_missing(_get(row, "weighted_pct")):
        return ""
    return (f"weighted {percent(_get(row, 'weighted_pct'))} (95% CI {float(_get(row, 'weighted_ci_low')):.0f}-"
            f"{float(_get(row, 'weighted_ci_high')):.0f}%)")


def _get(row: Any, key: str, default: Any = None) -> Any:
    if isinstance(row, pd.Series):
        return row.get(key, default)
    return row.get(key, default) if isinstance(row, dict) else getattr(row, key, default)


def level_name(variable: str, level: str, wards: dict[str, str]) -> str:
    """A reader's name for a vocabulary code."""
    if level == "not_stated":
        return "Not stated"
    if variable == "ethnic_group":
        return ETHNIC_GROUP_LABELS.get(level, level)
    if variable == "ethnicity" and level == "13":
        return "White British"
    if variable == "age_band":
        from service.reports.labels import age_band_words

        return age_band_words(level)
    if variable == "ward":
        return wards.get(level, level)
    return level.replace("_", " ").capitalize()


VARIABLE_NAMES = {"age_band": "Age", "sex": "Sex", "ethnic_group": "Ethnic group", "ward": "Ward", "ethnicity": "Ethnicity"}


def ppi_text(row: Any) -> str:
    """``41% (95% CI 35-47%), corrected for coding errors (PPI, 40 reviews)``; "" for a hidden or missing figure."""
    pct = _get(row, "ppi_pct")
    if bool(_get(row, "suppressed", False)) or is_missing(pct):
        return ""
    return (f"{percent(pct)} (95% CI {float(_get(row, 'ppi_ci_low')):.0f}-{float(_get(row, 'ppi_ci_high')):.0f}%), "
            f"{_get(row, 'ppi_label', '')}")
