"""The start page, and a health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service import get_session, store
from service.access import STAFF, allow, public

blueprint = Blueprint("home", __name__)


@blueprint.get("/health")
@public
def health():
    """Say whether the app can reach its database (for load balancers and monitoring)."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify({"ok": False, "database": "unreachable"}), 503
    return jsonify({"ok": True, "database": "ok"})


@blueprint.get("/")
@allow(*STAFF)
def index():
    """Start page: what the service holds, per source, and the latest ingest runs."""
    session = get_session()
    config = current_app.config["VOICE"]
    counts = store.count_responses(session)
    sources = [(s.name, s.key, counts.get(s.key, 0)) for s in config.sources]
    runs = store.latest_runs(session)
    has_synthetic = store.has_synthetic(session)
    return render_template("home/index.html", sources=sources, runs=runs, council=config.app.council_name,
                           has_synthetic=has_synthetic)
