"""Staff sign-in, sign-out and "sign out other sessions"."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from service.mail import is_mail_configured, send_mail
from service.store import audit, listings
from service.store.accounts import end_sessions, verify_password
from service.store.models import User
from service.web.access import STAFF, allow, public, start_session
from service.web.limits import clear_limit, client_address, is_limited, wait_seconds
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)
#: Hours an e-mailed unlock link works.
UNLOCK_HOURS = 2

#: The one answer to a failed sign-in, whether the account is unknown, inactive, throttled or the
#: password wrong: the page must not tell an attacker which accounts exist (issue 19, finding 9).
WRONG = ("The e-mail address or password is not right, or there have been too many tries from here. "
         "Check them and try again in a few minutes.")


@blueprint.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """Ask for e-mail and password; repeated failures for one account from one address make that address wait."""
    error = None
    email = ""
    if request.method == "POST" and (wait := wait_seconds(("sign_in", client_address()))) is not None:
        page = render_template("error.html", status=429, title="Too many sign-in attempts",
                               message=f"Too many sign-in attempts from here. Please wait {wait} seconds, then try again.")
        return page, 429, {"Retry-After": str(wait)}
    oidc = current_app.config["VOICE"].oidc
    if request.method == "POST" and not oidc.allow_passwords:
        abort(403, "Passwords are switched off here; sign in with your organisation's account.")
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        user = _check(email, request.form.get("password", ""))
        if user is not None:
            start_session(user)
            logger.info("sign-in: user %s", user.id)
            return redirect(_safe_next(request.args.get("next")))
        error = WRONG
    return render_template("auth/sign_in.html", error=error, email=email, sso_enabled=oidc.enabled,
                           passwords_allowed=oidc.allow_passwords), (401 if error else 200)


def failure_key(email: str) -> str:
    """The counting key of failed sign-ins: this account from this client address."""
    return f"{email}|{client_address()}"


def _check(email: str, password: str) -> User | None:
    """The user when the e-mail and password are right and this address is not throttled for the account.

    The password is verified in every case (a stand-in hash for unknown accounts), so a refusal
    takes as long whatever its reason.
    """
    db = get_session()
    user = listings.find_user(db, email)
    account = user if user is not None and user.is_active else None
    is_right = verify_password(account.password_hash if account is not None else None, password)
    is_throttled = is_limited("sign_in_failures", failure_key(email))
    if account is None or is_throttled or not is_right:
        reason = "unknown_or_inactive" if account is None else "throttled" if is_throttled else "wrong_password"
        if not is_throttled:
            is_limited("sign_in_failures", failure_key(email), count=True)  # counts this failure
        elif account is not None:
            _offer_unlock(account)
        _record_failure(db, user, email, reason)
        return None
    user.failed_sign_ins = 0
    user.locked_until = None
    audit.record(db, "sign_in", actor=audit.actor_of(user), target=f"user:{user.id}", address=request.remote_addr)
    db.commit()
    return user


def _record_failure(db, user: User | None, email: str, reason: str) -> None:
    """Log a failed sign-in (never the password typed) and commit it with the failure count."""
    if user is not None and reason == "wrong_password":
        user.failed_sign_ins += 1
        logger.warning("failed sign-in for user %s (%d in a row)", user.id, user.failed_sign_ins)
    target = f"user:{user.id}" if user is not None else ("email:" + email if "@" in email and " " not in email else "")
    detail = {"reason": reason, **({"failures": user.failed_sign_ins} if user is not None else {})}
    actor = audit.actor_of(user) if user is not None else "anonymous"
    audit.record(db, "sign_in_failed", actor=actor, target=target[:250], detail=detail, address=request.remote_addr)
    db.commit()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@blueprint.post("/sign-out")
@allow(*STAFF)
def sign_out():
    """End the staff session, and with it every copy of its cookie (the user's session generation moves on)."""
    db = get_session()
    user = db.get(User, g.user.id)
    end_sessions(user)
    audit.record(db, "sign_out", actor=audit.actor_of(g.user), target=f"user:{g.user.id}", address=request.remote_addr)
    db.commit()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@blueprint.post("/sign-out-others")
@allow(*STAFF)
def sign_out_others():
    """End every other session of the signed-in user (another browser, a lost phone); this one goes on."""
    db = get_session()
    user = db.get(User, g.user.id)
    end_sessions(user)
    audit.record(db, "sign_out", actor=audit.actor_of(user), target=f"user:{user.id}", address=request.remote_addr,
                 detail={"scope": "other_sessions"})
    db.commit()
    start_session(user)
    flash("Your other sessions have been signed out.")
    return redirect(url_for("home.index"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="voice-sign-in-unlock")


def _offer_unlock(user: User) -> None:
    """E-mail the account's owner a link lifting the wait for this address (at most once per wait)."""
    config = current_app.config["VOICE"].mail
    key = failure_key(user.email)
    if not is_mail_configured(config) or is_limited("sign_in_unlock_mail", key, count=True):
        return
    token = _serializer().dumps({"email": user.email, "address": client_address()})
    base = config.public_url.rstrip("/") or request.host_url.rstrip("/")
    body = (f"Someone (perhaps you) tried to sign in to Community Voice as {user.email} several times with a "
            f"wrong password, from the address {client_address()}. Sign-in from there now waits a while.\n\n"
            f"If it was you, open this link within {UNLOCK_HOURS} hours to sign in again at once:\n"
            f"{base}{url_for('auth.unlock', token=token)}\n\n"
            "If it was not you, do nothing: your password was not accepted. Tell the engagement team's admin.")
    if send_mail(config, user.email, "Community Voice: sign-in paused after wrong passwords", body):
        logger.info("unlock e-mail sent to user %s", user.id)


@blueprint.route("/sign-in/unlock/<token>", methods=["GET", "POST"])
@public
def unlock(token: str):
    """The e-mailed link: a page with one button (so a mail scanner's GET changes nothing) that lifts the wait."""
    try:
        claim = _serializer().loads(token, max_age=UNLOCK_HOURS * 3600)
    except (BadSignature, SignatureExpired):
        return render_template("auth/unlock.html", is_valid=False, token=token), 400
    if request.method == "POST":
        clear_limit("sign_in_failures", f"{claim['email']}|{claim['address']}")
        audit.record(get_session(), "sign_in_unlock", actor="anonymous", target=f"email:{claim['email']}",
                     address=request.remote_addr)
        get_session().commit()
        flash("Sign-in is open again. Sign in with your e-mail address and password.")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/unlock.html", is_valid=True, token=token)
