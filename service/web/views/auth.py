"""Staff sign-in and sign-out."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from service.store import audit, listings
from service.store.accounts import verify_password
from service.store.models import User
from service.web.access import STAFF, allow, lockout_until, public
from service.web.limits import client_address, wait_seconds
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)


@blueprint.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """Ask for e-mail and password; lock the account for a while after repeated failures."""
    error = None
    email = ""
    if request.method == "POST" and (wait := wait_seconds(("sign_in", client_address()))) is not None:
        page = render_template("error.html", status=429, title="Too many sign-in attempts",
                               message=f"Too many sign-in attempts from here. Please wait {wait} seconds, then try again.")
        return page, 429, {"Retry-After": str(wait)}
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        user, error = _check(email, request.form.get("password", ""))
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            session["last_seen"] = datetime.now(timezone.utc).timestamp()
            session.permanent = False
            logger.info("sign-in: user %s", user.id)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", error=error, email=email), (401 if error else 200)


def _check(email: str, password: str) -> tuple[User | None, str | None]:
    db = get_session()
    user = listings.find_user(db, email)
    now = datetime.now(timezone.utc)
    wrong = "The e-mail address or password is not right. Check them and try again."
    if user is None or not user.is_active:
        _record_failure(db, user, email, "unknown_or_inactive")
        return None, wrong
    if user.locked_until and user.locked_until > now:
        _record_failure(db, user, email, "locked", locked=True)
        return None, f"This account is locked after repeated failed sign-ins until {user.locked_until:%H:%M} UTC. Try again then, or ask an admin."
    if not verify_password(user.password_hash, password):
        user.failed_sign_ins += 1
        user.locked_until = lockout_until(user.failed_sign_ins, now)
        _record_failure(db, user, email, "wrong_password", locked=user.locked_until is not None)
        logger.warning("failed sign-in for user %s (%d in a row)", user.id, user.failed_sign_ins)
        return None, wrong
    user.failed_sign_ins = 0
    user.locked_until = None
    audit.record(db, "sign_in", actor=audit.actor_of(user), target=f"user:{user.id}", address=request.remote_addr)
    db.commit()
    return user, None


def _record_failure(db, user: User | None, email: str, reason: str, locked: bool = False) -> None:
    """Log a failed sign-in (never the password typed) and commit it with the failure count."""
    target = f"user:{user.id}" if user is not None else ("email:" + email if "@" in email and " " not in email else "")
    detail = {"reason": reason, **({"failures": user.failed_sign_ins, "locked": locked} if user is not None else {})}
    actor = audit.actor_of(user) if user is not None else "anonymous"
    audit.record(db, "sign_in_failed", actor=actor, target=target, detail=detail, address=request.remote_addr)
    db.commit()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@blueprint.post("/sign-out")
@allow(*STAFF)
def sign_out():
    """End the staff session."""
    db = get_session()
    audit.record(db, "sign_out", actor=audit.actor_of(g.user), target=f"user:{g.user.id}", address=request.remote_addr)
    db.commit()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))
