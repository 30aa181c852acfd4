"""The JSON API under /api/v1: bearer tokens per client and role, pagination, filters, OpenAPI.

Every list answers ``{"ok": true, "data": [...], "page", "per_page", "total"}``; errors come from
``service/web/errors.py`` as ``{"ok": false, "error", "errors", "status"}``. Free text is always the
redacted form. Token auth, so the routes are exempt from CSRF (they only read).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request

from service.reports import dashboard as queries
from service.reports import prevalence, reach
from service.store import listings
from service.store.models import AnalysisRun
from service.web.access import STAFF, allow, public
from service.web.limits import csrf
from service.web.openapi import openapi_document
from service.web.params import read_paging
from service.web.sessions import get_session

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
MAX_PER_PAGE = 200


def _filter() -> queries.ResponseFilter:
    try:
        return queries.ResponseFilter.from_args(request.args)
    except queries.FilterError as error:
        abort(400, str(error))


def _paging() -> tuple[int, int]:
    return read_paging(request.args, 50, MAX_PER_PAGE)


def _page(items: list[Any], total: int, page: int, per_page: int):
    return jsonify({"ok": True, "data": items, "page": page, "per_page": per_page, "total": total})


@blueprint.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3 document describing this API."""
    return jsonify(openapi_document())


@blueprint.get("/sources")
@allow(*STAFF)
def sources():
    """Configured sources with their number of stored responses."""
    rows = listings.list_sources(get_session())
    return _page(rows, len(rows), 1, max(len(rows), 1))


@blueprint.get("/sites")
@allow(*STAFF)
def sites():
    """QR sites with their ward and number of responses."""
    page, per_page = _paging()
    rows, total = listings.list_sites(get_session(), page, per_page)
    return _page(rows, total, page, per_page)


@blueprint.get("/responses")
@allow(*STAFF)
def responses():
    """Responses matching the filters, newest first, with redacted free text only."""
    filt = _filter()
    page, per_page = _paging()
    wards = queries.ward_names(current_app.config["VOICE"].app.borough)
    found = queries.response_page(get_session(), filt, page, per_page, wards, g.user.role)
    items = [{k: v for k, v in item.items() if k not in ("source_name", "ward_name")} for item in found["items"]]
    return _page(items, found["total"], page, per_page)


@blueprint.get("/representativeness")
@allow(*STAFF)
def representativeness():
    """Stored representativeness runs (respondents against Census 2021), filtered by source and period."""
    session = get_session()
    runs = reach.representativeness_runs(session)
    source, period = request.args.get("source") or None, request.args.get("period") or None
    chosen = [r for r in runs if (not source or r["source"] == source) and (not period or r["period"] == period)]
    data = []
    for item in chosen:
        run = session.get(AnalysisRun, item["id"])
        data.append({"run_id": run.id, "source": run.source_key, "period": item["period"],
                     "created_at": run.created_at.isoformat(), "result": run.result})
    return _page(data, len(data), 1, max(len(data), 1))


@blueprint.get("/weights/runs")
@allow(*STAFF)
def weight_runs():
    """Weighting runs with method, parameters and diagnostics (not the individual weights)."""
    page, per_page = _paging()
    runs, total = listings.list_weighting_runs(get_session(), request.args.get("source"), page, per_page)
    data = [{"run_id": r.id, "source": r.source_key, "method": r.method, "status": r.status, "parameters": r.parameters,
             "diagnostics": r.result, "created_at": r.created_at.isoformat()} for r in runs]
    return _page(data, total, page, per_page)


@blueprint.get("/topics")
@allow(*STAFF)
def topics():
    """Topic prevalence for the filters: unweighted with Wilson 95% intervals, weighted when one source is given."""
    from service.reports.labels import topic_labels

    data = prevalence.topic_prevalence(get_session(), _filter(), topic_labels(),
                                       min_reviews=current_app.config["VOICE"].analysis.min_audit_reviews)
    return jsonify({"ok": True, **data})


@blueprint.get("/findings")
@allow(*STAFF)
def findings():
    """Emerging themes (label, key terms, size) from the newest themes run; no free text."""
    found = prevalence.themes(get_session(), request.args.get("source") or None)
    run = found["run"]
    if run is not None:
        run = {**run, "created_at": run["created_at"].isoformat()}
    themes = [{k: v for k, v in theme.items() if k != "example"} for theme in found["themes"]]  # counts and terms only
    return jsonify({"ok": True, "run": run, "themes": themes})
