"""Reads of stored responses for the analysis and the pages: counts and DataFrames of demographics and answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store.models import Answer, Question, Response, Site, Source, Wave
from service.store.responses import DEMOGRAPHICS


def count_responses(session: Session) -> dict[str, int]:
    """Number of stored responses per source key."""
    query = select(Source.key, func.count(Response.id)).join(Response, Response.source_id == Source.id).group_by(Source.key)
    return {key: n for key, n in session.execute(query)}


def responses_frame(
    session: Session,
    sources: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """Demographics of stored responses as a DataFrame, one row per response.

    Columns: ``id``, ``source``, ``wave``, ``site``, ``submitted_at``, and the vocabulary
    columns (``age``, ``age_band``, ``sex``, ``ethnicity``, ``ethnic_group``, ``ward``, ...).
    A response whose consent is no (stored only because its text may disclose harm) is left out.
    """
    query = (
        select(Response.id, Source.key.label("source"), Wave.key.label("wave"), Site.code.label("site"),
               Response.submitted_at, *[getattr(Response, c) for c in DEMOGRAPHICS], Response.is_suspected_bot)
        .join(Source, Response.source_id == Source.id)
        .outerjoin(Wave, Response.wave_id == Wave.id)
        .outerjoin(Site, Response.site_id == Site.id)
        .where(Response.consent.is_not(False))  # kept only for safeguarding: in no figure (docs/sources.md)
        .order_by(Response.id)
    )
    if sources:
        query = query.where(Source.key.in_(list(sources)))
    if start is not None:
        query = query.where(Response.submitted_at >= start)
    if end is not None:
        query = query.where(Response.submitted_at < end)
    rows = session.execute(query).all()
    columns = ["id", "source", "wave", "site", "submitted_at", *DEMOGRAPHICS, "is_suspected_bot"]
    return pd.DataFrame(rows, columns=columns)


def answers_frame(session: Session, source: str, question: str) -> pd.DataFrame:
    """Answers to one question of one source: ``response_id`` and ``value`` (consent no left out, as above)."""
    query = (
        select(Answer.response_id, Answer.value_text, Answer.value_number, Answer.value_list)
        .join(Question, Answer.question_id == Question.id)
        .join(Source, Question.source_id == Source.id)
        .join(Response, Answer.response_id == Response.id)
        .where(Source.key == source, Question.key == question, Response.consent.is_not(False))
    )
    rows = []
    for response_id, text, number, items in session.execute(query):
        value = text if text is not None else number if number is not None else items
        rows.append((response_id, value))
    return pd.DataFrame(rows, columns=["response_id", "value"])


def has_synthetic(session: Session) -> bool:
    """Say whether any stored response is synthetic demo data (pages then say so)."""
    return bool(session.scalar(select(Response.id).where(Response.is_synthetic.is_(True)).limit(1)))
