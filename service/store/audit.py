"""The audit log: who did what, when and from where, kept append-only.

Every area that lets a person see or move personal data writes one event with :func:`record`,
in the same session (and so the same transaction) as the action itself: if the action rolls back,
so does its event, and an action cannot be committed without its event. Rows are never updated or
deleted (revision 0007 adds triggers that refuse it).

Usage from a view::

    from service import get_session
    from service.store import audit

    session = get_session()
    ...  # do the action with the same session
    audit.record(session, "view_original_text", actor=audit.actor_of(g.user),
                 target=f"free_text:{text.id}", detail={"response_id": text.response_id},
                 address=request.remote_addr)
    session.commit()

Never put free text, answers, passwords or tokens in ``detail``: ids, counts and settings only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service.store.models import ApiClient, AuditEvent, User

logger = logging.getLogger(__name__)

#: The actions the log knows; :func:`record` refuses others so the admin page's filter stays useful.
ACTIONS = (
    "sign_in", "sign_in_failed", "sign_out", "view_original_text", "view_respondent", "export", "briefing",
    "user_added", "role_change", "user_deactivated", "user_reactivated", "erasure", "retention",
    "config_change", "backup", "restore", "api_token", "sign_in_unlock", "llm_batch",
)
SYSTEM = "system"


@dataclass(frozen=True)
class AuditFilter:
    """What the admin page shows: an action, an actor substring and a time window (all optional)."""

    action: str = ""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None


def actor_of(who: User | ApiClient | None) -> str:
    """The actor text for a signed-in user (``user:3 a@b``), an API client (``api:name``) or nobody (``system``)."""
    if isinstance(who, User):
        return f"user:{who.id} {who.email}"
    if isinstance(who, ApiClient):
        return f"api:{who.name}"
    return SYSTEM


def record(session: Session, action: str, *, actor: str, target: str = "", detail: dict[str, Any] | None = None,
           address: str | None = None) -> AuditEvent:
    """Add one event to the log in ``session``'s transaction (the caller commits).

    Parameters
    ----------
    session
        The session doing the action; the event commits or rolls back with it.
    action
        One of :data:`ACTIONS`, e.g. ``"export"`` or ``"view_original_text"``.
    actor
        Who did it: :func:`actor_of` of ``g.user``, or ``"system"`` for the CLI and scheduler.
    target
        What it was done to, as ``kind:id`` (``"response:42"``, ``"user:7"``, ``"report_file:3"``).
    detail
        JSON-able ids, counts and settings; never free text, answers or secrets.
    address
        The client address (``request.remote_addr``) for web requests; ``None`` otherwise.

    Raises
    ------
    ValueError
        For an action not in :data:`ACTIONS`, or an empty actor.
    """
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not one of {', '.join(ACTIONS)}; add it to service.store.audit.ACTIONS first")
    if not actor:
        raise ValueError("an audit event needs an actor: audit.actor_of(g.user), or 'system'")
    event = AuditEvent(action=action, actor=actor[:250], target=target[:250], detail=dict(detail or {}),
                       address=(address or None) and address[:64])
    session.add(event)
    session.flush()
    logger.debug("audit %s by %s on %s", action, actor, target or "-")  # staff e-mails stay out of INFO logs
    return event


def _filtered(statement: Select, filt: AuditFilter) -> Select:
    if filt.action:
        statement = statement.where(AuditEvent.action == filt.action)
    if filt.actor:
        statement = statement.where(func.lower(AuditEvent.actor).contains(filt.actor.lower(), autoescape=True))
    if filt.since:
        statement = statement.where(AuditEvent.at >= filt.since)
    if filt.until:
        statement = statement.where(AuditEvent.at < filt.until)
    return statement


def list_events(session: Session, filt: AuditFilter = AuditFilter(), *, limit: int = 100, offset: int = 0) -> list[AuditEvent]:
    """The events matching ``filt``, newest first."""
    statement = _filtered(select(AuditEvent), filt).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(statement))


def count_events(session: Session, filt: AuditFilter = AuditFilter()) -> int:
    """How many events match ``filt``."""
    return session.scalar(_filtered(select(func.count(AuditEvent.id)), filt)) or 0


def all_events(session: Session, filt: AuditFilter = AuditFilter()) -> Sequence[AuditEvent]:
    """Every event matching ``filt``, oldest first (for the CSV export)."""
    return list(session.scalars(_filtered(select(AuditEvent), filt).order_by(AuditEvent.id)))
