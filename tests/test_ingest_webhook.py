"""Webhook signatures: HMAC-SHA256 over timestamp and body, with a replay window."""

from __future__ import annotations

import pytest

from ingest import (
    IngestError,
    SignatureError,
    parse_delivery,
    sign_body,
    verify_signature,
)

BODY = b'{"id": "w1"}'


def test_good_signature_passes():
    verify_signature("s3cret", "1700000000", BODY, sign_body("s3cret", "1700000000", BODY), now=1_700_000_100)


def test_bad_signature_is_refused():
    with pytest.raises(SignatureError, match=r"X-Voice-Signature does not match the body"):
        verify_signature("s3cret", "1700000000", BODY, sign_body("other", "1700000000", BODY), now=1_700_000_000)


def test_replayed_timestamp_is_refused():
    with pytest.raises(SignatureError, match=r"X-Voice-Timestamp '1700000000' is 301 s from now; expected within 300 s \(a replayed"):
        verify_signature("s3cret", "1700000000", BODY, sign_body("s3cret", "1700000000", BODY), now=1_700_000_301)


def test_missing_headers_and_secret_are_refused():
    with pytest.raises(SignatureError, match=r"headers X-Voice-Timestamp and X-Voice-Signature are required"):
        verify_signature("s3cret", None, BODY, None, now=0)
    with pytest.raises(SignatureError, match=r"no signing secret configured"):
        verify_signature("", "1", BODY, "sha256=00", now=1)


def test_delivery_body_may_be_one_record_a_list_or_a_wrapped_list():
    assert parse_delivery(BODY) == [{"id": "w1"}]
    assert parse_delivery(b'{"data": [{"id": "a"}, {"id": "b"}]}', "data") == [{"id": "a"}, {"id": "b"}]
    with pytest.raises(IngestError, match=r"record 2 of the body is int; expected a JSON object"):
        parse_delivery(b'[{"id": "a"}, 3]')
