"""Small reads behind the staff pages and the JSON API, so the web layer writes no SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service.store.models import AnalysisRun, Response, Site, Source, User


def is_reachable(session: Session) -> bool:
    """Say whether the database answers a trivial query."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def list_sources(session: Session) -> list[dict[str, Any]]:
    """Configured sources by key, each with its number of stored responses."""
    counts = dict(session.execute(select(Response.source_id, func.count()).where(Response.consent.is_not(False))
                                  .group_by(Response.source_id)).all())
    return [{"key": s.key, "name": s.name, "kind": s.kind, "n_responses": counts.get(s.id, 0)}
            for s in session.scalars(select(Source).order_by(Source.key))]


def list_sites(session: Session, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of QR sites by name, each with its ward and number of responses; and the total."""
    total = session.scalar(select(func.count()).select_from(Site)) or 0
    counts = dict(session.execute(select(Response.site_id, func.count()).where(Response.site_id.is_not(None),
                                                                             Response.consent.is_not(False))
                                  .group_by(Response.site_id)).all())
    query = select(Site).order_by(Site.name, Site.id).limit(per_page).offset((page - 1) * per_page)
    rows = [{"code": s.code, "name": s.name, "kind": s.kind, "ward": s.ward, "campaign": s.campaign,
             "is_retired": s.is_retired, "n_responses": counts.get(s.id, 0)} for s in session.scalars(query)]
    return rows, total


def list_weighting_runs(session: Session, source: str | None, page: int,
                        per_page: int) -> tuple[list[AnalysisRun], int]:
    """One page of weighting runs, newest first (of one source when given); and the total."""
    query = select(AnalysisRun).where(AnalysisRun.kind == "weighting")
    if source:
        query = query.where(AnalysisRun.source_key == source)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    runs = session.scalars(query.order_by(AnalysisRun.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(runs), total


def latest_submitted_at(session: Session) -> datetime | None:
    """When the newest response not suspected of being a bot was sent; ``None`` for an empty store."""
    return session.scalar(select(func.max(Response.submitted_at)).where(Response.is_suspected_bot.is_(False), Response.consent.is_not(False)))


def earliest_submitted_at(session: Session) -> datetime | None:
    """When the oldest response not suspected of being a bot was sent; ``None`` for an empty store."""
    return session.scalar(select(func.min(Response.submitted_at)).where(Response.is_suspected_bot.is_(False), Response.consent.is_not(False)))


def count_submitted_between(session: Session, start: datetime, end: datetime) -> int:
    """Responses (not suspected bots) sent from ``start`` (inclusive) to ``end`` (exclusive)."""
    return session.scalar(select(func.count()).where(Response.submitted_at >= start, Response.submitted_at < end,
                                                     Response.is_suspected_bot.is_(False), Response.consent.is_not(False))) or 0


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Staff names by user id, for the given ids."""
    ids = set(ids)
    if not ids:
        return {}
    return {user_id: name for user_id, name in session.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def find_user(session: Session, email: str) -> User | None:
    """The staff account with this (already lower-cased) e-mail address, if any."""
    return session.scalar(select(User).where(User.email == email))
