"""What every staff page shares: the request's filter, the page context and CSV downloads.

Views import this module; it imports no view, so views never import one another.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, g, request

from service.reports import dashboard as queries
from service.reports.charts import BarChart
from service.store import responses as store
from service.web.sessions import get_session

CHART_ROLES = ("admin", "analyst", "engagement")  # viewers see the tables, not downloads


def current_filter() -> queries.ResponseFilter:
    """The request's filter; a bad value is a 400 that says what to use instead."""
    try:
        return queries.ResponseFilter.from_args(request.args)
    except queries.FilterError as error:
        abort(400, str(error))


def page_context(active: str, filt: queries.ResponseFilter | None = None) -> dict[str, Any]:
    """What every dashboard page needs: banner flag, council, wards, filter form choices."""
    session = get_session()
    config = current_app.config["VOICE"]
    context = {"has_synthetic": store.has_synthetic(session), "council": config.app.council_name, "active": active,
               "wards": queries.ward_names(config.app.borough), "can_download": g.user.role in CHART_ROLES}
    if filt is not None:
        context["filt"] = filt
        context["options"] = queries.filter_options(session, config.app.borough)
    return context


def csv_download(chart: BarChart, filename: str) -> Response:
    """A chart's figures as a CSV attachment."""
    return Response(chart.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
