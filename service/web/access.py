"""Who may use which route: every view declares its roles, and anything undeclared is refused.

Use ``@allow("admin", "analyst")`` on a staff view, ``@allow(*STAFF)`` for every signed-in role,
or ``@public`` on the few routes residents and machines reach without signing in (the QR form,
its assets, the health check, signed webhooks). A view with neither is refused with 403, so a new
route cannot be left open by mistake; ``tests/test_service_access.py`` checks every route.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from service.store.models import ROLES, User

STAFF = ROLES
PUBLIC = "public"
View = TypeVar("View", bound=Callable[..., Any])

#: What each role may do, beyond seeing the dashboard. Checked with :func:`can`.
CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": frozenset({"manage_users", "manage_sources", "manage_sites", "export", "view_original_text",
                        "view_respondent", "review", "analyse", "view_audit"}),
    "analyst": frozenset({"export", "view_original_text", "view_respondent", "review", "analyse", "manage_codeframe"}),
    "engagement": frozenset({"manage_sites", "review", "view_original_text"}),
    "viewer": frozenset(),
}


def allow(*roles: str) -> Callable[[View], View]:
    """Declare the staff roles that may use a view."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"allow() takes roles from {', '.join(ROLES)}; got {', '.join(sorted(unknown)) or 'none'}")

    def mark(view: View) -> View:
        view.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: View) -> View:
    """Declare a view open to everyone (residents' form, health check, signed webhooks)."""
    view.allowed_roles = frozenset({PUBLIC})  # type: ignore[attr-defined]
    return view


def allowed_roles(app: Flask, endpoint: str) -> frozenset[str]:
    """The roles declared on an endpoint's view (empty when undeclared, which means refused)."""
    view = app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", frozenset())


def can(capability: str) -> bool:
    """Say whether the signed-in user's role has ``capability``."""
    user = g.get("user")
    return bool(user) and capability in CAPABILITIES.get(user.role, frozenset())


def init_access(app: Flask) -> None:
    """Check every request against its view's declared roles; expire idle staff sessions."""

    @app.before_request
    def check_access():
        endpoint = request.endpoint
        if endpoint is None:
            return None  # a 404 or 405 follows
        if endpoint == "static":
            return None
        roles = allowed_roles(app, endpoint)
        g.user = _signed_in_user() or _api_client()
        if PUBLIC in roles:
            return None
        if not roles:
            abort(403, "This page has not declared who may see it, so it is closed.")
        if g.user is None:
            if request.path.startswith("/api/"):
                abort(401, "Sign in or send an API token.")
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if g.user.role not in roles:
            abort(403, "Your role does not allow this page. Ask an admin if you need it.")
        return None

    @app.context_processor
    def inject_user():
        return {"current_user": g.get("user"), "can": can}


def _api_client() -> Any:
    """The API client of a bearer token on /api/ paths (its ``role`` is checked like a user's)."""
    if not request.path.startswith("/api/"):
        return None
    from service.store.accounts import find_api_client
    from service.web.sessions import get_session

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return find_api_client(get_session(), token.strip())


def start_session(user: User) -> None:
    """Sign ``user`` in on this browser: a fresh session carrying the user's current session generation."""
    now = datetime.now(timezone.utc).timestamp()
    session.clear()
    session.update(user_id=user.id, generation=user.session_generation or 0, signed_in_at=now, last_seen=now)
    session.permanent = False


def _signed_in_user() -> User | None:
    """The session's user, unless the session is idle too long, too old, or ended since (sign-out elsewhere).

    The cookie is signed but copyable; what makes a copied cookie stop working is the generation:
    signing out, changing the password or "sign out other sessions" adds one to the user's, and a
    cookie holding an older one is refused (issue 19, finding 3).
    """
    from service.web.sessions import get_session

    user_id = session.get("user_id")
    if not user_id:
        return None
    config = current_app.config["VOICE"].app
    now = datetime.now(timezone.utc).timestamp()
    is_idle = now - session.get("last_seen", 0) > config.session_minutes * 60
    is_old = now - session.get("signed_in_at", 0) > config.session_max_hours * 3600
    user = None if is_idle or is_old else get_session().get(User, user_id)
    if user is None or not user.is_active or session.get("generation") != (user.session_generation or 0):
        session.clear()
        return None
    session["last_seen"] = now
    return user


def log_event(action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
    """Write an audit event for the current request's user and address, in the request's session.

    The caller commits: the event is saved with the action or not at all.
    """
    from service.store import audit
    from service.web.sessions import get_session

    audit.record(get_session(), action, actor=audit.actor_of(g.get("user")), target=target, detail=detail or {},
                 address=request.remote_addr)
