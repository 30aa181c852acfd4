"""Review queues: topic coding (audit sample and least confident) and quarantined ingest rows (flags: store/safeguarding.py)."""

from __future__ import annotations

import hashlib
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
from service.store.responses import NOT_SCREENED


def is_in_audit_sample(free_text_id: int, share: float, seed: int) -> bool:
    """Whether a free text is drawn into the random audit sample: the same answer for the same seed, every time.

    The draw hashes the seed with the text's id (SHA-256), so it does not depend on the model's
    confidence, on the order texts arrive, or on which process asks.
    """
    return _draw(free_text_id, seed) < share


def _draw(free_text_id: int, seed: int) -> float:
    digest = hashlib.sha256(f"audit-sample:{seed}:{free_text_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _same_text() -> Any:
    """The key identical free texts share: the original wording (the redacted one once the original is removed)."""
    return func.coalesce(FreeText.original, FreeText.redacted)


def topic_queue(session: Session, *, audit_share: float, audit_seed: int, limit: int = 20) -> dict[str, Any]:
    """Model-coded free texts nobody has reviewed yet: the random audit sample mixed with the least confident.

    Identical texts are one item (the lowest id stands for the others; ``n_copies`` says how many).
    About ``audit_share`` of the items shown come from the audit sample (in a seeded, stable
    order), the rest are the least confident of the others; only reviews of the sample measure
    the model's agreement with reviewers (:mod:`service.reports.agreement`).
    """
    waiting = (select(func.min(FreeText.id), func.count(FreeText.id), func.min(FreeText.confidence))
               .where(exists().where(TopicCode.free_text_id == FreeText.id, TopicCode.origin == "model"),
                      ~exists().where(TextReview.free_text_id == FreeText.id))
               .group_by(_same_text()))
    groups = session.execute(waiting).all()
    sample = sorted((g for g in groups if is_in_audit_sample(g[0], audit_share, audit_seed)), key=lambda g: _draw(g[0], audit_seed))
    in_sample = {g[0] for g in sample}
    others = sorted((g for g in groups if g[0] not in in_sample), key=lambda g: (g[2] is None, g[2] or 0.0, g[0]))
    chosen = _interleave(sample, others, audit_share, limit)
    ids = [g[0] for g in chosen]
    texts = {t.id: t for t in session.scalars(select(FreeText).where(FreeText.id.in_(ids)))}
    codes: dict[int, list[tuple[str, float | None]]] = {}
    for text_id, topic, probability in session.execute(
            select(TopicCode.free_text_id, TopicCode.topic, TopicCode.probability)
            .where(TopicCode.free_text_id.in_(ids), TopicCode.origin == "model")):
        codes.setdefault(text_id, []).append((topic, probability))
    flags = dict(session.execute(select(SafeguardingFlag.free_text_id, SafeguardingFlag.status)
                                 .where(SafeguardingFlag.free_text_id.in_(ids))).all())
    items = [{"id": i, "redacted": texts[i].redacted if texts[i].redacted is not None else NOT_SCREENED,
              "confidence": texts[i].confidence, "topics": sorted(codes.get(i, [])), "flag": flags.get(i),
              "n_copies": n, "is_audit_sample": i in in_sample} for i, n, _ in chosen]
    return {"n_waiting": len(groups), "n_audit_waiting": len(sample), "items": items}


def _interleave(sample: list[Any], others: list[Any], share: float, limit: int) -> list[Any]:
    """Up to ``limit`` items, about ``share`` of them from ``sample``; either list fills in when the other runs out."""
    chosen: list[Any] = []
    from_sample = from_others = 0
    while len(chosen) < limit and (from_sample < len(sample) or from_others < len(others)):
        wants_sample = from_sample < (len(chosen) + 1) * share
        if (wants_sample and from_sample < len(sample)) or from_others >= len(others):
            chosen.append(sample[from_sample])
            from_sample += 1
        else:
            chosen.append(others[from_others])
            from_others += 1
    return chosen


def save_text_review(session: Session, free_text_id: int, reviewer_id: int, topics: Sequence[str], *,
                     audit_share: float, audit_seed: int) -> TextReview:
    """Record a reviewer's topics for a free text and every unreviewed identical copy of it.

    The review of ``free_text_id`` itself carries ``n_copies`` (how many texts it coded) and
    whether the text is in the audit sample; each copy's review has ``n_copies`` 0 and never
    counts towards the measured agreement, so one decision is counted once.

    Raises
    ------
    LookupError
        When the free text does not exist or was already reviewed.
    """
    text = session.get(FreeText, free_text_id)
    if text is None:
        raise LookupError(f"free text {free_text_id} does not exist")
    if session.scalar(select(TextReview.id).where(TextReview.free_text_id == free_text_id)):
        raise LookupError(f"free text {free_text_id} was already reviewed")
    key = text.original if text.original is not None else text.redacted
    copies = [] if key is None else list(session.scalars(
        select(FreeText.id).where(_same_text() == key, FreeText.id != free_text_id,
                                  ~exists().where(TextReview.free_text_id == FreeText.id))))
    chosen = sorted(set(topics))
    review = None
    for text_id in [free_text_id, *copies]:
        model = sorted(session.scalars(select(TopicCode.topic).where(TopicCode.free_text_id == text_id,
                                                                      TopicCode.origin == "model")))
        is_first = text_id == free_text_id
        row = TextReview(free_text_id=text_id, reviewer_id=reviewer_id, model_topics=model, confirmed_topics=chosen,
                         n_copies=1 + len(copies) if is_first else 0,
                         is_audit_sample=is_first and is_in_audit_sample(text_id, audit_share, audit_seed))
        session.add(row)
        session.add_all(TopicCode(free_text_id=text_id, topic=t, origin="reviewer", reviewer_id=reviewer_id) for t in chosen)
        review = review or row
    session.flush()
    return review


def find_text_wording(session: Session, free_text_id: int) -> dict[str, Any] | None:
    """One free text's ``original`` (None once retention removed it), ``redacted`` and ``response_id``; None when absent.

    For the audited "show original" page only; every other read gives the redacted text alone.
    """
    text = session.get(FreeText, free_text_id)
    if text is None:
        return None
    return {"original": text.original, "redacted": text.redacted if text.redacted is not None else NOT_SCREENED,
            "response_id": text.response_id}


def quarantine_queue(session: Session, limit: int = 100) -> dict[str, Any]:
    """Quarantined ingest rows not yet resolved, newest first, with the rule each broke.

    ``scope`` is "record" (the whole record was kept out) or "field" (the response was stored
    without this one answer; ``response_id`` names it).
    """
    open_rows = select(QuarantinedRow).where(QuarantinedRow.resolved_at.is_(None))
    n_open = session.scalar(select(func.count()).select_from(open_rows.subquery())) or 0
    rows = session.execute(select(QuarantinedRow, Source.name).join(Source, QuarantinedRow.source_id == Source.id)
                           .where(QuarantinedRow.resolved_at.is_(None))
                           .order_by(QuarantinedRow.created_at.desc(), QuarantinedRow.id.desc()).limit(limit)).all()
    items = [{"id": row.id, "source": name, "location": row.location, "field": row.field, "value": row.value[:200],
              "rule": row.rule, "reason": row.reason, "created_at": row.created_at, "scope": row.scope,
              "response_id": row.response_id} for row, name in rows]
    return {"n_open": n_open, "items": items}
