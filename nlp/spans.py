"""The pieces of a comment that the disclosure detector scores, as character spans, embedded in one pass.

The detector (:mod:`nlp.safeguarding_model`) scores the whole comment, its *sentences* (cut at
``. ! ? ;`` and line breaks) and 12-word *windows* (stride 6) over sentences longer than 18
words. Each piece is a ``(start, end)`` character span of the comment, never a copy of its words.

:func:`embed_comments` asks the encoder for every span of a comment at once: the six layers run
over the comment's word pieces once, and each span's embedding is the mean of the token states of
its own word pieces and the pass's [CLS] and [SEP] (see
:meth:`nlp.encoder.SentenceEncoder.encode_spans`), so the whole comment's span is the comment's
ordinary embedding. The topic model (:mod:`nlp.sentence_topics`) takes its whole-text embedding
from the same call, so the encoder's memo serves the second model without another pass. (Its
segments are still encoded on their own: pooled in context they lowered macro-F1 on the held-out
real comments from 0.626 to 0.607, see ``bench/RESULTS.md``.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nlp.encoder import SentenceEncoder

Span = tuple[int, int]

#: Span embeddings pooled in context from one pass per comment (recorded in the models' manifests).
FEATURES = "minilm-span-pool-1"
_SENTENCE = re.compile(r"[^.!?\n;]+")
_WORD = re.compile(r"\S+")
_WINDOW, _STRIDE, _LONG = 12, 6, 18


def _stripped(text: str, start: int, end: int) -> Span | None:
    """``(start, end)`` without leading and trailing white space, or None if nothing is left."""
    part = text[start:end]
    left = len(part) - len(part.lstrip())
    right = len(part.rstrip())
    return (start + left, start + right) if right > left else None


def whole_span(text: str) -> Span:
    """The comment without its outer white space (``(0, 0)`` for a blank one)."""
    return _stripped(text, 0, len(text)) or (0, 0)


def sentence_spans(text: str) -> list[Span]:
    """Sentences as the detector cuts them: runs without ``. ! ? ;`` or a line break, stripped."""
    found = (_stripped(text, match.start(), match.end()) for match in _SENTENCE.finditer(text))
    return [span for span in found if span is not None]


def window_spans(text: str, sentences: Sequence[Span]) -> list[Span]:
    """12-word windows, every 6 words, over each sentence of more than 18 words."""
    windows: list[Span] = []
    for start, end in sentences:
        words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
        if len(words) <= _LONG:
            continue
        for first in range(0, len(words) - _STRIDE, _STRIDE):
            last = min(first + _WINDOW, len(words)) - 1
            windows.append((words[first][0], words[last][1]))
    return windows


@dataclass(frozen=True)
class CommentSpans:
    """Every span of one comment that a model scores; ``spans[0]`` is the whole comment."""

    spans: tuple[Span, ...]


def comment_spans(text: str) -> CommentSpans:
    """The whole comment, then its sentences (when more than one) and windows, each span once."""
    sentences = sentence_spans(text)
    found = [whole_span(text), *(sentences if len(sentences) > 1 else []), *window_spans(text, sentences)]
    return CommentSpans(tuple(dict.fromkeys(found)))


@dataclass(frozen=True)
class CommentVectors:
    """One comment's spans and their embeddings (``vectors[k]`` is the embedding of ``spans.spans[k]``)."""

    text: str
    spans: CommentSpans
    vectors: np.ndarray

    def piece(self, row: int) -> str:
        """The words of span ``row``."""
        start, end = self.spans.spans[row]
        return self.text[start:end]


def embed_comments(encoder: SentenceEncoder, texts: Sequence[str]) -> list[CommentVectors]:
    """Every span of each comment (:func:`comment_spans`), one encoder pass per comment."""
    spans = [comment_spans(text) for text in texts]
    vectors = encoder.encode_spans(texts, [item.spans for item in spans])
    return [CommentVectors(text, item, rows) for text, item, rows in zip(texts, spans, vectors, strict=True)]
