"""Staff pages for quarterly briefings, the SNA Theme 6 export, their archive, and the actions log (issue 7).

A briefing or export is made in the request (a few seconds), kept in the archive with the
fingerprint of what it read, written to the audit log, and the browser is sent to its archive
entry, from where the same bytes can be downloaded again. Who may do what:

- briefings: admin, analyst and engagement make and download them; viewers may see the list and
  download the PDF and HTML copies (they hold only redacted quotes);
- the SNA export (respondent-level data): only roles that ``can("export")`` (admin, analyst);
- the actions log: every staff role reads it; admin, analyst and engagement add and edit actions.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from ingest import clean_text
from service.pipeline.periods import QUARTER_PATTERN, last_closed_quarter, next_quarter, quarter_of
from service.reports import actions as actions_log
from service.reports.generate import (
    BRIEFING_FORMATS,
    MEDIA,
    SNA_FORMATS,
    EmptyQuarterError,
    archive,
    archived,
    make_briefing,
    make_sna,
    quarters_with_responses,
    record_output,
)
from service.reports.labels import topic_labels
from service.store import audit, listings
from service.store import sites as site_store
from service.store.models import Action, ReportFile
from service.web.access import STAFF, allow, can
from service.web.pages import page_context
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("briefings", __name__, url_prefix="/briefings")

MAKERS = ("admin", "analyst", "engagement")  # make and download briefings in every format; edit actions
VIEWER_FORMATS = ("pdf", "html")  # the briefing formats a viewer may download
EXPORTERS = ("admin", "analyst")  # the roles with can("export"); the SNA export is respondent-level data
FORMAT_NAMES = {"pdf": "PDF", "docx": "Word (DOCX)", "html": "Web page (HTML)", "xlsx": "Excel workbook (XLSX)",
                "csv": "CSV files (zip)", "sav": "SPSS data (SAV)", "md": "Narrative draft (Markdown)"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- The archive, and making briefings and exports ------------------------------------------------------


@blueprint.get("/")
@allow(*STAFF)
def index():
    """Forms to make a briefing (and, for exporters, the SNA export) above the archive of what was made."""
    return _index(page_context("briefings"), _briefing_defaults(), {}, _sna_defaults(), {})


def _briefing_defaults() -> dict[str, Any]:
    quarters = _quarters()
    return {"quarter": quarters[0] if quarters else _default_quarter(), "ward": "", "youth": False, "format": "pdf"}


def _quarters() -> list[str]:
    """The quarters with responses, newest first; read once per request."""
    if "quarters" not in g:
        g.quarters = quarters_with_responses(get_session())
    return g.quarters


def _default_quarter() -> str:
    """The last closed quarter, or the last one with responses when the data stop earlier (an
    archive being loaded, the demo): a briefing of an empty quarter is no use as a starting point."""
    closed = last_closed_quarter(_now())
    latest = _latest_response()
    return closed if latest is None else min(closed, quarter_of(latest))


def _sna_defaults() -> dict[str, Any]:
    """Last year, or the last year with responses when the data stop earlier."""
    latest = _latest_response()
    year = _now().year - 1 if latest is None else min(_now().year - 1, latest.year)
    return {"year": str(year), "format": "xlsx"}


def _latest_response() -> datetime | None:
    """When the newest response was sent; read once per request (both forms' defaults use it)."""
    if "latest_response" not in g:
        g.latest_response = listings.latest_submitted_at(get_session())
    return g.latest_response


def _index(context: dict, briefing: dict, briefing_errors: dict, sna: dict, sna_errors: dict, status: int = 200):
    kinds = None if can("export") else ("briefing",)
    rows = archived(get_session(), kinds=kinds)
    names = _user_names({r.created_by for r in rows if r.created_by is not None})
    entries = [{"row": r, "by": names.get(r.created_by, "") if r.created_by else "", "about": _about(r, context["wards"]),
                "may_download": _may_download(r)} for r in rows]
    return render_template("briefings/index.html", **context, entries=entries, briefing=briefing,
                           briefing_errors=briefing_errors, sna=sna, sna_errors=sna_errors,
                           may_make=g.user.role in MAKERS, may_export=can("export"), format_names=FORMAT_NAMES,
                           briefing_formats=BRIEFING_FORMATS, sna_formats=SNA_FORMATS, quarters=_quarters()), status


@blueprint.post("/")
@allow(*MAKERS)
def make():
    """Make a briefing now, keep it in the archive, and open its archive entry."""
    context = page_context("briefings")
    values, errors = _read_briefing(request.form, context["wards"])
    if errors:
        return _index(context, values, errors, _sna_defaults(), {}, 400)
    session = get_session()
    try:
        output = make_briefing(session, current_app.config["VOICE"], values["quarter"], values["ward"] or None,
                               values["youth"], values["format"])
    except EmptyQuarterError as error:
        return _index(context, values, {"quarter": str(error)}, _sna_defaults(), {}, 400)
    return _keep(session, output, f"Briefing for {values['quarter']} made and kept in the archive.")


@blueprint.post("/sna")
@allow(*EXPORTERS)
def make_sna_export():
    """Make the SNA Theme 6 export for a year, keep it in the archive, and open its archive entry."""
    if not can("export"):
        abort(403, "Your role does not allow exports.")
    values, errors = _read_sna(request.form)
    if errors:
        return _index(page_context("briefings"), _briefing_defaults(), {}, values, errors, 400)
    session = get_session()
    try:
        output = make_sna(session, current_app.config["VOICE"], int(values["year"]), values["format"])
    except ValueError as error:  # no responses that year
        message = str(error)
        return _index(page_context("briefings"), _briefing_defaults(), {}, values,
                      {"year": message[0].upper() + message[1:] + "."}, 400)
    return _keep(session, output, f"SNA Theme 6 export for {values['year']} made and kept in the archive.")


def _keep(session, output, message: str):
    row = archive(session, output, "web", g.user.id)
    record_output(session, row, audit.actor_of(g.user), request.remote_addr)
    session.commit()
    logger.info("%s %s archived as report file %s by user %s", output.kind, output.format, row.id, g.user.id)
    flash(message)
    return redirect(url_for(".file", file_id=row.id))


@blueprint.get("/files/<int:file_id>")
@allow(*STAFF)
def file(file_id: int):
    """One archived briefing or export: what it covers, who made it, its fingerprint, and a download link."""
    row = _file(file_id)
    context = page_context("briefings")
    by = _user_names({row.created_by}).get(row.created_by, "") if row.created_by is not None else ""
    return render_template("briefings/file.html", **context, row=row, by=by,
                           about=_about(row, context["wards"]), may_download=_may_download(row),
                           format_names=FORMAT_NAMES)


@blueprint.get("/files/<int:file_id>/download")
@allow(*STAFF)
def download(file_id: int):
    """The archived bytes, exactly as they were made (the download is written to the audit log)."""
    row = _file(file_id)
    if not _may_download(row):
        abort(403, f"Your role does not allow downloading the {FORMAT_NAMES[row.format]} copy; ask for the PDF.")
    session = get_session()
    record_output(session, row, audit.actor_of(g.user), request.remote_addr, is_download=True)
    session.commit()
    return Response(bytes(row.content), mimetype=MEDIA[row.format],
                    headers={"Content-Disposition": f'attachment; filename="{row.filename}"'})


def _file(file_id: int) -> ReportFile:
    row = get_session().get(ReportFile, file_id)
    if row is None:
        abort(404, "There is no such briefing or export in the archive; go back to the list of briefings.")
    if row.kind != "briefing" and not can("export"):
        abort(403, "Your role does not allow exports; ask an analyst.")
    return row


def _may_download(row: ReportFile) -> bool:
    if row.kind != "briefing":
        return can("export")
    return g.user.role in MAKERS or row.format in VIEWER_FORMATS


def _user_names(ids: set[int]) -> dict[int, str]:
    return listings.user_names(get_session(), ids)


def _about(row: ReportFile, wards: dict[str, str]) -> str:
    """What an archived output covers, in words: ``2024Q1, Romford ward, young people's focus``."""
    p = row.parameters or {}
    if row.kind != "briefing":
        return f"year {p.get('year', '?')}"
    parts = [str(p.get("quarter", "?")), f"{wards.get(p['ward'], p['ward'])} ward" if p.get("ward") else "whole borough"]
    if p.get("youth"):
        parts.append("young people's focus")
    return ", ".join(parts)


def _read_briefing(form, wards: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted briefing choices and a message for each that needs fixing."""
    values = {"quarter": clean_text(form.get("quarter")).upper(), "ward": clean_text(form.get("ward")),
              "youth": form.get("youth") == "yes", "format": clean_text(form.get("format"))}
    errors = {}
    current = quarter_of(_now())
    if not QUARTER_PATTERN.fullmatch(values["quarter"]):
        errors["quarter"] = "Enter the quarter to brief on, like 2024Q1."
    elif values["quarter"] > current:
        errors["quarter"] = f"{values['quarter']} has not started yet; enter {current} or earlier."
    if values["ward"] and values["ward"] not in wards:
        errors["ward"] = "Choose a ward from the list, or the whole borough."
    if values["format"] not in BRIEFING_FORMATS:
        errors["format"] = "Choose PDF, Word or a web page."
    return values, errors


def _read_sna(form) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted SNA export choices and a message for each that needs fixing."""
    values = {"year": clean_text(form.get("year")), "format": clean_text(form.get("format"))}
    errors = {}
    if not (values["year"].isdigit() and 2000 <= int(values["year"]) <= _now().year):
        errors["year"] = f"Enter the year of the needs assessment, from 2000 to {_now().year}, like 2023."
    if values["format"] not in SNA_FORMATS:
        errors["sna_format"] = "Choose one of the formats."
    return values, errors


# --- The actions log: "you said, we did" --------------------------------------------------------------


@blueprint.get("/actions")
@allow(*STAFF)
def actions():
    """Every action with its topic, site, quarter raised and status; the next briefing shows them."""
    context = page_context("briefings")
    choices = _choices(context["wards"])
    rows = [{"action": a, "topic": choices.topics.get(a.topic or "", a.topic or ""),
             "site": choices.sites.get(a.site_id, "") if a.site_id else "", "ward": choices.wards.get(a.ward or "", a.ward or ""),
             "status": actions_log.STATUSES.get(a.status, a.status)} for a in actions_log.list_actions(get_session())]
    return render_template("briefings/actions.html", **context, rows=rows,
                           may_edit=g.user.role in MAKERS)


@blueprint.route("/actions/new", methods=["GET", "POST"])
@allow(*MAKERS)
def new_action():
    """Record an action against a topic and/or a site."""
    if request.method == "GET":
        values = {"quarter": last_closed_quarter(_now()), "status": "planned", "we_did": "", "you_said": ""}
        return _action_form(None, values, {})
    return _save(None)


@blueprint.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@allow(*MAKERS)
def edit_action(action_id: int):
    """Change an action: usually what was done and its status."""
    action = get_session().get(Action, action_id)
    if action is None:
        abort(404, "There is no such action; go back to the actions log.")
    if request.method == "GET":
        values = {k: getattr(action, k) for k in ("quarter", "topic", "site_id", "ward", "you_said", "we_did", "status")}
        return _action_form(action, values, {})
    return _save(action)


def _save(action: Action | None):
    context = page_context("briefings")
    choices = _choices(context["wards"])
    values, errors = actions_log.read_action(request.form, choices, _now())
    if errors:
        values["site_id"] = clean_text(request.form.get("site"))  # shown back as posted
        return _action_form(action, values, errors, 400, context, choices)
    session = get_session()
    saved = actions_log.save_action(session, action, values, g.user.id)
    session.commit()
    logger.info("action %s %s by user %s", saved.id, "added" if action is None else "changed", g.user.id)
    flash(f"Action {'added' if action is None else 'saved'}: the {next_quarter(saved.quarter)} briefing will show it.")
    return redirect(url_for(".actions"))


def _action_form(action: Action | None, values: dict, errors: dict, status: int = 200, context: dict | None = None,
                 choices: actions_log.ActionChoices | None = None):
    context = context or page_context("briefings")
    choices = choices or _choices(context["wards"])
    values = {**values, "site_id": "" if values.get("site_id") is None else str(values["site_id"])}
    return render_template("briefings/action_edit.html", **context, action=action, values=values,
                           errors=errors, topics=choices.topics, sites=choices.sites, ward_choices=choices.wards,
                           statuses=actions_log.STATUSES), status


def _choices(wards: dict[str, str]) -> actions_log.ActionChoices:
    sites = [site for site, _n in site_store.list_sites(get_session())]
    return actions_log.ActionChoices(topics=topic_labels(), sites={s.id: s.name for s in sites}, wards=wards,
                                     site_wards={s.id: s.ward for s in sites})
