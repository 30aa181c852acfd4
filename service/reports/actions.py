"""The "you said, we did" actions log: read, check and save what the partnership did (issue 7).

Staff record an action against a codeframe topic and/or a QR site, with the quarter whose briefing
raised it; the next quarter's briefing shows it back to the meeting with its status
(:func:`service.reports.briefing._actions`). The staff pages in ``service/web/views/briefings.py``
use these functions; nothing here knows about Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest import clean_text
from service.pipeline.periods import QUARTER_PATTERN, quarter_of
from service.store.models import Action, utcnow

#: Status code to label, in the order an action moves through them.
STATUSES = {"planned": "Planned", "in_progress": "In progress", "done": "Done"}
MAX_YOU_SAID = 1000
MAX_WE_DID = 2000


@dataclass(frozen=True)
class ActionChoices:
    """What an action may point at: topic id to label, site id to name, ward code to name, and each site's ward."""

    topics: Mapping[str, str]
    sites: Mapping[int, str]
    wards: Mapping[str, str]
    site_wards: Mapping[int, str | None]


def list_actions(session: Session) -> list[Action]:
    """Every action, the most recent quarter first, then newest first."""
    return list(session.scalars(select(Action).order_by(Action.quarter.desc(), Action.id.desc())))


def read_action(form: Mapping[str, str], choices: ActionChoices, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted action fields, cleaned, and a message for each field that needs fixing.

    Parameters
    ----------
    form
        The posted fields: ``quarter``, ``topic``, ``site``, ``ward``, ``you_said``, ``we_did``, ``status``.
    choices
        The topics, sites and wards an action may name.
    now
        The time of the request: an action cannot be raised in a quarter that has not started.

    Returns
    -------
    tuple
        ``values`` (the model's columns; ``site_id`` an int or ``None``) and ``errors`` (field name to message).
    """
    site = clean_text(form.get("site"))
    values: dict[str, Any] = {
        "quarter": clean_text(form.get("quarter")).upper(),
        "topic": clean_text(form.get("topic")) or None,
        "site_id": int(site) if site.isdigit() else None,
        "ward": clean_text(form.get("ward")) or None,
        "you_said": clean_text(form.get("you_said"), multiline=True),
        "we_did": clean_text(form.get("we_did"), multiline=True),
        "status": clean_text(form.get("status")),
    }
    errors: dict[str, str] = {}
    if not QUARTER_PATTERN.fullmatch(values["quarter"]):
        errors["quarter"] = "Enter the quarter whose briefing raised this, like 2024Q1."
    elif values["quarter"] > quarter_of(now):
        errors["quarter"] = f"{values['quarter']} has not started yet; enter {quarter_of(now)} or earlier."
    if values["topic"] is not None and values["topic"] not in choices.topics:
        errors["topic"] = "Choose a topic from the list, or leave it empty."
    if site and values["site_id"] not in choices.sites:
        errors["site"] = "Choose a site from the list, or leave it empty."
    if values["topic"] is None and not site and "topic" not in errors:
        errors["topic"] = "Choose a topic, a site, or both, so the briefing can say what this was about."
    if values["ward"] is not None and values["ward"] not in choices.wards:
        errors["ward"] = "Choose a ward from the list, or leave it empty."
    if not values["you_said"]:
        errors["you_said"] = "Enter what residents said, in your own words."
    elif len(values["you_said"]) > MAX_YOU_SAID:
        errors["you_said"] = (f"Shorten what residents said to {MAX_YOU_SAID:,} characters or fewer "
                              f"(it has {len(values['you_said']):,}).")
    if len(values["we_did"]) > MAX_WE_DID:
        errors["we_did"] = (f"Shorten what the partnership did to {MAX_WE_DID:,} characters or fewer "
                            f"(it has {len(values['we_did']):,}).")
    if values["status"] not in STATUSES:
        errors["status"] = "Choose whether the action is planned, in progress or done."
    if not errors and values["ward"] is None and values["site_id"] is not None:
        values["ward"] = choices.site_wards.get(values["site_id"])  # so the site's ward briefing shows it too
    return values, errors


def save_action(session: Session, action: Action | None, values: Mapping, user_id: int | None) -> Action:
    """Add a new action (``action`` is ``None``) or change one, from checked ``values``; the caller commits."""
    if action is None:
        action = Action(created_by=user_id)
        session.add(action)
    for key, value in values.items():
        setattr(action, key, value)
    action.updated_at = utcnow()
    session.flush()
    return action
