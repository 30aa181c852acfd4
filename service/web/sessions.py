"""The request's database session: opened on first use, closed when the request ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g

if TYPE_CHECKING:  # the web layer only passes sessions on; SQL lives in service.store
    from sqlalchemy.orm import Session


def get_session() -> Session:
    """The request's database session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["voice_sessions"]()
    return g.db_session


def close_session(_error: BaseException | None) -> None:
    """Close the request's session, if it opened one (registered as an app-context teardown)."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
