"""The safeguarding workflow: flags go New -> Acknowledged -> Referred -> Closed, each change an event.

A flag is a free text that may disclose harm. The lead acknowledges it (so everyone sees it is in
hand), takes or gives ownership, refers it (children's services MASH, adult safeguarding, the
police or the school's designated safeguarding lead) and closes it; every change records who,
when and a note in ``safeguarding_events``. A New flag older than the configured time is overdue.

Every path that raises a flag (the QR form, webhook deliveries and ingested rows, the text run)
builds its row with :func:`new_flag`, which keeps the screen's reading that the writer may be a
child. Whose procedure applies (:func:`writer_of`) follows a child signal from either source: a
stated age under 18, or the text when the stated age says nothing or says adult (both are shown).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from service.store.models import (
    NOT_SCREENED,
    FreeText,
    Response,
    SafeguardingEvent,
    SafeguardingFlag,
    Site,
    Source,
    User,
    utcnow,
)

STATUSES = ("new", "acknowledged", "referred", "closed")
STATUS_WORDS = {"new": "New", "acknowledged": "Acknowledged", "referred": "Referred", "closed": "Closed"}
REFERRALS = {
    "mash": "Children's services (MASH)",
    "adult_safeguarding": "Adult safeguarding",
    "police": "Police",
    "school_dsl": "School designated safeguarding lead",
    "not_recorded": "Not recorded (referred before this was asked)",
}
AGE_GROUPS = {"child": "Under 18, or may be", "adult": "18 or over", "unknown": "Age not given"}
PROCEDURES = {
    "child": "Children's safeguarding procedure: refer to children's services (MASH) the same working day; "
             "if a child is in immediate danger, call 999.",
    "adult": "Adult safeguarding procedure (Care Act 2014 section 42): refer to adult safeguarding; "
             "if someone is in immediate danger, call 999.",
    "unknown": "Age not given: follow the children's procedure if anything in the comment or the place "
               "suggests the person may be under 18; otherwise the adult procedure.",
}

#: The procedure's short name, for each row of the queue.
PROCEDURE_NAMES = {"child": "Children's procedure", "adult": "Adult procedure",
                   "unknown": "Procedure: children's if anything suggests under 18"}


@dataclass(frozen=True)
class FlagFilter:
    """Which flags the queue shows: each field empty for all."""

    status: str = ""
    channel: str = ""
    age_group: str = ""
    category: str = ""

    def __post_init__(self) -> None:
        for name, allowed in (("status", STATUSES), ("age_group", tuple(AGE_GROUPS))):
            value = getattr(self, name)
            if value and value not in allowed:
                raise ValueError(f"{name} {value!r} should be one of {', '.join(allowed)}")

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (empty ones left out)."""
        return {k: v for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class Writer:
    """Who wrote a flagged comment, as far as the stated age and the text tell.

    ``group`` is whose procedure applies (``child``, ``adult`` or ``unknown``); ``words`` say it
    for the queue, the flag's page and the alert ("stated age 35; the text reads like a child's");
    ``is_child_from_text`` is True when the text, not the stated age, makes it a child's.
    """

    group: str
    words: str
    is_child_from_text: bool


def new_flag(free_text_id: int, reason: str, is_child: bool, created_at: datetime) -> dict[str, Any]:
    """The row of a new safeguarding flag on a screened text: ``reason`` and ``is_child`` from the screen."""
    return {"free_text_id": free_text_id, "reason": reason, "status": "new", "is_child": bool(is_child),
            "created_at": created_at}


def writer_of(age: int | None, age_band: str | None, is_child: bool) -> Writer:
    """Whose procedure applies to a flag and why: a stated age under 18 wins; the text's child signal
    (``is_child``) is shown whenever the stated age does not say child, and then also means the
    children's procedure."""
    stated = age_group_of(age, age_band)
    said = str(age) if age is not None else (age_band if age_band not in (None, "not_stated") else None)
    if stated == "child":
        return Writer("child", f"age {said}", False)
    if is_child and stated == "adult":
        return Writer("child", f"stated age {said}; the text reads like a child's", True)
    if is_child:
        return Writer("child", "age not given; may be a child (from the text)", True)
    return Writer(stated, f"age {said}" if said else "age not given", False)


def writers_of(session: Session, flag_ids: list[int]) -> dict[int, Writer]:
    """:func:`writer_of` for each flag in ``flag_ids``, by flag id."""
    rows = session.execute(select(SafeguardingFlag.id, Response.age, Response.age_band, SafeguardingFlag.is_child)
                           .join(FreeText, SafeguardingFlag.free_text_id == FreeText.id)
                           .join(Response, FreeText.response_id == Response.id)
                           .where(SafeguardingFlag.id.in_(flag_ids)))
    return {flag_id: writer_of(age, age_band, is_child) for flag_id, age, age_band, is_child in rows}


def age_group_of(age: int | None, age_band: str | None) -> str:
    """``child`` when the person is, or may be, under 18; ``adult`` when 18 or over; else ``unknown``."""
    if age is not None:
        return "child" if age < 18 else "adult"
    match = re.fullmatch(r"(\d+)(?:-(\d+)|\+)", age_band or "")
    if not match:
        return "unknown"
    return "child" if int(match.group(1)) < 18 else "adult"


def waiting_words(since: datetime, now: datetime) -> str:
    """How long since ``since``, in words a person reads at a glance ("3 days 4 hours")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} day{'s' * (days != 1)}" + (f" {hours} hour{'s' * (hours != 1)}" if hours else "")
    if hours:
        return f"{hours} hour{'s' * (hours != 1)}" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def count_flags(session: Session, overdue_after: timedelta, now: datetime | None = None) -> dict[str, int]:
    """Flags waiting: ``n_new`` (nobody has acknowledged them) and ``n_overdue`` (New for longer than allowed)."""
    now = now or utcnow()
    is_new = SafeguardingFlag.status == "new"
    n_new = session.scalar(select(func.count()).where(is_new)) or 0
    n_overdue = session.scalar(select(func.count()).where(is_new, SafeguardingFlag.created_at < now - overdue_after)) or 0
    return {"n_new": n_new, "n_overdue": n_overdue}


def category_options(session: Session) -> list[str]:
    """The distinct reasons flags were raised for (a flag's reason joins several with "; ")."""
    reasons = set()
    for joined in session.scalars(select(SafeguardingFlag.reason).distinct()):
        reasons.update(part.strip() for part in joined.split(";") if part.strip())
    return sorted(reasons)


def flag_queue(session: Session, filt: FlagFilter, page: int, per_page: int, overdue_after: timedelta,
               now: datetime | None = None) -> dict[str, Any]:
    """One page of flags matching ``filt``: New first (oldest New first), then the rest newest first."""
    now = now or utcnow()
    query = _flag_rows()
    if filt.status:
        query = query.where(SafeguardingFlag.status == filt.status)
    if filt.channel:
        query = query.where(Source.key == filt.channel)
    if filt.category:
        query = query.where(SafeguardingFlag.reason.contains(filt.category, autoescape=True))
    rows = [_item(row, now, overdue_after) for row in session.execute(query)]
    if filt.age_group:
        rows = [row for row in rows if row["age_group"] == filt.age_group]
    rows.sort(key=lambda r: (r["status"] != "new", r["created_at"] if r["status"] == "new" else -r["created_at"].timestamp()))
    n_pages = max(1, math.ceil(len(rows) / per_page))
    page = min(page, n_pages)
    return {"items": rows[(page - 1) * per_page:page * per_page], "n_matching": len(rows), "page": page, "n_pages": n_pages}


def flag_detail(session: Session, flag_id: int, with_original: bool, overdue_after: timedelta,
                now: datetime | None = None) -> dict[str, Any]:
    """One flag with its comment, the procedure that applies and its history (oldest change first).

    Raises
    ------
    LookupError
        When there is no such flag.
    """
    row = session.execute(_flag_rows().where(SafeguardingFlag.id == flag_id)).first()
    if row is None:
        raise LookupError(f"safeguarding flag {flag_id} does not exist")
    item = _item(row, now or utcnow(), overdue_after)
    item["original"] = row.original if with_original else None
    item["procedure"] = PROCEDURES[item["age_group"]]
    actor, owner = aliased(User), aliased(User)
    item["events"] = [{"status": e.status, "referred_to": e.referred_to, "note": e.note, "at": e.at,
                       "by": by or "a former user", "owner": owner_name}
                      for e, by, owner_name in session.execute(
                          select(SafeguardingEvent, actor.name, owner.name)
                          .outerjoin(actor, SafeguardingEvent.user_id == actor.id)
                          .outerjoin(owner, SafeguardingEvent.owner_id == owner.id)
                          .where(SafeguardingEvent.flag_id == flag_id).order_by(SafeguardingEvent.at, SafeguardingEvent.id))]
    return item


def change_flag(session: Session, flag_id: int, user_id: int, status: str, note: str = "",
                referred_to: str = "", owner_id: int | None = None) -> SafeguardingEvent:
    """Move a flag to ``status`` (with a referral when Referred), set its owner, and record the change.

    Raises
    ------
    ValueError
        An unknown status or referral, a referral missing, or closing without a note.
    LookupError
        When there is no such flag or owner.
    """
    if status not in STATUSES:
        raise ValueError(f"status {status!r} should be one of {', '.join(STATUSES)}")
    if status == "referred" and referred_to not in REFERRALS:
        raise ValueError(f"Select who the flag was referred to ({', '.join(REFERRALS.values())})")
    if status == "closed" and not note.strip():
        raise ValueError("Enter a note saying why the flag is closed")
    flag = session.get(SafeguardingFlag, flag_id)
    if flag is None:
        raise LookupError(f"safeguarding flag {flag_id} does not exist")
    if owner_id is not None and session.get(User, owner_id) is None:
        raise LookupError(f"user {owner_id} does not exist")
    now = utcnow()
    flag.status, flag.note, flag.reviewer_id, flag.reviewed_at = status, note.strip() or flag.note, user_id, now
    flag.referred_to = referred_to if status == "referred" else flag.referred_to
    flag.owner_id = owner_id if owner_id is not None else (flag.owner_id or user_id)
    event = SafeguardingEvent(flag_id=flag_id, status=status, referred_to=referred_to or None, owner_id=flag.owner_id,
                              user_id=user_id, note=note.strip() or None, at=now)
    session.add(event)
    session.flush()
    return event


def owner_choices(session: Session, roles: tuple[str, ...]) -> list[tuple[int, str]]:
    """Active staff who can own a flag (those whose role works the review queues), by name."""
    return [(u.id, u.name) for u in session.scalars(select(User).where(User.is_active, User.role.in_(roles)).order_by(User.name))]


def overdue_flags(session: Session, overdue_after: timedelta, now: datetime | None = None) -> list[SafeguardingFlag]:
    """New flags older than ``overdue_after`` that no alert has been sent for yet, oldest first."""
    now = now or utcnow()
    return list(session.scalars(select(SafeguardingFlag).where(
        SafeguardingFlag.status == "new", SafeguardingFlag.alerted_at.is_(None),
        SafeguardingFlag.created_at < now - overdue_after).order_by(SafeguardingFlag.created_at)))


def _flag_rows():
    owner = aliased(User)
    return (select(SafeguardingFlag, FreeText.redacted, FreeText.original, owner.name.label("owner"), Response.submitted_at,
                   Response.age_band, Response.age, Source.name.label("source"), Source.key.label("source_key"),
                   Site.name.label("site"))
            .join(FreeText, SafeguardingFlag.free_text_id == FreeText.id)
            .join(Response, FreeText.response_id == Response.id)
            .join(Source, Response.source_id == Source.id)
            .outerjoin(Site, Response.site_id == Site.id)
            .outerjoin(owner, SafeguardingFlag.owner_id == owner.id))


def _item(row: Any, now: datetime, overdue_after: timedelta) -> dict[str, Any]:
    flag = row.SafeguardingFlag
    writer = writer_of(row.age, row.age_band, flag.is_child)
    redacted = row.redacted if row.redacted is not None else NOT_SCREENED
    return {"id": flag.id, "free_text_id": flag.free_text_id, "reason": flag.reason, "status": flag.status,
            "note": flag.note, "created_at": flag.created_at, "referred_to": flag.referred_to, "owner": row.owner,
            "redacted": redacted, "submitted_at": row.submitted_at,
            "source": row.source, "source_key": row.source_key, "site": row.site, "writer": writer.words,
            "is_child_from_text": writer.is_child_from_text, "age_group": writer.group, "waiting": waiting_words(flag.created_at, now),
            "is_overdue": flag.status == "new" and flag.created_at < now - overdue_after}
