"""Staff sign-in through the organisation's OpenID Connect provider: /sign-in/sso and its callback."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from service.store import audit
from service.store.accounts import sign_in_from_provider
from service.web.access import public, start_session
from service.web.sessions import get_session
from service.web.sso import SsoError, role_for

logger = logging.getLogger(__name__)
blueprint = Blueprint("sso", __name__)


def _client():
    client = current_app.extensions.get("voice_oidc")
    if client is None:
        abort(404, "Single sign-on is not switched on here; sign in with your e-mail address and password.")
    return client


@blueprint.get("/sign-in/sso")
@public
def start():
    """Send the browser to the provider (authorisation code with PKCE, state and nonce kept in the session)."""
    return _client().authorize_redirect(url_for(".callback", _external=True))


@blueprint.get("/sign-in/sso/callback")
@public
def callback():
    """Check the provider's answer and ID token, map the groups to a role, and sign the user in."""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    client = _client()
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        role = role_for(current_app.config["VOICE"].oidc, claims)
    except SsoError as error:
        return _refuse(str(error), "not_allowed")
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        logger.warning("single sign-on refused: %s", error)
        return _refuse("Your organisation's sign-in could not be checked. Please try again.", type(error).__name__)
    db = get_session()
    user = sign_in_from_provider(db, claims["email"].strip().lower(), str(claims.get("name") or claims["email"]), role)
    if user is None:
        return _refuse("This account has been deactivated here; ask an admin.", "inactive")
    audit.record(db, "sign_in", actor=audit.actor_of(user), target=f"user:{user.id}", address=request.remote_addr,
                 detail={"via": "sso", "role": role})
    db.commit()
    start_session(user)
    return redirect(url_for("home.index"))


def _refuse(message: str, reason: str):
    db = get_session()
    audit.record(db, "sign_in_failed", actor="anonymous", detail={"reason": f"sso:{reason}"}, address=request.remote_addr)
    db.commit()
    return render_template("error.html", status=401, title="Sign-in refused", message=message), 401
