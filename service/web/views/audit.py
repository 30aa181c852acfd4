"""The admin's audit log page: filter the log, page through it, download it as CSV."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, Response, abort, g, render_template, request

from service.reports import audit_log
from service.store import audit
from service.web.access import allow
from service.web.pages import page_context
from service.web.params import MAX_PAGE, read_date, read_int
from service.web.sessions import get_session

blueprint = Blueprint("audit", __name__, url_prefix="/admin")
PER_PAGE = 100


def _filter() -> audit.AuditFilter:
    """The request's filter (action, actor text, from and to dates); a bad value is a 400 saying what to use."""
    action = request.args.get("action", "").strip()
    if action and action not in audit.ACTIONS:
        abort(400, f"action {action!r} is not one of {', '.join(audit.ACTIONS)}")
    bounds: dict[str, datetime | None] = {}
    for key, shift in (("since", 0), ("until", 1)):
        day = read_date(request.args, key)
        bounds[key] = datetime.combine(day + timedelta(days=shift), time(), timezone.utc) if day else None
    return audit.AuditFilter(action=action, actor=request.args.get("actor", "").strip()[:100], **bounds)


@blueprint.get("/audit")
@allow("admin")
def index():
    """The newest events first, a hundred to a page."""
    filt = _filter()
    page = read_int(request.args, "page", 1, 1, MAX_PAGE)
    session = get_session()
    n_events = audit.count_events(session, filt)
    events = audit.list_events(session, filt, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/index.html", **page_context("audit"), events=events, n_events=n_events, page=page,
                           has_next=page * PER_PAGE < n_events, args=args, actions=audit.ACTIONS)


@blueprint.get("/audit.csv")
@allow("admin")
def download():
    """The filtered log as CSV, oldest first; the download is itself logged."""
    filt = _filter()
    session = get_session()
    body = audit_log.events_csv(audit.all_events(session, filt))
    audit.record(session, "export", actor=audit.actor_of(g.user), target="audit_log", address=request.remote_addr,
                 detail={"format": "csv", "filter": {k: str(v) for k, v in vars(filt).items() if v}})
    session.commit()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'})
