"""TF-IDF features over spaCy tokens: lemma n-grams plus character n-grams inside words.

One pass of spaCy's tokenizer feeds both blocks. After fitting, each distinct word's character
n-gram columns are looked up once and cached, so featurising new text costs one dictionary look-up
per word instead of one per n-gram; the result equals ``TfidfVectorizer(sublinear_tf=True)`` on
the same n-grams (space-padded words, as scikit-learn's ``char_wb``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from nlp.text import lemma_of, load_pipeline, straighten

logger = logging.getLogger(__name__)

_CACHE_LIMIT = 200_000


class TextFeatures(TransformerMixin, BaseEstimator):
    """Turn texts into a sparse TF-IDF matrix: lemma n-grams, then (optionally) character n-grams.

    Parameters
    ----------
    word_ngram_range : tuple of int
        Lemma n-gram range.
    char_ngram_range : tuple of int or None
        Character n-gram range within words, padded with a space each side; None for none.
    min_df : int
        Minimum document frequency (at least 2 for character n-grams).

    Attributes
    ----------
    word_vocabulary_, char_vocabulary_ : dict
        N-gram to column, per block.
    word_tfidf_, char_tfidf_ : TfidfTransformer
        Fitted idf weights per block.
    """

    def __init__(self, *, word_ngram_range: tuple[int, int] = (1, 2),
                 char_ngram_range: tuple[int, int] | None = (2, 5), min_df: int = 1) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df

    def fit(self, texts: Sequence[str], y: object = None) -> TextFeatures:
        """Learn vocabularies and idf weights; return ``self``."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y: object = None) -> sparse.csr_matrix:
        """Fit and return the feature matrix."""
        tokens = [self._tokens(text) for text in texts]
        words = TfidfVectorizer(analyzer=_identity, min_df=self.min_df)
        words.fit([self._word_grams(lemmas) for _, lemmas in tokens])
        self.word_vocabulary_ = dict(words.vocabulary_)
        self.word_tfidf_ = TfidfTransformer(sublinear_tf=True)
        if self.char_ngram_range is not None:
            chars = TfidfVectorizer(analyzer=_identity, min_df=max(self.min_df, 2))
            chars.fit([[g for lower in lowers for g in _char_ngrams(lower, *self.char_ngram_range)]
                       for lowers, _ in tokens])
            self.char_vocabulary_ = dict(chars.vocabulary_)
            self.char_tfidf_ = TfidfTransformer(sublinear_tf=True)
        word_counts, char_counts = self._counts(tokens)
        blocks = [self.word_tfidf_.fit_transform(word_counts)]
        if self.char_ngram_range is not None:
            blocks.append(self.char_tfidf_.fit_transform(char_counts))
        return sparse.hstack(blocks, format="csr")

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Feature matrix for new texts."""
        word_counts, char_counts = self._counts([self._tokens(text) for text in texts])
        blocks = [self.word_tfidf_.transform(word_counts)]
        if self.char_ngram_range is not None:
            blocks.append(self.char_tfidf_.transform(char_counts))
        return sparse.hstack(blocks, format="csr")

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state.pop("_column_cache", None)
        return state

    def _tokens(self, text: str) -> tuple[list[str], list[str]]:
        lowers = [t.lower_ for t in load_pipeline().tokenizer(straighten(text)) if not (t.is_punct or t.is_space)]
        return lowers, [lemma_of(lower) for lower in lowers]

    def _word_grams(self, lemmas: list[str]) -> list[str]:
        low, high = self.word_ngram_range
        return [" ".join(lemmas[i : i + n]) for n in range(low, high + 1) for i in range(len(lemmas) - n + 1)]

    def _counts(self, tokens: list[tuple[list[str], list[str]]]) -> tuple[sparse.csr_matrix, sparse.csr_matrix | None]:
        vocabulary = self.word_vocabulary_
        word_rows = [[vocabulary[g] for g in self._word_grams(lemmas) if g in vocabulary] for _, lemmas in tokens]
        word_counts = _count_matrix(word_rows, len(vocabulary))
        if self.char_ngram_range is None:
            return word_counts, None
        char_rows = []
        for lowers, _ in tokens:
            row: list[int] = []
            for lower in lowers:
                row.extend(self._char_columns(lower))
            char_rows.append(row)
        return word_counts, _count_matrix(char_rows, len(self.char_vocabulary_))

    def _char_columns(self, word: str) -> tuple[int, ...]:
        cache: dict[str, tuple[int, ...]] = self.__dict__.setdefault("_column_cache", {})
        columns = cache.get(word)
        if columns is None:
            vocabulary = self.char_vocabulary_
            low, high = self.char_ngram_range or (0, -1)
            columns = tuple(vocabulary[g] for g in _char_ngrams(word, low, high) if g in vocabulary)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[word] = columns
        return columns


def _identity(items: list[str]) -> list[str]:
    return items


def _char_ngrams(word: str, low: int, high: int) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


def _count_matrix(rows: list[list[int]], n_columns: int) -> sparse.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(row) for row in rows])
    indices = np.fromiter((i for row in rows for i in row), dtype=np.int64, count=int(indptr[-1]))
    matrix = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), n_columns))
    matrix.sum_duplicates()
    return matrix
