"""The one parser of URL numbers and dates: out-of-range or non-ASCII values answer 400/404, never 500.

Each request below is one the outside probe of issue 19 sent (findings 6, 7 and 8).
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from service.store.accounts import add_user
from service.store.db import transaction
from service.web.params import MAX_ID, read_date, read_int, read_paging

PASSWORD = "a long enough password"
HUGE = "9999999999999999999999999"
LISTS = ["/dashboard/responses", "/api/v1/sites", "/api/v1/responses", "/api/v1/weights/runs", "/admin/audit",
         "/admin/audit.csv"]
RECORDS = ["/sites/{}", "/briefings/files/{}", "/briefings/files/{}/download", "/briefings/actions/{}/edit"]


@pytest.fixture
def admin(app):
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, "admin@council.example", "Admin", "admin", PASSWORD)
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "admin@council.example", "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("query", ["page=²", "per_page=²", f"page={HUGE}", f"per_page={HUGE}", "page=0", "page=-1"])
@pytest.mark.parametrize("path", LISTS)
def test_bad_page_numbers_are_a_400_not_a_server_error(admin, path, query):
    answer = admin.get(f"{path}?{query}")
    # The audit CSV has no pages, and only the API lets the caller choose per_page: elsewhere it is ignored.
    is_read = path.endswith(".csv") or (query.startswith("per_page") and not path.startswith("/api/"))
    assert answer.status_code == (200 if is_read else 400), answer.get_data(as_text=True)[:300]


def test_a_page_number_error_names_the_parameter_and_the_range(admin):
    answer = admin.get("/api/v1/responses?per_page=²")
    assert answer.status_code == 400
    assert "per_page '²' should be a whole number from 1 to 200" in answer.get_json()["error"]


@pytest.mark.parametrize("path", ["/admin/audit?until=9999-12-31", "/admin/audit.csv?until=9999-12-31",
                                  "/admin/audit?since=0001-01-01", "/admin/audit?until=2024-02-30"])
def test_dates_out_of_range_are_a_400(admin, path):
    answer = admin.get(path)
    assert answer.status_code == 400
    assert "YYYY-MM-DD" in answer.get_data(as_text=True) or "outside the dates" in answer.get_data(as_text=True)


@pytest.mark.parametrize("value", [HUGE, str(MAX_ID + 1), "0", "²"])
@pytest.mark.parametrize("path", RECORDS)
def test_record_ids_out_of_range_are_a_404(admin, path, value):
    assert admin.get(path.format(value)).status_code == 404


def test_nul_in_a_query_value_or_path_is_refused_before_the_database(admin):
    assert admin.get("/admin/audit?actor=%00").status_code == 400
    assert admin.get("/q/ab%00cd").status_code == 404


def test_nul_in_the_sign_in_e_mail_is_a_failed_sign_in(app):
    app.config.update(WTF_CSRF_ENABLED=False)
    answer = app.test_client().post("/sign-in", data={"email": "a\x00@x.y", "password": "whatever it is"})
    assert answer.status_code == 401
    assert "The e-mail address or password is not right" in answer.get_data(as_text=True)


def test_a_20_mib_form_body_without_lang_is_a_413(client):
    body = b"answer=" + b"x" * (20 * 1024 * 1024)
    answer = client.post("/q/abcdef", data=body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413


def test_read_int_accepts_only_ascii_digits_in_range():
    assert read_int(MultiDict({"page": " 7 "}), "page", 1, 1, 10) == 7
    assert read_int(MultiDict({}), "page", 3, 1, 10) == 3
    for raw in ("²", "١", "11", "1e3", "+5", "", "5.0"):
        if raw == "":
            assert read_int(MultiDict({"page": raw}), "page", 2, 1, 10) == 2
            continue
        with pytest.raises(BadRequest, match="whole number from 1 to 10"):
            read_int(MultiDict({"page": raw}), "page", 1, 1, 10)


def test_read_paging_and_read_date_bounds():
    assert read_paging(MultiDict({"per_page": "20"}), 50, 200) == (1, 20)
    assert str(read_date(MultiDict({"since": "2025-04-01"}), "since")) == "2025-04-01"
    assert read_date(MultiDict({}), "since") is None
    with pytest.raises(BadRequest, match="outside the dates"):
        read_date(MultiDict({"until": "9999-12-31"}), "until")
