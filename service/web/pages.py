"""What every staff page shares: the request's filter, the page context and CSV downloads.

Views import this module; it imports no view, so views never import one another.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Response, abort, current_app, g, request

from service.reports import dashboard as queries
from service.reports.charts import BarChart
from service.store import reads as response_reads
from service.store.safeguarding import count_flags
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
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
    context = {"has_synthetic": response_reads.has_synthetic(session), "council": config.app.council_name, "active": active,
               "wards": queries.ward_names(config.app.borough), "can_download": g.user.role in CHART_ROLES}
    if g.user.role != "viewer":  # the roles that work the review queues see how many disclosures wait
        context["flag_counts"] = count_flags(session, timedelta(hours=config.safeguarding.alert_after_hours))
    if filt is not None:
        context["filt"] = filt
        context["options"] = queries.filter_options(session, config.app.borough,
                                                    {s.key: s.mapping.age_bands for s in config.sources}, filt)
    return context


#: How long a worker trusts its answer to "is this a demo database?" before asking again.
SYNTHETIC_CHECK_SECONDS = 60.0


def shared_context() -> dict[str, Any]:
    """Template values every page gets, signed in or not (sign-in, errors, the residents' form):
    the council's name and whether the database holds synthetic demo data (then every page says so)."""
    import time

    config = current_app.config["VOICE"]
    expires, is_synthetic = current_app.extensions.get("voice_synthetic", (0.0, False))
    if expires < time.monotonic():
        try:
            is_synthetic = response_reads.has_synthetic(get_session())
        except Exception as error:  # an error page while the database is down must still render
            logger.warning("could not check for synthetic data: %s", str(error).splitlines()[0] if str(error) else error)
            is_synthetic = False
        current_app.extensions["voice_synthetic"] = (time.monotonic() + SYNTHETIC_CHECK_SECONDS, is_synthetic)
    from service.reports import labels

    return {"has_synthetic": is_synthetic, "council": config.app.council_name, "rule_words": labels.rule_words,
            "run_statuses": labels.RUN_STATUSES, "action_statuses": labels.ACTION_STATUSES}


def csv_download(chart: BarChart, filename: str) -> Response:
    """A chart's figures as a CSV attachment."""
    return Response(chart.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
