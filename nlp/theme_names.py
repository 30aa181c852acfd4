"""How a theme's terms are shown to people: light enough for the web workers to import (no scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence


def theme_terms(terms: Sequence[str]) -> list[str]:
    """A theme's terms for people: in rank order, leaving out a single word already inside one of
    the theme's two-word terms ("quiet area" rather than "area, quiet, quiet area")."""
    words_in_pairs = {word for term in terms if " " in term for word in term.split()}
    return [term for term in terms if " " in term or term not in words_in_pairs]


def theme_label(terms: Sequence[str], n: int = 3) -> str:
    """A short label: the first ``n`` of :func:`theme_terms`, joined by commas."""
    return ", ".join(theme_terms(terms)[:n])
