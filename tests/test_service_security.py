"""HTTP hardening: headers on every response, HSTS over HTTPS behind a proxy, cookie flags,
no inline script in templates or pages, and the password policy."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from service import create_app
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.passwords import check_password
from service.web.security import HEADERS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PASSWORD = "a long enough password"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _signed_in(app, role: str = "admin"):
    app.config.update(WTF_CSRF_ENABLED=False)
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, f"{role}@council.example", role.title(), role, PASSWORD)
    client = app.test_client()
    client.post("/sign-in", data={"email": f"{role}@council.example", "password": PASSWORD})
    return client


def _assert_hardened(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.request.path, name)
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_every_kind_of_response_carries_the_security_headers(app, client):
    paths = ["/health", "/sign-in", "/no-such-page", "/static/voice.css", "/api/v1/openapi.json", "/api/v1/responses", "/dashboard/"]
    for path in paths:
        response = client.get(path)
        _assert_hardened(response)
        response.close()
    assert client.post("/health").status_code == 405
    _assert_hardened(client.post("/health"))
    assert "Strict-Transport-Security" not in client.get("/health").headers


def test_every_staff_page_carries_the_headers_and_is_not_cached(app):
    client = _signed_in(app)
    pages = [rule.rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/static", "/webhooks"))]
    assert "/admin/audit" in pages
    for path in pages:
        response = client.get(path)
        _assert_hardened(response)
        if response.status_code == 200 and path.startswith(("/dashboard", "/admin")):
            assert response.headers["Cache-Control"] == "no-store", path


def test_hsts_is_sent_only_over_https_from_a_trusted_proxy(config):
    trusting = create_app(replace(config, app=replace(config.app, behind_proxy=True, secure_cookies=True)))
    direct = create_app(config)
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert trusting.test_client().get("/health", headers=https).headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in direct.test_client().get("/health", headers=https).headers
    assert trusting.config["SESSION_COOKIE_SECURE"] is True and direct.config["SESSION_COOKIE_SECURE"] is False
    for app in (trusting, direct):
        app.extensions["voice_engine"].dispose()


def test_session_cookie_is_httponly_samesite_and_secure_when_configured(config):
    app = create_app(replace(config, app=replace(config.app, behind_proxy=True, secure_cookies=True)))
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://voice.example", headers={"X-Forwarded-Proto": "https"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    app.extensions["voice_engine"].dispose()


def test_proxy_address_is_used_only_when_behind_proxy_is_set(config):
    from service.store.models import AuditEvent

    trusting = create_app(replace(config, app=replace(config.app, behind_proxy=True)))
    trusting.config.update(WTF_CSRF_ENABLED=False)
    trusting.test_client().post("/sign-in", data={"email": "x@council.example", "password": "wrong password here"},
                                headers={"X-Forwarded-For": "203.0.113.9"})
    with trusting.extensions["voice_sessions"]() as session:
        assert session.query(AuditEvent).one().address == "203.0.113.9"
    trusting.extensions["voice_engine"].dispose()


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES).as_posix()
        if INLINE_SCRIPT.search(source) or HANDLER.search(source) or JS_URL.search(source):
            offenders.append(name)
    assert offenders == []


def test_rendered_staff_pages_have_no_inline_script_or_handlers(app):
    client = _signed_in(app)
    for path in ("/", "/sign-in", "/dashboard/", "/admin/users", "/admin/audit", "/sites/", "/review/topics"):
        body = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(body) and not HANDLER.search(body), path


@pytest.mark.parametrize("password", ["password1234", "Password12345!", "qwertyuiop123", "aaaaaaaaaaaaaaaa",
                                      "abababababababab", "1234567890123", "Havering2024!!", "abcdefghijklmnop"])
def test_common_or_guessable_passwords_are_refused(password):
    with pytest.raises(ValueError, match="choose three or four unrelated words") as error:
        check_password(password)
    assert password not in str(error.value)


def test_long_unusual_passwords_are_accepted(session):
    check_password("tram kettle orbit mango")
    user = add_user(session, "new@council.example", "New", "viewer", "tram kettle orbit mango")
    assert user.id
    with pytest.raises(ValueError, match="common word with only digits"):
        add_user(session, "other@council.example", "Other", "viewer", "Password2024!")


def test_response_tables_have_no_column_for_a_client_address():
    from service.store.models import Answer, FreeText, Response, ResponseVersion

    for model in (Response, ResponseVersion, Answer, FreeText):
        names = [c.name for c in model.__table__.columns]
        assert not [n for n in names if "ip" in n.split("_") or "address" in n or "agent" in n], (model.__tablename__, names)
