"""Representativeness page: respondents against the Census per source and period, gaps, trends,
and the sites and wards that reach under-represented groups best."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from service.reports import reach
from service.reports.charts import BarChart, LineChart
from service.reports.claims import Claims
from service.web.access import STAFF, allow
from service.web.pages import CHART_ROLES, csv_download, page_context
from service.web.sessions import get_session

blueprint = Blueprint("representativeness", __name__, url_prefix="/dashboard/representativeness")
VARIABLE_NAMES = {"age_band": "Age", "sex": "Sex", "ethnic_group": "Ethnic group", "ward": "Ward"}


def _selected() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    session = get_session()
    runs = reach.representativeness_runs(session)
    return runs, reach.choose_run(runs, request.args.get("source") or None, request.args.get("period") or None)


def dimension_chart(dimension: dict[str, Any]) -> BarChart:
    """Respondents' share against the Census share for each level of one variable."""
    rows = reach.dimension_rows(dimension)
    name = VARIABLE_NAMES.get(dimension["variable"], dimension["variable"])
    return BarChart(id=f"rep-{dimension['variable']}", title=f"{name}: respondents compared with Census 2021",
                    category_label=name, value_label="% of those who stated it", series=("Respondents", "Census 2021"),
                    rows=tuple((r.get("label") or r["level"], (r.get("sample_pct"), r.get("population_pct"))) for r in rows),
                    bases=tuple(r.get("base_n") for r in rows), unit="%")


def trend_chart(runs: list[dict[str, Any]], source: str, variable: str) -> LineChart:
    """Representation index (1 = as in the Census) of each group over the source's periods."""
    data = reach.trend(get_session(), runs, source, variable)
    name = VARIABLE_NAMES.get(variable, variable)
    return LineChart(id=f"trend-{variable}", title=f"{name}: representation over time (1.0 = same share as the Census)",
                     value_label="Representation index", periods=tuple(data["periods"]),
                     series=tuple((label, tuple(values)) for label, values in data["series"].items()))


@blueprint.get("/")
@allow(*STAFF)
def index():
    """Who are we missing, by how many, and where should we go next."""
    runs, chosen = _selected()
    context = page_context("representativeness")
    if chosen is None:
        return render_template("dashboard/representativeness.html", **context, runs=runs, run=None)
    session = get_session()
    run = reach.load_run(session, chosen["id"])
    result = run.result or {}
    dimensions = [{"variable": d["variable"], "name": VARIABLE_NAMES.get(d["variable"], d["variable"]),
                   "summary": d.get("summary", []), "rows": reach.dimension_rows(d), "chart": dimension_chart(d),
                   "trend": trend_chart(runs, chosen["source"], d["variable"]), "n_stated": d.get("n_stated"),
                   "n_not_stated": d.get("n_not_stated"), "p_value": d.get("p_value"), "dissimilarity": d.get("dissimilarity")}
                  for d in result.get("dimensions", [])]
    claims = screen_dimensions(dimensions)
    missing = [{**m, "variable_name": VARIABLE_NAMES.get(m["variable"], m["variable"])}
               for m in reach.under_represented(result)]
    wards = context["wards"]
    # A source without QR sites (a postal or online survey) still needs to know which posters reach
    # the groups it misses: then the sites are ranked on every QR-code response instead.
    sites_from_all = not reach.source_has_sites(session, chosen["source"])
    by_site = (reach.reach(session, None, "site", missing, reach.site_names(session)) if sites_from_all
               else reach.reach(session, chosen["source"], "site", missing, reach.site_names(session), result.get("by_site")))
    population = result.get("population") or {}
    return render_template("dashboard/representativeness.html", **context, runs=runs, run=run, chosen=chosen,
                           result=result, population=population, residence_note=_residence_note(chosen["source"]),
                           all_ages=[v for v, c in (population.get("coverage") or {}).items() if c == "all ages"],
                           dimensions=dimensions, missing=missing, by_site=by_site, claims=claims,
                           sites_from_all=sites_from_all,
                           by_ward=reach.reach(session, chosen["source"], "ward", missing, wards, result.get("by_ward")),
                           sources=sorted({r["source"] for r in runs}), source_names=_source_names(),
                           periods=[r["period"] for r in runs if r["source"] == chosen["source"]])


def screen_dimensions(dimensions: list[dict[str, Any]]) -> Claims:
    """The page's chi-square tests against the Census, screened together (Benjamini-Hochberg): each
    dimension gets ``survives`` and ``adjusted``."""
    claims = Claims()
    tested = [d for d in dimensions if d.get("p_value") is not None]
    for d in tested:
        claims.add_p(d["variable"], d["p_value"], int(d.get("n_stated") or 0))
    claims.screen()
    for d in tested:
        claim = claims.get(d["variable"])
        d["survives"], d["adjusted"] = claim.survives, claim.adjusted
    return claims


def _residence_note(key: str) -> str:
    """Why a channel whose respondents may not live in the borough is compared but not weighted."""
    config = current_app.config["VOICE"]
    source = next((s for s in config.sources if s.key == key), None)
    if source is None or source.residents:
        return ""
    reason = source.residence_reason(config.app.borough).removeprefix("not weighted: ")
    return f"Compared with residents, but {reason}"


def _source_names() -> dict[str, str]:
    return {source.key: source.name for source in current_app.config["VOICE"].sources}


@blueprint.get("/charts/<name>.csv")
@allow(*CHART_ROLES)
def chart_csv(name: str):
    """The figures of one chart on the page, exactly as shown (``rep-VARIABLE`` or ``trend-VARIABLE``)."""
    runs, chosen = _selected()
    kind, _, variable = name.partition("-")
    if chosen is None or kind not in ("rep", "trend"):
        abort(404, f"There is no chart called {name!r} for this source and period.")
    if kind == "trend":
        return csv_download(trend_chart(runs, chosen["source"], variable), f"trend-{chosen['source']}-{variable}")
    run = reach.load_run(get_session(), chosen["id"])
    for dimension in (run.result or {}).get("dimensions", []):
        if dimension.get("variable") == variable:
            return csv_download(dimension_chart(dimension), f"representativeness-{chosen['source']}-{chosen['period']}-{variable}")
    abort(404, f"There is no chart called {name!r} for this source and period.")
