"""How a theme is shown to people, as a phrase or as terms: light enough for the web workers to import
(no scikit-learn)."""

from __future__ import annotations

import re
from collections.abc import Sequence


def theme_terms(terms: Sequence[str]) -> list[str]:
    """A theme's terms for people: in rank order, leaving out a single word already inside one of
    the theme's two-word terms ("quiet area" rather than "area, quiet, quiet area")."""
    words_in_pairs = {word for term in terms if " " in term for word in term.split()}
    return [term for term in terms if " " in term or term not in words_in_pairs]


def theme_label(terms: Sequence[str], n: int = 3) -> str:
    """A short label: the first ``n`` of :func:`theme_terms`, joined by commas."""
    return ", ".join(theme_terms(terms)[:n])


_CLAUSE_RE = re.compile(r"[^.!?;:\n]+")
_BREAK_RE = re.compile(r",|\s+(?:but|because|cos|coz|so|which|although|though|tbh|lol|and then)\s+", re.I)
_WORD_RE = re.compile(r"[\w'\[\]]+")
_FILLER_RE = re.compile(
    r"^(?:(?:and|but|so|also|honestly|tbh|lol|well|yeah|yes|i think|i feel like|i just think|basically|really|"
    r"personally|to be honest|in my opinion|imo)\b[\s,]*)+",
    re.I,
)


def theme_sentence(texts: Sequence[str], terms: Sequence[str], *, max_words: int = 12) -> str:
    """A label a person would write for a theme: the clause of one of its ``texts`` (most
    representative first) that holds most of the theme's ``terms``, cut to ``max_words`` words.

    ``texts`` must already be redacted and free of safeguarding flags. A clause with a
    placeholder such as "[name]" is used only when no other holds a term; with no clause holding
    any term the label falls back to :func:`theme_label`.
    """
    stems = _term_stems(terms)
    best: tuple[float, str] | None = None
    for rank, text in enumerate(texts):
        for clause in _clauses(text):
            words = _WORD_RE.findall(clause)
            if len(words) < 3:
                continue
            hits = sum(1 for word in words if _stem(word) in stems)
            if hits == 0:
                continue
            score = hits - 0.05 * rank - 0.02 * max(0, len(words) - max_words) - (2 if "[" in clause else 0)
            if best is None or score > best[0]:
                best = (score, clause)
    if best is None:
        return theme_label(terms)
    return _tidy(best[1], max_words)


def _term_stems(terms: Sequence[str]) -> set[str]:
    return {_stem(word) for term in terms for word in term.split()}


def _stem(word: str) -> str:
    """A crude stem, enough to meet a lemma: "walking" and "walk" share "walk"."""
    word = word.lower().strip("'")
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)][:6]
    return word[:6]


def _clauses(text: str) -> list[str]:
    clauses = []
    for sentence in _CLAUSE_RE.findall(text):
        clauses.extend(part.strip() for part in _BREAK_RE.split(sentence) if part and part.strip())
    return clauses


def _tidy(clause: str, max_words: int) -> str:
    clause = _FILLER_RE.sub("", clause.strip()).strip(" ,-")
    words = clause.split()
    if len(words) > max_words:
        words = words[:max_words]
        clause = " ".join(words) + "..."
    else:
        clause = " ".join(words)
    return clause[:1].upper() + clause[1:]
