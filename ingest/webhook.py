"""Webhook signatures: HMAC-SHA256 over timestamp and body, with a tolerance against replays.

A sender signs ``f"{timestamp}.".encode() + body`` with the source's shared secret and sends
``X-Voice-Timestamp: <unix seconds>`` and ``X-Voice-Signature: sha256=<hex digest>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from ingest.errors import IngestError

TOLERANCE_SECONDS = 300


class SignatureError(IngestError):
    """A webhook delivery whose signature or timestamp does not check out; nothing is stored."""


def sign_body(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp``."""
    message = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float,
                     tolerance: int = TOLERANCE_SECONDS) -> None:
    """Check a delivery's signature and timestamp.

    Parameters
    ----------
    secret
        The source's shared secret.
    timestamp, signature
        The ``X-Voice-Timestamp`` and ``X-Voice-Signature`` headers as received.
    now
        The current time in Unix seconds.
    tolerance
        How far (seconds) the timestamp may be from ``now``; older deliveries are replays.

    Raises
    ------
    SignatureError
        A header is missing, the timestamp is not a number or too far from now, or the
        signature does not match.
    """
    if not secret:
        raise SignatureError("this source has no signing secret configured; set the environment variable named by secret_env")
    if not timestamp or not signature:
        raise SignatureError("the headers X-Voice-Timestamp and X-Voice-Signature are required")
    try:
        if not timestamp.isascii():  # int() reads other scripts' digits, which sign_body cannot encode
            raise ValueError(timestamp)
        sent = float(int(timestamp))
    except (ValueError, OverflowError):
        raise SignatureError(f"X-Voice-Timestamp {timestamp!r} is not a whole number of Unix seconds") from None
    if abs(now - sent) > tolerance:
        raise SignatureError(f"X-Voice-Timestamp {timestamp!r} is {abs(now - sent):.0f} s from now; expected within "
                             f"{tolerance} s (a replayed or delayed delivery). Send it again with a fresh timestamp")
    expected = sign_body(secret, timestamp, body)
    if not signature.isascii() or not hmac.compare_digest(expected, signature.strip()):
        raise SignatureError("X-Voice-Signature does not match the body; expected sha256=<hex HMAC-SHA256 of "
                             "'timestamp.body' with the source's secret>")


def parse_delivery(body: bytes, records_path: str = "") -> list[dict[str, Any]]:
    """The records of one delivery: a JSON object, a list of objects, or a list under ``records_path``.

    Raises
    ------
    IngestError
        The body is not JSON, or holds no objects where records were expected.
    """
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise IngestError(f"the body is not UTF-8 JSON ({error}); expected a JSON object or a list of objects") from None
    if records_path and isinstance(payload, dict) and isinstance(payload.get(records_path), list):
        payload = payload[records_path]
    items = payload if isinstance(payload, list) else [payload]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise IngestError(f"record {index + 1} of the body is {type(item).__name__}; expected a JSON object")
    return items
