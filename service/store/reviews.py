"""Review queues: topic coding (least confident first), safeguarding flags, quarantined ingest rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from service.store.models import (
    FreeText,
    QuarantinedRow,
    Response,
    SafeguardingFlag,
    Site,
    Source,
    TextReview,
    TopicCode,
    User,
    utcnow,
)

FLAG_STATUSES = ("open", "referred", "no_action")


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


def safeguarding_queue(session: Session, status: str | None, with_original: bool, limit: int = 50) -> list[dict[str, Any]]:
    """Safeguarding flags (open ones first, then newest), with who reviewed each and when."""
    query = (select(SafeguardingFlag, FreeText.redacted, FreeText.original, User.name, Response.submitted_at,
                    Response.age_band, Response.age, Source.name, Site.name)
             .join(FreeText, SafeguardingFlag.free_text_id == FreeText.id)
             .join(Response, FreeText.response_id == Response.id)
             .join(Source, Response.source_id == Source.id)
             .outerjoin(Site, Response.site_id == Site.id)
             .outerjoin(User, SafeguardingFlag.reviewer_id == User.id))
    if status:
        query = query.where(SafeguardingFlag.status == status)
    query = query.order_by((SafeguardingFlag.status != "open"), SafeguardingFlag.created_at.desc()).limit(limit)
    # Where, when and how old: what a safeguarding lead needs to judge a disclosure (a child's goes
    # under the children's procedure); the respondent stays anonymous.
    return [{"id": flag.id, "reason": flag.reason, "status": flag.status, "note": flag.note, "created_at": flag.created_at,
             "reviewed_at": flag.reviewed_at, "reviewer": reviewer, "redacted": redacted,
             "original": original if with_original else None, "submitted_at": submitted_at, "source": source,
             "site": site, "age": str(age) if age is not None else (age_band if age_band not in (None, "not_stated") else None)}
            for flag, redacted, original, reviewer, submitted_at, age_band, age, source, site in session.execute(query)]


def review_flag(session: Session, flag_id: int, reviewer_id: int, status: str, note: str) -> SafeguardingFlag:
    """Set a flag's status (open, referred, no_action) with a note, recording who and when."""
    if status not in FLAG_STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(FLAG_STATUSES)}")
    flag = session.get(SafeguardingFlag, flag_id)
    if flag is None:
        raise LookupError(f"safeguarding flag {flag_id} does not exist")
    flag.status, flag.note, flag.reviewer_id, flag.reviewed_at = status, note.strip() or None, reviewer_id, utcnow()
    session.flush()
    return flag


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
