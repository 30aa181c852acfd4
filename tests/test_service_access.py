"""Sign-in and access control: every route declares its roles; undeclared routes are refused."""

from __future__ import annotations

from flask import Blueprint

from service import create_app
from service.store.accounts import add_user
from service.store.db import transaction
from service.web.access import PUBLIC, allowed_roles

PASSWORD = "a long enough password"


def _user(app, email: str, role: str) -> None:
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, email, role.title(), role, PASSWORD)


def _sign_in(client, email: str, password: str = PASSWORD):
    token_page = client.get("/sign-in")
    assert token_page.status_code == 200
    return client.post("/sign-in", data={"email": email, "password": password})


def test_every_route_declares_who_may_use_it(app):
    undeclared = [rule.rule for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static" and not allowed_roles(app, rule.endpoint)]
    assert undeclared == []


def test_only_the_expected_routes_are_public(app):
    public = sorted(rule.rule for rule in app.url_map.iter_rules()
                    if rule.endpoint != "static" and PUBLIC in allowed_roles(app, rule.endpoint))
    allowed_prefixes = ("/health", "/sign-in", "/q/", "/webhooks/", "/form", "/static", "/thank", "/privacy", "/api/v1/openapi.json",
                        "/favicon.ico")
    assert all(path.startswith(allowed_prefixes) for path in public), public


def test_undeclared_route_is_refused_even_when_signed_in(config):
    app = create_app(config)
    extra = Blueprint("extra", __name__)

    @extra.get("/forgotten")
    def forgotten():
        return "secret"

    app.register_blueprint(extra)
    app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    _user(app, "admin@council.example", "admin")
    client = app.test_client()
    _sign_in(client, "admin@council.example")
    response = client.get("/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.data
    app.extensions["voice_engine"].dispose()


def test_sign_in_with_right_password_opens_the_start_page(app, client):
    app.config.update(WTF_CSRF_ENABLED=False)
    _user(app, "officer@council.example", "engagement")
    response = _sign_in(client, "Officer@Council.example")
    assert response.status_code == 302
    start = client.get("/", follow_redirects=True)
    assert start.status_code == 200
    assert b"Sign in" not in start.data


def test_sign_in_with_wrong_password_says_so_without_saying_which(app, client):
    app.config.update(WTF_CSRF_ENABLED=False)
    _user(app, "officer@council.example", "engagement")
    response = _sign_in(client, "officer@council.example", "wrong password here")
    assert response.status_code == 401
    assert b"The e-mail address or password is not right" in response.data
    unknown = _sign_in(client, "nobody@council.example", "wrong password here")
    assert b"The e-mail address or password is not right" in unknown.data


def test_five_failed_sign_ins_make_that_address_wait_not_the_account(app):
    app.config.update(WTF_CSRF_ENABLED=False)
    _user(app, "officer@council.example", "engagement")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(5):
        _sign_in(attacker, "officer@council.example", "wrong password here")
    refused = _sign_in(attacker, "officer@council.example")
    assert refused.status_code == 401
    assert b"The e-mail address or password is not right" in refused.data
    assert b"locked" not in refused.data
    officer = app.test_client()
    officer.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert _sign_in(officer, "officer@council.example").status_code == 302


def test_sign_in_form_without_csrf_token_is_refused(app, client):
    _user(app, "officer@council.example", "engagement")
    response = client.post("/sign-in", data={"email": "officer@council.example", "password": PASSWORD})
    assert response.status_code == 400


def test_sign_in_is_rate_limited(app, client):
    app.config.update(WTF_CSRF_ENABLED=False)
    replies = [_sign_in(client, "x@council.example", "wrong password here") for _ in range(12)]
    statuses = [reply.status_code for reply in replies]
    assert 429 in statuses
    refused = replies[statuses.index(429)]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert b"Too many sign-in attempts from here" in refused.data


def test_next_parameter_cannot_send_users_to_another_site(app, client):
    app.config.update(WTF_CSRF_ENABLED=False)
    _user(app, "officer@council.example", "engagement")
    client.get("/sign-in")
    response = client.post("/sign-in?next=//evil.example/", data={"email": "officer@council.example", "password": PASSWORD})
    assert response.headers["Location"] == "/"
