"""Review queues: topic coding (least confident first) and quarantined ingest rows (flags: service/safeguarding.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from service.store.models import (
    FreeText,
    QuarantinedRow,
    SafeguardingFlag,
    Source,
    TextReview,
    TopicCode,
)


def topic_queue(session: Session, with_original: bool, limit: int = 20) -> dict[str, Any]:
    """Model-coded free texts nobody has reviewed yet, least confident first."""
    waiting = (select(FreeText).where(exists().where(TopicCode.free_text_id == FreeText.id, TopicCode.origin == "model"),
                                      ~exists().where(TextReview.free_text_id == FreeText.id)))
    n_waiting = session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
    texts = list(session.scalars(waiting.order_by(FreeText.confidence.is_(None), FreeText.confidence, FreeText.id).limit(limit)))
    codes: dict[int, list[tuple[str, float | None]]] = {}
    for text_id, topic, probability in session.execute(
            select(TopicCode.free_text_id, TopicCode.topic, TopicCode.probability)
            .where(TopicCode.free_text_id.in_([t.id for t in texts]), TopicCode.origin == "model")):
        codes.setdefault(text_id, []).append((topic, probability))
    flags = dict(session.execute(select(SafeguardingFlag.free_text_id, SafeguardingFlag.status)
                                 .where(SafeguardingFlag.free_text_id.in_([t.id for t in texts]))).all())
    items = [{"id": t.id, "redacted": t.redacted, "original": t.original if with_original else None,
              "confidence": t.confidence, "topics": sorted(codes.get(t.id, [])), "flag": flags.get(t.id)} for t in texts]
    return {"n_waiting": n_waiting, "items": items}


def save_text_review(session: Session, free_text_id: int, reviewer_id: int, topics: Sequence[str]) -> TextReview:
    """Record a reviewer's topics for a free text (accepting or correcting the model's).

    Raises
    ------
    LookupError
        When the free text does not exist or was already reviewed.
    """
    if session.get(FreeText, free_text_id) is None:
        raise LookupError(f"free text {free_text_id} does not exist")
    if session.scalar(select(TextReview.id).where(TextReview.free_text_id == free_text_id)):
        raise LookupError(f"free text {free_text_id} was already reviewed")
    model = sorted(session.scalars(select(TopicCode.topic).where(TopicCode.free_text_id == free_text_id,
                                                                  TopicCode.origin == "model")))
    chosen = sorted(set(topics))
    review = TextReview(free_text_id=free_text_id, reviewer_id=reviewer_id, model_topics=model, confirmed_topics=chosen)
    session.add(review)
    session.add_all(TopicCode(free_text_id=free_text_id, topic=t, origin="reviewer", reviewer_id=reviewer_id) for t in chosen)
    session.flush()
    return review


def quarantine_queue(session: Session, limit: int = 100) -> dict[str, Any]:
    """Quarantined ingest rows not yet resolved, newest first, with the rule each broke."""
    open_rows = select(QuarantinedRow).where(QuarantinedRow.resolved_at.is_(None))
    n_open = session.scalar(select(func.count()).select_from(open_rows.subquery())) or 0
    rows = session.execute(select(QuarantinedRow, Source.name).join(Source, QuarantinedRow.source_id == Source.id)
                           .where(QuarantinedRow.resolved_at.is_(None))
                           .order_by(QuarantinedRow.created_at.desc(), QuarantinedRow.id.desc()).limit(limit)).all()
    items = [{"id": row.id, "source": name, "location": row.location, "field": row.field, "value": row.value[:200],
              "rule": row.rule, "reason": row.reason, "created_at": row.created_at} for row, name in rows]
    return {"n_open": n_open, "items": items}
