"""The demographic codes shared by every connector and by ``weights/`` (ONS 2021), and label folding.

See ``docs/architecture.md``: these codes are the contract between ``ingest/`` and ``weights/``.
"""

from __future__ import annotations

import re
from functools import lru_cache

NOT_STATED = "not_stated"

SEXES = ("female", "male")

#: ONS 2021 detailed ethnic groups: code -> (high-level code, short label).
ETHNICITIES: dict[str, tuple[str, str]] = {
    "1": ("H1", "Asian: Bangladeshi"),
    "2": ("H1", "Asian: Chinese"),
    "3": ("H1", "Asian: Indian"),
    "4": ("H1", "Asian: Pakistani"),
    "5": ("H1", "Asian: Other Asian"),
    "6": ("H2", "Black: African"),
    "7": ("H2", "Black: Caribbean"),
    "8": ("H2", "Black: Other Black"),
    "9": ("H3", "Mixed: White and Asian"),
    "10": ("H3", "Mixed: White and Black African"),
    "11": ("H3", "Mixed: White and Black Caribbean"),
    "12": ("H3", "Mixed: Other Mixed"),
    "13": ("H4", "White: English, Welsh, Scottish, Northern Irish or British"),
    "14": ("H4", "White: Irish"),
    "15": ("H4", "White: Gypsy or Irish Traveller"),
    "16": ("H4", "White: Roma"),
    "17": ("H4", "White: Other White"),
    "18": ("H5", "Other: Arab"),
    "19": ("H5", "Other: Any other ethnic group"),
}

ETHNIC_GROUPS: dict[str, str] = {
    "H1": "Asian, Asian British or Asian Welsh",
    "H2": "Black, Black British, Black Welsh, Caribbean or African",
    "H3": "Mixed or Multiple ethnic groups",
    "H4": "White",
    "H5": "Other ethnic group",
}

DECLINED = {
    "", "prefer not to say", "prefer not to answer", "rather not say", "not stated", "not known",
    "unknown", "n/a", "na", "none", "no answer", "declined", "refused", "don't know", "dont know",
    "do not wish to say", "not given", "missing", "-", "--", ".", "pnts", "nan", "null",
    "i'd rather not say", "id rather not say", "not disclosed", "not answered",
    "prefer not say", "prefer not", "pns", "prefer not to disclose", "would rather not say",  # form tools' choice names
}



def normalise_label(label: object) -> str:
    """Lower-case a raw label, fold punctuation and spacing, for matching."""
    if label is None:
        return ""
    if type(label) is str:
        return _normalise_text(label)
    return _normalise_text(str(label))


@lru_cache(maxsize=8192)
def _normalise_text(label: str) -> str:
    """:func:`normalise_label` of a text, memoised: a survey repeats the same few labels thousands of times."""
    text = label.strip().lower()
    if text in {"nan", "none"}:
        return ""
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"[\s_]+", " ", text)
    return text.strip(" .;,")  # "Female," with a stray comma is "female"
