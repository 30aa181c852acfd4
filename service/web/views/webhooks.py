"""Webhook receiver: tools that push responses POST them to /webhooks/KEY, signed.

The answer is 2xx only after the responses are committed, so a sender that sees an error sends
again, and a re-delivery changes nothing. Records that break a rule are quarantined and the
answer is 422 with the reasons; the good records of the same delivery are kept.
"""

from __future__ import annotations

import logging
import os
import time

from flask import Blueprint, current_app, jsonify, request

from ingest import IngestError, SignatureError, parse_delivery, verify_signature
from service.config import ConfigError
from service.pipeline.ingest_runs import accept_delivery
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
    report = accept_delivery(current_app.extensions["voice_sessions"], config, key, items)
    counts = {"run": report.run_id, "received": report.n_read, "new": report.n_new, "updated": report.n_updated,
              "unchanged": report.n_unchanged, "duplicate": report.n_duplicate, "quarantined": report.n_quarantined}
    if report.n_quarantined:
        answer = {"ok": False, "error": f"{report.n_quarantined} of {report.n_read} record(s) were quarantined; "
                  "the others were stored", "errors": report.quarantine_reasons, "status": 422, **counts}
        return jsonify(answer), 422
    return jsonify({"ok": True, "status": 200, **counts}), 200
