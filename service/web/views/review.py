"""Review queues: topic coding, safeguarding flags and quarantined ingest rows."""

from __future__ import annotations

import logging
from datetime import timedelta

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
from service.reports.agreement import measure_coder_agreement
from service.reports.labels import QUARANTINE_SCOPES, topic_labels
from service.store import reviews
from service.store import safeguarding as safeguarding_flags
from service.web.access import allow
from service.web.pages import page_context
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("review", __name__, url_prefix="/review")
REVIEWERS = ("admin", "analyst", "engagement")


@blueprint.get("/")
@allow(*REVIEWERS)
def topics():
    """Topic coding queue, least confident first: accept the model's topics or correct them."""
    analysis = current_app.config["VOICE"].analysis
    queue = reviews.topic_queue(get_session(), audit_share=analysis.audit_share, audit_seed=analysis.audit_seed)
    return render_template("review/topics.html", **page_context("review"), queue=queue, labels=topic_labels())


@blueprint.get("/coders")
@allow("admin", "analyst")
def coders():
    """The built-in model and the chat coder against reviewers on the random audit sample."""
    config = current_app.config["VOICE"]
    results = measure_coder_agreement(get_session(), config.analysis.min_audit_reviews)
    topics = sorted({score.topic for result in results.values() if result.comparison
                     for score in result.comparison.per_topic})
    per_topic = {coder: {score.topic: score for score in result.comparison.per_topic}
                 for coder, result in results.items() if result.comparison}
    return render_template("review/coders.html", **page_context("review"), results=results, topics=topics,
                           per_topic=per_topic, labels=topic_labels(), findings_coder=config.nlp.findings_coder,
                           llm=config.llm)


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
        analysis = current_app.config["VOICE"].analysis
        review = reviews.save_text_review(session, text_id, g.user.id, chosen, audit_share=analysis.audit_share,
                                          audit_seed=analysis.audit_seed)
    except LookupError as error:
        abort(409, str(error))
    session.commit()
    copies = f" and its {review.n_copies - 1} identical copies" if review.n_copies > 1 else ""
    flash(f"Saved the topics of comment {text_id}{copies}.")
    return redirect(url_for(".topics"))


FLAGS_PER_PAGE = 20


def _overdue_after() -> timedelta:
    return timedelta(hours=current_app.config["VOICE"].safeguarding.alert_after_hours)


@blueprint.get("/safeguarding")
@allow(*REVIEWERS)
def safeguarding():
    """The safeguarding queue, 20 a page: New (oldest first) then the rest, filtered by status, channel, age, reason."""
    try:
        filt = safeguarding_flags.FlagFilter(**{k: request.args.get(k, "") for k in ("status", "channel", "age_group", "category")})
    except ValueError as error:
        abort(400, str(error))
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(400, f"page {page!r} should be a whole number from 1")
    session = get_session()
    found = safeguarding_flags.flag_queue(session, filt, int(page), FLAGS_PER_PAGE, _overdue_after())
    channels = [(s.key, s.name) for s in current_app.config["VOICE"].sources]
    links = {name: url_for(".safeguarding", **filt.as_args(), page=number) if ok else None
             for name, number, ok in (("previous", found["page"] - 1, found["page"] > 1),
                                      ("next", found["page"] + 1, found["page"] < found["n_pages"]))}
    return render_template("review/safeguarding.html", **page_context("review"), found=found, filt=filt, links=links,
                           statuses=safeguarding_flags.STATUS_WORDS, channels=channels,
                           age_groups=safeguarding_flags.AGE_GROUPS, categories=safeguarding_flags.category_options(session),
                           referrals=safeguarding_flags.REFERRALS, procedure_names=safeguarding_flags.PROCEDURE_NAMES)


@blueprint.get("/safeguarding/<int:flag_id>")
@allow(*REVIEWERS)
def flag(flag_id: int):
    """One flag: the comment, the procedure that applies, its history, and the form to move it on."""
    session = get_session()
    try:
        # The original is one click away, on its own audited page (texts.original), never inline.
        item = safeguarding_flags.flag_detail(session, flag_id, False, _overdue_after())
    except LookupError as error:
        abort(404, str(error))
    owners = safeguarding_flags.owner_choices(session, REVIEWERS)
    return render_template("review/flag.html", **page_context("review"), flag=item, statuses=safeguarding_flags.STATUS_WORDS,
                           referrals=safeguarding_flags.REFERRALS, owners=owners, error=request.args.get("error"))


@blueprint.post("/safeguarding/<int:flag_id>")
@allow(*REVIEWERS)
def save_flag(flag_id: int):
    """Move a flag on (acknowledge, refer, close, or reopen) with a note, an owner and, when referred, to whom."""
    session = get_session()
    owner = request.form.get("owner", "")
    try:
        safeguarding_flags.change_flag(session, flag_id, g.user.id, request.form.get("status", ""),
                                       request.form.get("note", ""), request.form.get("referred_to", ""),
                                       int(owner) if owner.isdigit() else None)
    except ValueError as error:
        session.rollback()
        return redirect(url_for(".flag", flag_id=flag_id, error=str(error)))
    except LookupError as error:
        abort(404, str(error))
    session.commit()
    flash(f"Flag {flag_id} is now {safeguarding_flags.STATUS_WORDS[request.form['status']]}.")
    return redirect(url_for(".flag", flag_id=flag_id))


@blueprint.get("/quarantine")
@allow(*REVIEWERS)
def quarantine():
    """Ingest rows that broke a rule: fix a value, or re-process them with the current mapping."""
    return render_template("review/quarantine.html", **page_context("review"),
                           queue=reviews.quarantine_queue(get_session()), scopes=QUARANTINE_SCOPES)


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
