"""The engagement team's dashboard: overview and responses pages, and CSV downloads of charts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from service.reports import dashboard as queries
from service.reports.charts import BarChart
from service.reports.labels import topic_labels
from service.reports.masking import MASKED_TEXT
from service.web.access import STAFF, allow, can
from service.web.pages import CHART_ROLES, csv_download, current_filter, page_context
from service.web.params import MAX_PAGE, read_int
from service.web.sessions import get_session

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")
PER_PAGE = 50


def weekly_chart(session, filt: queries.ResponseFilter) -> tuple[BarChart, dict[str, Any]]:
    """Responses per week (all sources in the filter), for the 12 weeks up to the latest with data."""
    data = queries.weekly_counts(session, filt)
    rows = tuple((f"w/c {week:%d %b %Y}", tuple(float(data["counts"].get((name, week), 0)) for name in data["sources"]))
                 for week in data["weeks"])
    chart = BarChart(id="weekly", title="Responses per week, by source (12 weeks to the latest with data)",
                     category_label="Week", value_label="responses", series=tuple(data["sources"]), rows=rows,
                     counts=True)
    return chart, data


def site_chart(session, filt: queries.ResponseFilter) -> BarChart:
    """Responses per QR site in the filter's period."""
    sites = queries.site_counts(session, filt, None)
    return BarChart(id="sites", title="Responses per QR site", category_label="Site", value_label="responses",
                    series=("Responses",), rows=tuple((s["name"], (float(s["n"]),)) for s in sites), counts=True)


CHARTS: dict[str, Callable[[Any, queries.ResponseFilter], BarChart]] = {
    "weekly": lambda session, filt: weekly_chart(session, filt)[0],
    "sites": site_chart,
}


@blueprint.get("/")
@allow(*STAFF)
def overview():
    """Who we heard from, through which channel and where; imports; what changed since last week."""
    session = get_session()
    filt = current_filter()
    weekly, data = weekly_chart(session, filt)
    week = data["weeks"][-1] if data["weeks"] else None
    sites = queries.site_counts(session, filt, week)
    headline = queries.period_headline(session, filt, datetime.now(timezone.utc))
    return render_template("dashboard/overview.html", **page_context("overview", filt), weekly=weekly,
                           site_chart=site_chart(session, filt), sites=sites, week=week, headline=headline,
                           n_total=queries.count_matching(session, filt), runs=queries.ingest_summary(session),
                           csv_args=filt.as_args(), alert_hours=current_app.config["VOICE"].safeguarding.alert_after_hours,
                           channels=[(s.name, s.description) for s in current_app.config["VOICE"].sources])


@blueprint.get("/charts/<name>.csv")
@allow(*CHART_ROLES)
def chart_csv(name: str):
    """The figures of an overview chart, exactly as shown, for the same filter."""
    builder = CHARTS.get(name)
    if builder is None:
        abort(404, f"There is no chart called {name!r} on the overview.")
    return csv_download(builder(get_session(), current_filter()), f"overview-{name}")


@blueprint.get("/responses")
@allow(*STAFF)
def responses():
    """A filterable table of responses, free text redacted; roles allowed originals get a "show original" link per comment."""
    filt = current_filter()
    page = read_int(request.args, "page", 1, 1, MAX_PAGE)
    config = current_app.config["VOICE"]
    found = queries.response_page(get_session(), filt, page, PER_PAGE, queries.ward_names(config.app.borough),
                                  g.user.role)
    links = {"previous": url_for(".responses", **filt.as_args(), page=found["page"] - 1) if found["page"] > 1 else None,
             "next": url_for(".responses", **filt.as_args(), page=found["page"] + 1) if found["page"] < found["n_pages"] else None}
    return render_template("dashboard/responses.html", **page_context("responses", filt), found=found, links=links,
                           show_original=can("view_original_text"), labels=_labels(found["items"]), masked_text=MASKED_TEXT)


def _labels(items: list[dict]) -> dict[str, dict]:
    """People's words for the codes a page of responses holds (``H1`` -> ``Asian``, ``not_stated`` ->
    ``Not stated``, ``street_lighting`` -> ``Street lighting``); the API keeps the codes."""
    out: dict[str, dict] = {"age_band": {}, "sex": {}, "ethnic_group": {}}
    for item in items:
        for variable, mapping in out.items():
            level = item.get(variable)
            if level and level not in mapping:
                mapping[level] = queries.level_label(variable, level).removeprefix("Aged ")
    out["topic"] = topic_labels()
    return out
