"""One call for a batch of answers: clean, redact, flag, and code each one."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from nlp.redaction import RedactionResult, redact
from nlp.safeguarding import SafeguardingResult, check_safeguarding
from nlp.text import PreparedText, prepare_text
from nlp.topics import TopicClassifier

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextAnalysis:
    """Everything ``nlp`` says about one answer; ``prepared.original`` is the untouched input.

    ``topics`` is empty for answers with no words or not in English (``prepared.is_english``),
    which are kept for a person to read rather than coded by the model.
    """

    prepared: PreparedText
    redaction: RedactionResult
    safeguarding: SafeguardingResult
    topics: tuple[str, ...]
    max_probability: float


def analyse_texts(texts: Iterable[str | bytes | None], model: TopicClassifier) -> list[TextAnalysis]:
    """Clean, redact, check for safeguarding and classify each text (in input order).

    The model sees the cleaned text; redaction and safeguarding run on it too, so HTML or
    script tags never reach the redacted output.
    """
    prepared = [prepare_text(text) for text in texts]
    codable = [i for i, item in enumerate(prepared) if not item.is_empty and item.is_english]
    topics: dict[int, tuple[str, ...]] = {}
    best: dict[int, float] = {}
    if codable:
        probabilities = model.predict_proba([prepared[i].text for i in codable])
        maxima = probabilities.max(axis=1).tolist() if probabilities.size else [0.0] * len(codable)
        for i, labels, maximum in zip(codable, model.labels_from_proba(probabilities), maxima):
            topics[i] = tuple(labels)
            best[i] = float(maximum)
    return [
        TextAnalysis(
            prepared=item,
            redaction=redact(item.text),
            safeguarding=check_safeguarding(item.text),
            topics=topics.get(i, ()),
            max_probability=best.get(i, 0.0),
        )
        for i, item in enumerate(prepared)
    ]
