"""The start page, and a health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for

from service.store import listings
from service.web.access import STAFF, allow, public
from service.web.sessions import get_session

blueprint = Blueprint("home", __name__)


@blueprint.get("/health")
@public
def health():
    """Say whether the app can reach its database (for load balancers and monitoring)."""
    if not listings.is_reachable(get_session()):
        return jsonify({"ok": False, "database": "unreachable"}), 503
    return jsonify({"ok": True, "database": "ok"})


@blueprint.get("/")
@allow(*STAFF)
def index():
    """The start page for staff is the dashboard's overview."""
    return redirect(url_for("dashboard.overview"))
