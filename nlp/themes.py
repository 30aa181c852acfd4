"""Emerging themes: cluster the answers the codeframe fits poorly, so coders can see what is new.

Texts are selected when the model is unsure (highest topic probability below a cut-off) or
chose ``other``; they are clustered with non-negative matrix factorisation (NMF) of a TF-IDF
matrix over lemmas (Lee & Seung 1999). Each theme lists its top terms, exemplar texts, and a
label a person would write: the key clause of its most representative text that is redacted,
not flagged for safeguarding and not uncertain. The caller must redact exemplars before showing them.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.lang.en.stop_words import STOP_WORDS

from nlp.redaction import redact
from nlp.safeguarding import check_safeguarding
from nlp.text import tokenize
from nlp.theme_names import theme_sentence

logger = logging.getLogger(__name__)

_LABEL_CANDIDATES = 10  # most representative texts a theme's label may be taken from
_STOP = frozenset(STOP_WORDS) | frozenset(tokenize(" ".join(sorted(STOP_WORDS)))) | {"'s", "n't", "like", "just", "really"}


@dataclass(frozen=True)
class Theme:
    """One cluster of poorly fitting texts; indices refer to the texts passed to :func:`find_themes`."""

    number: int
    size: int
    top_terms: tuple[str, ...]
    exemplar_indices: tuple[int, ...]
    exemplars: tuple[str, ...]
    #: A phrase a person would write ("Feeling unsafe walking home from Romford station"), taken
    #: from the theme's most representative redacted, unflagged, certain text; see theme_sentence.
    label: str = ""


@dataclass(frozen=True)
class ThemesResult:
    """Themes found, largest first, and how the clustering went."""

    themes: tuple[Theme, ...]
    n_texts: int
    converged: bool


def select_poor_fits(
    probabilities: np.ndarray,
    predicted: Sequence[Sequence[str]],
    *,
    max_probability_below: float = 0.5,
    other_topic: str = "other",
) -> list[int]:
    """Indices of texts whose best topic probability is below the cut-off, or that were coded ``other``."""
    best = np.asarray(probabilities, dtype=float).max(axis=1) if len(predicted) else np.array([])
    return [i for i, labels in enumerate(predicted) if best[i] < max_probability_below or other_topic in labels]


def find_themes(
    texts: Sequence[str],
    *,
    n_themes: int = 5,
    n_terms: int = 8,
    n_exemplars: int = 3,
    random_state: int = 0,
) -> ThemesResult:
    """Cluster ``texts`` into at most ``n_themes`` themes with NMF on lemma TF-IDF.

    Returns the same themes for the same texts and seed. Fewer themes are returned when there
    are few texts or little vocabulary; texts without any content word belong to no theme.
    """
    if n_themes < 1:
        raise ValueError(f"find_themes needs n_themes >= 1, got {n_themes!r}")
    text_list = [text if isinstance(text, str) else "" for text in texts]
    vectorizer = TfidfVectorizer(tokenizer=_content_lemmas, token_pattern=None, lowercase=False,
                                 ngram_range=(1, 2), min_df=2 if len(text_list) >= 20 else 1, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(text_list)
    except ValueError:  # empty vocabulary: nothing but stop words, emoji or blanks
        return ThemesResult((), len(text_list), True)
    k = min(n_themes, matrix.shape[0], matrix.shape[1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=500)
        weights = nmf.fit_transform(matrix)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    terms = vectorizer.get_feature_names_out()
    assigned = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    themes = []
    for component in range(k):
        members = np.flatnonzero(assigned == component)
        if members.size == 0:
            continue
        top = tuple(str(terms[i]) for i in np.argsort(-nmf.components_[component], kind="stable")[:n_terms])
        by_weight = members[np.argsort(-weights[members, component], kind="stable")]
        ranked = by_weight[:n_exemplars]
        label = theme_sentence(_quotable([text_list[i] for i in by_weight[:_LABEL_CANDIDATES]]), top)
        themes.append(Theme(0, int(members.size), top, tuple(int(i) for i in ranked),
                            tuple(text_list[i] for i in ranked), label))
    themes.sort(key=lambda theme: (-theme.size, theme.top_terms))
    numbered = tuple(replace(t, number=n) for n, t in enumerate(themes, 1))
    return ThemesResult(numbered, len(text_list), converged)


def _quotable(texts: Sequence[str]) -> list[str]:
    """The texts a label may quote: redacted, not flagged for safeguarding, and not uncertain."""
    quotable = []
    for text in texts:
        if check_safeguarding(text).is_flagged:
            continue
        redacted = redact(text)
        if not redacted.is_uncertain:
            quotable.append(redacted.text)
    return quotable


def _content_lemmas(text: str) -> list[str]:
    return [lemma for lemma in tokenize(text) if lemma not in _STOP and any(ch.isalpha() for ch in lemma)]
