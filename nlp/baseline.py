"""A keyword baseline: a topic is assigned when one of its codeframe ``include`` phrases occurs."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.base import BaseEstimator, ClassifierMixin

from nlp.codeframe import load_codeframe
from nlp.text import tokenize


class KeywordClassifier(ClassifierMixin, BaseEstimator):
    """Match codeframe include phrases on lemmas; the yardstick the trained model must beat.

    Parameters
    ----------
    codeframe_path : str or None
        Codeframe to read phrases from (bundled one when None).
    fallback : str or None
        Topic for texts matching no phrase.
    """

    def __init__(self, *, codeframe_path: str | None = None, fallback: str | None = "other") -> None:
        self.codeframe_path = codeframe_path
        self.fallback = fallback

    def fit(self, texts: Sequence[str] | None = None, topics: Sequence[Sequence[str]] | None = None) -> KeywordClassifier:
        """Read the phrases; the training data is ignored (kept for the estimator interface)."""
        codeframe = load_codeframe(self.codeframe_path)
        self.classes_ = list(codeframe.ids)
        self.phrases_ = {
            topic.id: tuple(tuple(tokenize(phrase)) for phrase in topic.include if tokenize(phrase))
            for topic in codeframe.topics
        }
        return self

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """Topic ids whose phrases occur in each text, in codeframe order."""
        results: list[list[str]] = []
        for text in texts:
            lemmas = tokenize(text)
            joined = f" {' '.join(lemmas)} "
            found = [
                topic for topic, phrases in self.phrases_.items()
                if any(f" {' '.join(phrase)} " in joined for phrase in phrases)
            ]
            results.append(found or ([self.fallback] if self.fallback else []))
        return results
