"""Topic shares that survive classification error: the model's codes on every comment, corrected by
the reviewed random audit sample (prediction-powered inference, :func:`service.reports.estimates.topic_share`).

Why PPI rather than a confusion-matrix correction: it needs no assumption that the model's error
rates are the same in every group or period, is unbiased whenever the audit sample is random, and
its interval adds the two sources of error (sampling of comments, and the rectifier's sampling on
the audit sample) in one standard error. Only reviews of texts drawn into the seeded random audit
sample (``TextReview.is_audit_sample``) count: reviews of the least-confident comments are not a
random sample. Before ``min_reviews`` of them exist in the selection, the model-only share is given
and marked "uncorrected". Dashboard, API, briefing and SNA all call :func:`topic_shares`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.reports import estimates
from service.store.models import FreeText, TextReview, TopicCode

CHUNK = 500


def topic_shares(session: Session, text_ids: Sequence[int], weights: np.ndarray | None,
                 min_reviews: int) -> dict[str, estimates.TopicShare]:
    """Each topic's corrected share over the coded free texts ``text_ids`` (weights aligned, or None)."""
    ids = list(text_ids)
    position = {t: i for i, t in enumerate(ids)}
    model: dict[str, np.ndarray] = {}
    reviewed: dict[int, set[str]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for text_id, topic in session.execute(select(TopicCode.free_text_id, TopicCode.topic).where(
                TopicCode.origin == "model", TopicCode.free_text_id.in_(chunk))):
            model.setdefault(topic, np.zeros(len(ids)))[position[text_id]] = 1.0
        for text_id, confirmed in session.execute(select(TextReview.free_text_id, TextReview.confirmed_topics).where(
                TextReview.is_audit_sample.is_(True), TextReview.free_text_id.in_(chunk))):
            reviewed[text_id] = set(confirmed or ())
    rows = np.array([position[t] for t in sorted(reviewed)], dtype=int)
    humans = [reviewed[t] for t in sorted(reviewed)]
    w_rev = None if weights is None else np.asarray(weights, dtype=float)[rows]
    out = {}
    for topic in sorted(set(model) | {t for h in humans for t in h}):
        f_all = model.get(topic, np.zeros(len(ids)))
        y = np.array([float(topic in h) for h in humans])
        out[topic] = estimates.topic_share(f_all, f_all[rows], y, min_reviews, weights, w_rev)
    return out


def coded_texts(session: Session, response_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(text id, response id) of the first coded free text of each response (the text the briefing and SNA
    frames carry), in response order."""
    first: dict[int, int] = {}
    ids = [int(i) for i in response_ids]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        coded = select(TopicCode.free_text_id).where(TopicCode.free_text_id == FreeText.id).exists()
        for text_id, rid in session.execute(select(FreeText.id, FreeText.response_id)
                                            .where(FreeText.response_id.in_(chunk), coded).order_by(FreeText.id)):
            first.setdefault(rid, text_id)
    return [(first[r], r) for r in ids if r in first]
