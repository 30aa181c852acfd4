"""Review queues: topic coding, safeguarding flags and quarantined ingest rows."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from service.pipeline import quarantine as quarantine_rows
from service.reports.labels import topic_labels
from service.store import reviews
from service.web.access import allow, can, log_event
from service.web.pages import page_context
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("review", __name__, url_prefix="/review")
REVIEWERS = ("admin", "analyst", "engagement")


@blueprint.get("/")
@allow(*REVIEWERS)
def topics():
    """Topic coding queue, least confident first: accept the model's topics or correct them."""
    queue = reviews.topic_queue(get_session(), can("view_original_text"))
    if can("view_original_text"):
        log_event("view_original_text", "review:topics")
        get_session().commit()
    return render_template("review/topics.html", **page_context("review"), queue=queue, labels=topic_labels())


@blueprint.post("/topics/<int:text_id>")
@allow(*REVIEWERS)
def save_topics(text_id: int):
    """Store the reviewer's topics for one free text (TextReview + reviewer TopicCodes)."""
    chosen = request.form.getlist("topic")
    unknown = set(chosen) - set(topic_labels())
    if unknown:
        abort(400, f"topics {', '.join(sorted(unknown))} are not in the codeframe")
    session = get_session()
    try:
        reviews.save_text_review(session, text_id, g.user.id, chosen)
    except LookupError as error:
        abort(409, str(error))
    session.commit()
    flash(f"Saved the topics of comment {text_id}.")
    return redirect(url_for(".topics"))


@blueprint.get("/safeguarding")
@allow(*REVIEWERS)
def safeguarding():
    """Safeguarding flags with their status, and who reviewed each and when."""
    status = request.args.get("status") or None
    if status and status not in reviews.FLAG_STATUSES:
        abort(400, f"status {status!r} should be one of {', '.join(reviews.FLAG_STATUSES)}")
    flags = reviews.safeguarding_queue(get_session(), status, can("view_original_text"))
    if can("view_original_text"):
        log_event("view_original_text", "review:safeguarding", {"status": status})
        get_session().commit()
    return render_template("review/safeguarding.html", **page_context("review"), flags=flags, status=status,
                           statuses=reviews.FLAG_STATUSES)


@blueprint.post("/safeguarding/<int:flag_id>")
@allow(*REVIEWERS)
def save_flag(flag_id: int):
    """Set a flag's status (referred, no action, or back to open) with a note."""
    session = get_session()
    try:
        reviews.review_flag(session, flag_id, g.user.id, request.form.get("status", ""), request.form.get("note", ""))
    except ValueError as error:
        abort(400, str(error))
    except LookupError as error:
        abort(404, str(error))
    session.commit()
    flash(f"Saved safeguarding flag {flag_id}.")
    return redirect(url_for(".safeguarding"))


@blueprint.get("/quarantine")
@allow(*REVIEWERS)
def quarantine():
    """Ingest rows that broke a rule: fix a value, or re-process them with the current mapping."""
    return render_template("review/quarantine.html", **page_context("review"),
                           queue=reviews.quarantine_queue(get_session()))


@blueprint.post("/quarantine/<int:row_id>/fix")
@allow("admin", "analyst")
def fix_quarantine(row_id: int):
    """Correct one field of a quarantined record, then try to store it again."""
    field_name, value = request.form.get("field", ""), request.form.get("value", "")
    session = get_session()
    try:
        quarantine_rows.fix_quarantined(session, row_id, field_name, value)
    except (LookupError, KeyError) as error:
        session.rollback()
        flash(str(error).strip("\"'"))
        return redirect(url_for(".quarantine"))
    session.commit()
    result = quarantine_rows.retry_quarantined(current_app.extensions["voice_sessions"], current_app.config["VOICE"],
                                               ids=(row_id,))
    flash(f"Record {row_id}: {field_name!r} set to {value!r}; {result.summary()}.")
    return redirect(url_for(".quarantine"))


@blueprint.post("/quarantine/retry")
@allow("admin", "analyst")
def retry_quarantine():
    """Re-process every open quarantined row with the connectors' current rules and mappings."""
    result = quarantine_rows.retry_quarantined(current_app.extensions["voice_sessions"], current_app.config["VOICE"])
    logger.info("quarantine re-processed by user %s: %s", g.user.id, result.summary())
    flash(f"Re-processed the quarantined rows: {result.summary()}.")
    return redirect(url_for(".quarantine"))
