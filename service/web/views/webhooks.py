"""Webhook receiver: tools that push responses POST them to /webhooks/KEY, signed.

The answer is 2xx only after the responses are committed, so a sender that sees an error sends
again, and a re-delivery changes nothing. A cell that cannot be used (a tick mark where a number
was expected, an age that cannot be read) is quarantined as one field and the response is stored
with its good fields: the answer is 202 and lists those fields. A record with no id, or whose
date, consent or age range breaks a rule, is quarantined whole and the answer is 422 with the
reasons; the good records of the same delivery are kept. A clean delivery is answered 200.
"""

from __future__ import annotations

import logging
import os
import time

from flask import Blueprint, current_app, jsonify, request

from ingest import IngestError, SignatureError, parse_delivery, verify_signature
from service.config import ConfigError
from service.pipeline.deliveries import accept_delivery
from service.web.access import public
from service.web.limits import csrf, wait_seconds

logger = logging.getLogger(__name__)

blueprint = Blueprint("webhooks", __name__)


def _error(status: int, message: str, errors: list[str] | None = None):
    return jsonify({"ok": False, "error": message, "errors": errors or [message], "status": status}), status


@blueprint.post("/webhooks/<key>")
@public
@csrf.exempt
def receive(key: str):
    """Check the signature of one delivery, store its records, and say what happened."""
    wait = wait_seconds(("webhook", key))
    if wait is not None:
        # Over the per-source limit: JSON like every other answer here, with Retry-After.
        body, status = _error(429, "too many deliveries for this source just now; send this one again after the "
                              "Retry-After seconds")
        return body, status, {"Retry-After": str(wait)}
    config = current_app.config["VOICE"]
    try:
        source = config.source(key)
    except ConfigError:
        return _error(404, f"there is no source called {key!r}")
    if source.kind != "webhook":
        return _error(404, f"source {key!r} does not take webhook deliveries (it is of kind {source.kind!r})")
    body = request.get_data(cache=False)
    secret = os.environ.get(source.secret_env, "") if source.secret_env else ""
    try:
        verify_signature(secret, request.headers.get("X-Voice-Timestamp"), body,
                         request.headers.get("X-Voice-Signature"), now=time.time())
    except SignatureError as error:
        logger.warning("webhook %s refused: %s", key, error)
        return _error(401, f"source {key!r}: {error}")
    try:
        items = parse_delivery(body, source.rest.records_path)
    except IngestError as error:
        return _error(400, f"source {key!r}: {error}")
    delivery = accept_delivery(current_app.extensions["voice_sessions"], config, key, items)
    report = delivery.report
    fields = [{"record": issue.location, "id": delivery.ids.get(issue.location, ""), "field": issue.column or issue.field,
               "value": issue.value, "rule": issue.rule, "expected": issue.reason} for issue in delivery.fields]
    counts = {"run": report.run_id, "received": report.n_read, "new": report.n_new, "updated": report.n_updated,
              "unchanged": report.n_unchanged, "duplicate": report.n_duplicate, "declined_consent": report.n_declined,
              "quarantined": report.n_quarantined,
              "fields_quarantined": len(fields), "quarantined_fields": fields}
    if report.n_quarantined:
        answer = {"ok": False, "error": f"{report.n_quarantined} of {report.n_read} record(s) were quarantined; "
                  "the others were stored", "errors": report.quarantine_reasons, "status": 422, **counts}
        return jsonify(answer), 422
    if fields:
        answer = {"ok": True, "status": 202, "message": f"stored; {len(fields)} field(s) could not be used and wait "
                  "in quarantine for staff (the rest of each response is stored)", **counts}
        return jsonify(answer), 202
    return jsonify({"ok": True, "status": 200, **counts}), 200
