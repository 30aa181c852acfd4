"""TF-IDF features over spaCy tokens: lemma n-grams plus character n-grams inside words.

One pass of spaCy's tokenizer (memoised per whitespace-free chunk, :func:`nlp.text.chunk_tokens`)
feeds both blocks. Counting is done per distinct chunk, not per token: a batch becomes a
(texts x distinct chunks) count matrix ``W``, and the character n-gram and lemma counts are the
sparse products ``W @ M`` with ``M`` holding each chunk's counts once; only lemma n-grams longer
than one word, which cross chunks, are counted per text. After fitting, each distinct word's
n-gram columns are looked up once and cached. The result equals
``TfidfVectorizer(sublinear_tf=True)`` on the same n-grams (space-padded words, as
scikit-learn's ``char_wb``), one block per analyzer, each block L2-normalised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer

from nlp.text import chunk_tokens, split_chunks

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
        N-gram to column, per block (columns in sorted n-gram order, as ``TfidfVectorizer``).
    word_tfidf_, char_tfidf_ : TfidfTransformer
        Fitted idf weights per block.
    """

    def __init__(self, *, word_ngram_range: tuple[int, int] = (1, 2),
                 char_ngram_range: tuple[int, int] | None = (3, 5), min_df: int = 1) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df

    def fit(self, texts: Sequence[str], y: object = None) -> TextFeatures:
        """Learn vocabularies and idf weights; return ``self``."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y: object = None) -> sparse.csr_matrix:
        """Fit and return the feature matrix."""
        batch = _encode(texts)
        gram_rows = [self._word_grams(lemmas) for lemmas in batch.lemma_lists]
        self.word_vocabulary_, word_counts = _fit_vocabulary(gram_rows, self.min_df, "lemma")
        self.word_tfidf_ = TfidfTransformer(sublinear_tf=True)
        blocks = [self.word_tfidf_.fit_transform(word_counts)]
        if self.char_ngram_range is not None:
            low, high = self.char_ngram_range
            # Document frequency needs the per-text counts, so count every n-gram of every
            # distinct chunk, multiply by W, then keep the n-grams in at least min_df texts.
            rows = [[g for lower in lowers for g in _char_ngrams(lower, low, high)] for lowers in batch.chunk_lowers]
            self.char_vocabulary_, per_chunk = _fit_vocabulary(rows, 1, "character", min_df_rows=batch.chunks,
                                                               min_df=max(self.min_df, 2))
            self.char_tfidf_ = TfidfTransformer(sublinear_tf=True)
            blocks.append(self.char_tfidf_.fit_transform(_sorted(batch.chunks @ per_chunk)))
        self.__dict__.pop("_column_cache", None)
        return _sorted(sparse.hstack(blocks, format="csr"))

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Feature matrix for new texts."""
        batch = _encode(texts)
        blocks = [self.word_tfidf_.transform(self._word_counts(batch), copy=False)]
        if self.char_ngram_range is not None:
            per_chunk = _count_matrix(([c for lower in lowers for c in self._char_columns(lower)]
                                       for lowers in batch.chunk_lowers), len(batch.chunk_lowers),
                                      len(self.char_vocabulary_))
            blocks.append(self.char_tfidf_.transform(_sorted(batch.chunks @ per_chunk), copy=False))
        return _sorted(sparse.hstack(blocks, format="csr"))

    def _word_counts(self, batch: _Batch) -> sparse.csr_matrix:
        vocabulary = self.word_vocabulary_
        low, high = self.word_ngram_range
        longer = _count_matrix(([vocabulary[g] for g in _longer_grams(lemmas, max(low, 2), high) if g in vocabulary]
                                for lemmas in batch.lemma_lists), len(batch.lemma_lists), len(vocabulary))
        if low > 1:
            return longer
        # Single lemmas never cross chunks: count them once per distinct chunk, then W @ U.
        per_chunk = _count_matrix(([vocabulary[g] for g in lemmas if g in vocabulary] for lemmas in batch.chunk_lemmas),
                                  len(batch.chunk_lemmas), len(vocabulary))
        return _sorted(batch.chunks @ per_chunk + longer)

    def __getstate__(self) -> dict[str, object]:
        state = dict(super().__getstate__())
        state.pop("_column_cache", None)
        return state

    def _word_grams(self, lemmas: list[str]) -> list[str]:
        low, high = self.word_ngram_range
        return (list(lemmas) if low == 1 else []) + _longer_grams(lemmas, max(low, 2), high)

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


