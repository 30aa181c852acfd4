"""The admin's users page: list staff, add an account, change a role, deactivate, reactivate or sign out."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from service.store import accounts as staff
from service.store.accounts import MIN_PASSWORD, add_user
from service.store.models import ROLES
from service.web.access import allow, log_event
from service.web.pages import page_context
from service.web.params import read_int
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.get("/users")
@allow("admin")
def users():
    """Every staff account with its role and state."""
    return render_template("admin/users.html", **page_context("admin"), users=staff.list_users(get_session()),
                           roles=ROLES, min_password=MIN_PASSWORD, error=None, form={})


@blueprint.post("/users")
@allow("admin")
def add():
    """Create an account; the admin passes the first password on to the person."""
    session = get_session()
    form = {k: request.form.get(k, "").strip() for k in ("email", "name", "role")}
    try:
        user = add_user(session, form["email"], form["name"] or form["email"], form["role"], request.form.get("password", ""))
    except ValueError as error:
        session.rollback()
        return render_template("admin/users.html", **page_context("admin"), users=staff.list_users(session), roles=ROLES,
                               min_password=MIN_PASSWORD, error=str(error), form=form), 400
    log_event("user_added", f"user:{user.id}", {"role": user.role})
    session.commit()
    logger.info("user %s created user %s with role %s", g.user.id, user.id, user.role)
    flash(f"Created {user.role} account {user.email}.")
    return redirect(url_for(".users"))


@blueprint.post("/users/<int:user_id>")
@allow("admin")
def change(user_id: int):
    """Change a role, or deactivate/reactivate an account."""
    session = get_session()
    action = request.form.get("action", "")
    try:
        if action == "role":
            user = staff.update_user(session, user_id, role=request.form.get("role", ""))
        elif action in ("deactivate", "reactivate"):
            user = staff.update_user(session, user_id, is_active=action == "reactivate")
            staff.end_sessions(user)  # a deactivated account's open sessions end too
        elif action == "sign_out":
            user = staff.update_user(session, user_id)
            staff.end_sessions(user)
        else:
            abort(400, f"action {action!r} should be role, deactivate, reactivate or sign_out")
    except LookupError as error:
        abort(404, str(error))
    except ValueError as error:
        session.rollback()
        flash(str(error))
        return redirect(url_for(".users"))
    events = {"role": "role_change", "deactivate": "user_deactivated", "reactivate": "user_reactivated",
              "sign_out": "sign_out"}
    details = {"role": {"role": user.role}, "sign_out": {"scope": "all_sessions", "by": "admin"}}
    log_event(events[action], f"user:{user.id}", details.get(action, {}))
    session.commit()
    logger.info("user %s changed user %s: %s", g.user.id, user.id, action)
    done = {"role": f"role {user.role}", "sign_out": "every session signed out"}
    flash(f"Updated {user.email}: {done.get(action, action + 'd')}.")
    return redirect(url_for(".users"))


@blueprint.get("/tokens")
@allow("admin")
def tokens(new_token: dict | None = None, error: str | None = None):
    """Every API client with its role, state, expiry and last use; add, rotate or revoke one."""
    now = datetime.now(timezone.utc)
    clients = [(c, "Active" if staff.is_api_client_usable(c, now) else ("Revoked" if not c.is_active else "Expired"))
               for c in staff.list_api_clients(get_session())]
    return render_template("admin/tokens.html", **page_context("admin"), clients=clients, roles=ROLES,
                           new_token=new_token, error=error), (400 if error else 200)


@blueprint.post("/tokens")
@allow("admin")
def add_token():
    """Create an API client; its token is shown once on the page that follows."""
    session = get_session()
    days = read_int(request.form, "expires_days", 0, 1, 3660)
    expires_at = datetime.now(timezone.utc) + timedelta(days=days) if days else None
    try:
        client, token = staff.add_api_client(session, request.form.get("name", ""), request.form.get("role", ""), expires_at)
    except ValueError as error:
        session.rollback()
        return tokens(error=str(error))
    log_event("api_token", f"api_client:{client.id}", {"name": client.name, "change": "add", "role": client.role,
                                                       "via": "admin page"})
    session.commit()
    return tokens(new_token={"name": client.name, "token": token})


@blueprint.post("/tokens/change")
@allow("admin")
def change_token():
    """Rotate a client's token (shown once) or revoke it."""
    session = get_session()
    name, action = request.form.get("name", ""), request.form.get("action", "")
    if action not in ("rotate", "revoke"):
        abort(400, f"action {action!r} should be rotate or revoke")
    try:
        if action == "rotate":
            client, token = staff.rotate_api_client(session, name)
        else:
            client, token = staff.revoke_api_client(session, name), None
    except LookupError as error:
        abort(404, str(error))
    log_event("api_token", f"api_client:{client.id}", {"name": client.name, "change": action, "via": "admin page"})
    session.commit()
    logger.info("user %s: %s of API client %s", g.user.id, action, client.id)
    if token is None:
        flash(f"Revoked the token of {client.name}.")
        return redirect(url_for(".tokens"))
    return tokens(new_token={"name": client.name, "token": token})
