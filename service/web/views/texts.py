"""One free text's original wording, shown on its own page to roles allowed it, and every view audited.

Every other page, export and API response shows free text redacted only; staff who need the
wording (to judge a disclosure or check a redaction) open it here one comment at a time.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from service.store.reviews import find_text_wording
from service.web.access import allow, can, log_event
from service.web.pages import page_context
from service.web.sessions import get_session

blueprint = Blueprint("texts", __name__, url_prefix="/texts")
#: The roles whose capabilities include ``view_original_text`` (service.access.CAPABILITIES).
ORIGINAL_READERS = ("admin", "analyst", "engagement")


@blueprint.get("/<int:text_id>/original")
@allow(*ORIGINAL_READERS)
def original(text_id: int):
    """The original and redacted wording of one free text; the view is written to the audit log first."""
    if not can("view_original_text"):
        abort(403, "Your role does not allow original free text.")
    session = get_session()
    wording = find_text_wording(session, text_id)
    if wording is None:
        abort(404, f"There is no free text {text_id}.")
    log_event("view_original_text", f"free_text:{text_id}", {"response_id": wording["response_id"]})
    session.commit()
    return render_template("texts/original.html", **page_context("responses"), text_id=text_id, **wording)