@dataclass(frozen=True)
class _Batch:
    """Texts as chunk ids: ``chunks`` is the (texts x distinct chunks) count matrix ``W``."""

    lemma_lists: list[list[str]]
    chunks: sparse.csr_matrix
    chunk_lemmas: list[tuple[str, ...]]
    chunk_lowers: list[tuple[str, ...]]


def _encode(texts: Iterable[str]) -> _Batch:
    index: dict[str, int] = {}
    chunk_lemmas: list[tuple[str, ...]] = []
    chunk_lowers: list[tuple[str, ...]] = []
    lemma_lists: list[list[str]] = []
    ids: list[int] = []
    indptr = [0]
    for text in texts:
        lemmas: list[str] = []
        for chunk in split_chunks(text):
            column = index.get(chunk)
            if column is None:
                column = index[chunk] = len(chunk_lemmas)
                pairs = chunk_tokens(chunk)
                chunk_lowers.append(tuple(lower for lower, _ in pairs))
                chunk_lemmas.append(tuple(lemma for _, lemma in pairs))
            ids.append(column)
            lemmas.extend(chunk_lemmas[column])
        lemma_lists.append(lemmas)
        indptr.append(len(ids))
    shape = (len(lemma_lists), len(chunk_lemmas))
    matrix = _csr(np.asarray(ids, dtype=np.int32), np.asarray(indptr, dtype=np.int64), shape)
    return _Batch(lemma_lists, matrix, chunk_lemmas, chunk_lowers)


def _longer_grams(lemmas: list[str], low: int, high: int) -> list[str]:
    """Lemma n-grams for ``low <= n <= high`` (with ``low >= 2``), shortest first."""
    if low == high == 2:
        return [f"{first} {second}" for first, second in pairwise(lemmas)]
    return [" ".join(lemmas[i : i + n]) for n in range(low, high + 1) for i in range(len(lemmas) - n + 1)]


def _fit_vocabulary(rows: list[list[str]], min_df_self: int, what: str, *,
                    min_df_rows: sparse.csr_matrix | None = None, min_df: int = 1) -> tuple[dict[str, int], sparse.csr_matrix]:
    """Vocabulary (sorted terms with enough document frequency) and the count matrix of ``rows``.

    Document frequency is counted over ``rows`` (``min_df_self``), or, when ``min_df_rows`` is
    given, over the texts of ``min_df_rows @ counts`` (``min_df``).
    """
    terms: dict[str, int] = {}
    counts = _count_matrix(([terms.setdefault(t, len(terms)) for t in row] for row in rows), len(rows), len(terms),
                           grow=terms)
    per_text = counts if min_df_rows is None else _sorted(min_df_rows @ counts)
    threshold = min_df_self if min_df_rows is None else min_df
    frequency = np.bincount(per_text.indices, minlength=len(terms))
    names = list(terms)
    kept = sorted(names[i] for i in np.flatnonzero(frequency >= threshold))
    if not kept:
        raise ValueError(f"no {what} n-gram occurs in at least {threshold} texts; fit needs more (or longer) texts")
    vocabulary = {term: column for column, term in enumerate(kept)}
    return vocabulary, _sorted(counts[:, [terms[term] for term in kept]].tocsr())


def _char_ngrams(word: str, low: int, high: int) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


def _count_matrix(rows: Iterable[Iterable[int]], n_rows: int, n_columns: int,
                  grow: dict[str, int] | None = None) -> sparse.csr_matrix:
    """CSR counts from per-row column lists (``grow``: a dict whose final size is the column count)."""
    indices: list[int] = []
    indptr = [0]
    for row in rows:
        indices.extend(row)
        indptr.append(len(indices))
    width = len(grow) if grow is not None else n_columns
    return _csr(np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64), (n_rows, width))


def _csr(indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=shape)
    matrix.sum_duplicates()
    return matrix


def _sorted(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    """CSR with sorted indices and no stored zeros, so results do not depend on construction order."""
    result = matrix.tocsr()
    result.sum_duplicates()
    result.sort_indices()
    return result
