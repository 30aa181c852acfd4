"""Voices page: what people tell us. Topic prevalence (unweighted, and weighted with 95% intervals),
comparisons between groups and channels, emerging themes and redacted quotes."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from service.reports import prevalence
from service.reports.agreement import measure_model_agreement
from service.reports.charts import BarChart
from service.reports.dashboard import GROUP_VARIABLES, ResponseFilter
from service.reports.labels import level_label, topic_labels
from service.web.access import STAFF, allow
from service.web.pages import CHART_ROLES, csv_download, current_filter, page_context
from service.web.sessions import get_session

blueprint = Blueprint("voices", __name__, url_prefix="/dashboard/voices")
COMPARE = ("source", *GROUP_VARIABLES)


def prevalence_chart(filt: ResponseFilter, compare: str = "source") -> tuple[BarChart, dict]:
    """Share of coded free texts per topic (unweighted, and weighted when one source is chosen)."""
    data = prevalence.topic_prevalence(get_session(), filt, topic_labels(), by=compare,
                                       min_reviews=current_app.config["VOICE"].analysis.min_audit_reviews)
    weighted = data["weighted"]
    series = ("Unweighted", "Weighted") if weighted else ("Unweighted",)
    rows = tuple((r["label"], (r["pct"], r.get("weighted_pct")) if weighted else (r["pct"],)) for r in data["rows"])
    chart = BarChart(id="topics", title="Share of free-text comments mentioning each topic", category_label="Topic",
                     value_label="% of coded comments", series=series, rows=rows,
                     bases=tuple(r["base_n"] for r in data["rows"]), unit="%")
    return chart, data


@blueprint.get("/")
@allow(*STAFF)
def index():
    """Topic prevalence with filters, a comparison by group or channel, themes and quotes."""
    filt = current_filter()
    compare = request.args.get("compare", "source")
    if compare not in COMPARE:
        abort(400, f"compare {compare!r} should be one of {', '.join(COMPARE)}")
    topic = request.args.get("topic") or None
    session = get_session()
    chart, data = prevalence_chart(filt, compare)  # counted once per group of ``compare``, for both tables
    comparison = prevalence.prevalence_by(session, filt, compare, topic_labels())
    comparison["labels"] = [g if compare == "source" else level_label(compare, g) for g in comparison["groups"]]
    return render_template("dashboard/voices.html", **page_context("voices", filt), chart=chart, data=data,
                           comparison=comparison, compare=compare, compare_choices=COMPARE, topic=topic,
                           topics=topic_labels(), quotes=prevalence.quotes(session, filt, topic),
                           themes=prevalence.themes(session, filt.source), csv_args=filt.as_args(),
                           channel_name=next((s.name for s in current_app.config["VOICE"].sources if s.key == filt.source),
                                             filt.source),
                           agreement=measure_model_agreement(session, current_app.config["VOICE"].analysis.min_audit_reviews))


@blueprint.get("/charts/topics.csv")
@allow(*CHART_ROLES)
def chart_csv():
    """The topic prevalence figures, exactly as shown, for the same filter."""
    return csv_download(prevalence_chart(current_filter())[0], "topics")
