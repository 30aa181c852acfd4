"""The REST connector against a real HTTP server on 127.0.0.1 (the ``http_server`` fixture)."""

from __future__ import annotations

import pytest

from ingest import MappingError, RestOptions, RestReader, SourceUnavailable

RECORDS = [{"id": f"r{i}", "updated_at": f"2024-01-{i + 1:02d}T10:00:00Z", "answers": {"safe": i % 5 + 1}} for i in range(25)]
FAST = {"backoff": 0.01, "max_wait": 0.05, "connect_timeout": 1.0, "read_timeout": 1.0}


def _reader(server, path="/responses", token=None, cursor=None, waits=None, **options):
    sleeps = waits if waits is not None else []
    return RestReader("qr", server.url + path, RestOptions(**{**FAST, **options}), "id", token=token,
                      token_name="VOICE_QR_TOKEN", cursor=cursor, sleep=sleeps.append)


def _pages(request, size=10):
    page = int(request.query.get("page", 1))
    return 200, {}, {"data": RECORDS[(page - 1) * size: page * size], "page": page}


def test_page_numbers_are_followed_until_an_empty_page(http_server):
    http_server.reply = _pages
    reader = _reader(http_server, page_size=10)
    ids = [r.external_id for r in reader.records()]
    assert ids == [r["id"] for r in RECORDS]
    assert [q.query["page"] for q in http_server.requests] == ["1", "2", "3", "4"]
    assert http_server.requests[0].query["per_page"] == "10"


def test_cursor_in_body_is_followed_and_kept_for_the_next_pull(http_server):
    def reply(request):
        start = int(request.query.get("cursor", 0))
        following = start + 10 if start + 10 < len(RECORDS) else None
        return 200, {}, {"responses": RECORDS[start:start + 10], "meta": {"next": str(following) if following else None}}

    http_server.reply = reply
    reader = _reader(http_server, pagination="cursor", records_path="responses", next_cursor_path="meta.next")
    assert len(list(reader.records())) == 25
    assert reader.cursor == "20"
    again = _reader(http_server, pagination="cursor", records_path="responses", next_cursor_path="meta.next", cursor=reader.cursor)
    assert [r.external_id for r in again.records()] == ["r20", "r21", "r22", "r23", "r24"]


def test_link_header_is_followed(http_server):
    def reply(request):
        page = int(request.query.get("p", 1))
        headers = {"Link": f'<{http_server.url}/responses?p={page + 1}>; rel="next"'} if page < 3 else {}
        return 200, headers, RECORDS[(page - 1) * 10: page * 10]

    http_server.reply = reply
    reader = _reader(http_server, pagination="link", records_path="")
    assert len(list(reader.records())) == 25 and reader.n_pages == 3


def test_incremental_pull_sends_the_newest_timestamp_seen(http_server):
    http_server.reply = _pages
    reader = _reader(http_server, page_size=10, since_param="modified_since", since_field="updated_at")
    list(reader.records())
    assert reader.cursor == "2024-01-25T10:00:00Z"
    list(_reader(http_server, since_param="modified_since", since_field="updated_at", cursor=reader.cursor).records())
    assert http_server.requests[-1].query["modified_since"] == "2024-01-25T10:00:00Z"


def test_bearer_token_and_api_key_headers_are_sent(http_server):
    http_server.reply = lambda request: (200, {}, {"data": []})
    list(_reader(http_server, token="s3cret").records())
    list(_reader(http_server, token="k3y", auth_header="X-API-Key", auth_scheme="").records())
    assert http_server.requests[0].headers["Authorization"] == "Bearer s3cret"
    assert http_server.requests[1].headers["X-API-Key"] == "k3y"


def test_html_instead_of_json_names_source_and_url(http_server):
    http_server.reply = lambda request: (200, {"Content-Type": "text/html"}, "<!doctype html><title>Sign in</title>")
    with pytest.raises(SourceUnavailable, match=rf"source 'qr': {http_server.url}/responses\?page=1&per_page=100 answered "
                                                r"with text/html \('<!doctype html><title>Sign in</title>'\.\.\.\), not JSON"):
        list(_reader(http_server).records())


def test_empty_body_is_refused(http_server):
    http_server.reply = lambda request: (200, {"Content-Type": "application/json"}, b"")
    with pytest.raises(SourceUnavailable, match=r"source 'qr': .*/responses\?page=1.* answered with an empty body \(HTTP 200\); expected a JSON page"):
        list(_reader(http_server).records())


def test_page_without_the_records_list_names_the_keys_found(http_server):
    http_server.reply = lambda request: (200, {}, {"items": [], "total": 0})
    with pytest.raises(MappingError, match=r"has no list of records at 'data'; found 'items', 'total'\. Fix records_path"):
        list(_reader(http_server).records())


def test_401_is_not_retried_and_names_the_token_variable(http_server):
    http_server.reply = lambda request: (401, {}, {"error": "bad token"})
    with pytest.raises(SourceUnavailable, match=r"refused the request with HTTP 401; check the API token in the environment variable VOICE_QR_TOKEN"):
        list(_reader(http_server, token="wrong").records())
    assert len(http_server.requests) == 1


def test_endless_500s_stop_after_bounded_retries_with_backoff(http_server):
    http_server.reply = lambda request: (503, {}, {"error": "down"})
    waits: list[float] = []
    with pytest.raises(SourceUnavailable, match=rf"source 'qr': {http_server.url}/responses failed on all 3 attempts \(last: HTTP 503\)"):
        list(_reader(http_server, waits=waits, max_retries=2, backoff=0.01).records())
    assert len(http_server.requests) == 3
    assert waits == [0.01, 0.02]


def test_429_waits_as_retry_after_says_within_the_cap(http_server):
    answers = iter([(429, {"Retry-After": "2"}, {}), (429, {"Retry-After": "120"}, {}), (200, {}, {"data": RECORDS[:3]})])
    http_server.reply = lambda request: next(answers) if request.query["page"] == "1" else (200, {}, {"data": []})
    waits: list[float] = []
    records = list(_reader(http_server, waits=waits, max_wait=30).records())
    assert len(records) == 3
    assert waits == [2.0, 30.0]


def test_read_timeout_is_retried_then_reported(http_server):
    http_server.reply = lambda request: (200, {"X-Test-Delay": "0.5"}, {"data": []})
    with pytest.raises(SourceUnavailable, match=r"failed on all 2 attempts \(last: no answer within the read timeout of 0.2 s\)"):
        list(_reader(http_server, read_timeout=0.2, max_retries=1).records())


def test_connection_refused_is_retried_then_reported(http_server):
    url = http_server.url
    http_server.close()
    reader = RestReader("qr", url + "/responses", RestOptions(**{**FAST, "max_retries": 1}), "id", sleep=lambda s: None)
    with pytest.raises(SourceUnavailable, match=r"failed on all 2 attempts \(last: could not connect \(ConnectionError\)\)"):
        list(reader.records())
    http_server.server = type("Closed", (), {"shutdown": lambda self: None, "server_close": lambda self: None})()


def test_a_cursor_that_repeats_stops_the_pull(http_server):
    http_server.reply = lambda request: (200, {}, {"data": RECORDS[:2], "next_cursor": "same"})
    with pytest.raises(SourceUnavailable, match=r"gave the cursor 'same' twice; the API is not moving on"):
        list(_reader(http_server, pagination="cursor").records())
