"""The start page, and a health check for load balancers."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, redirect, url_for

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


@blueprint.get("/favicon.ico")
@public
def favicon():
    """The site icon browsers ask for at the root (pages also link the SVG one)."""
    icon = current_app.extensions.get("voice_favicon")
    if icon is None:
        icon = current_app.extensions["voice_favicon"] = (Path(current_app.static_folder or "") / "favicon.ico").read_bytes()
    return Response(icon, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"})
