"""The "where next" page: places to take the next poster or outreach session, ranked, with evidence."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from service.reports.where_next import where_next
from service.web.access import allow
from service.web.pages import page_context
from service.web.sessions import get_session

blueprint = Blueprint("where_next", __name__, url_prefix="/where-next")
ROLES = ("admin", "analyst", "engagement")


@blueprint.get("/")
@allow(*ROLES)
def index():
    """Wards with nobody heard and no poster first, then the places where the missing groups are least reached."""
    config = current_app.config["VOICE"]
    sources = {s.key: s.name for s in config.sources}
    key = request.args.get("source") or next(iter(sources), "")
    if key not in sources:
        key = next(iter(sources), "")
    context = page_context("where_next")
    result = where_next(get_session(), key, context["wards"], config.reports.where_next_min_base, sources.get(key)) if key else None
    return render_template("where_next/index.html", **context, result=result, sources=sources, chosen=key)
