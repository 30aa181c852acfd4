"""Sessions end for real, and sign-in does not tell real accounts from unknown ones (issue 19, findings 3, 9, 10)."""

from __future__ import annotations

import pytest

from service.store.accounts import add_user, change_password
from service.store.db import transaction
from service.store.models import User
from service.web.views.auth import WRONG
from tests.smtp_server import SmtpServer

PASSWORD = "a long enough password"
EMAIL = "officer@council.example"


@pytest.fixture
def officer(app):
    app.config.update(WTF_CSRF_ENABLED=False)
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, EMAIL, "Olu Officer", "engagement", PASSWORD)
        add_user(session, "admin@council.example", "Ada Admin", "admin", PASSWORD)
    return app


def _signed_in(app, email: str = EMAIL, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert client.post("/sign-in", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def _copy(app, client):
    """A second browser holding a copy of ``client``'s session cookie (what a thief would replay)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_is_refused_after_sign_out(officer):
    client = _signed_in(officer)
    thief = _copy(officer, client)
    assert thief.get("/dashboard/").status_code == 200
    assert client.post("/sign-out").status_code == 302
    replay = thief.get("/dashboard/")
    assert replay.status_code == 302 and "/sign-in" in replay.headers["Location"]


def test_sign_out_other_sessions_keeps_this_one(officer):
    laptop = _signed_in(officer)
    phone = _signed_in(officer)
    assert laptop.post("/sign-out-others").status_code == 302
    assert laptop.get("/dashboard/").status_code == 200
    assert phone.get("/dashboard/").status_code == 302


def test_an_admin_can_sign_out_every_session_of_a_user(officer):
    officer_client = _signed_in(officer)
    admin = _signed_in(officer, "admin@council.example")
    with officer.extensions["voice_sessions"]() as session:
        user_id = session.query(User).filter_by(email=EMAIL).one().id
    assert admin.post(f"/admin/users/{user_id}", data={"action": "sign_out"}).status_code == 302
    assert officer_client.get("/dashboard/").status_code == 302
    assert admin.get("/dashboard/").status_code == 200


def test_a_password_change_ends_other_sessions(officer):
    client = _signed_in(officer)
    with transaction(officer.extensions["voice_sessions"]) as session:
        change_password(session.query(User).filter_by(email=EMAIL).one(), "tram kettle orbit mango")
    assert client.get("/dashboard/").status_code == 302


def test_a_session_older_than_session_max_hours_ends_however_busy(officer):
    client = _signed_in(officer)
    max_hours = officer.config["VOICE"].app.session_max_hours
    with client.session_transaction() as cookie:
        cookie["signed_in_at"] -= max_hours * 3600 + 1
    assert client.get("/dashboard/").status_code == 302


def test_an_idle_session_ends(officer):
    client = _signed_in(officer)
    with client.session_transaction() as cookie:
        cookie["last_seen"] -= officer.config["VOICE"].app.session_minutes * 60 + 1
    assert client.get("/dashboard/").status_code == 302


def test_unknown_inactive_throttled_and_wrong_get_one_message(officer):
    client = officer.test_client()
    unknown = client.post("/sign-in", data={"email": "nobody@council.example", "password": PASSWORD})
    wrong = client.post("/sign-in", data={"email": EMAIL, "password": "not the password at all"})
    for _ in range(5):
        client.post("/sign-in", data={"email": "admin@council.example", "password": "not the password at all"})
    throttled = client.post("/sign-in", data={"email": "admin@council.example", "password": PASSWORD})
    for answer in (unknown, wrong, throttled):
        assert answer.status_code == 401
        assert WRONG in answer.get_data(as_text=True)
        assert "locked" not in answer.get_data(as_text=True)


def test_an_unknown_account_costs_an_argon2_verification(officer):
    from service.store import accounts

    assert accounts.verify_password(None, PASSWORD) is False
    # The stand-in is a real argon2id hash, verified like a user's (timing: bench/, not here).
    assert accounts._stand_in_hash is not None and accounts._stand_in_hash.startswith("$argon2id$")


@pytest.fixture
def mail_app(config):
    from dataclasses import replace

    from service import create_app

    smtp = SmtpServer()
    mail = replace(config.mail, smtp_host="127.0.0.1", smtp_port=smtp.port, sender="voice@council.example",
                   public_url="https://voice.council.example")
    app = create_app(replace(config, mail=mail))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, EMAIL, "Olu Officer", "engagement", PASSWORD)
    yield app, smtp
    smtp.close()
    app.extensions["voice_engine"].dispose()


def test_a_throttled_owner_unlocks_by_the_e_mailed_link(mail_app):
    import re

    app, smtp = mail_app
    client = app.test_client()
    for _ in range(5):
        client.post("/sign-in", data={"email": EMAIL, "password": "not the password at all"})
    assert smtp.messages == []
    assert client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD}).status_code == 401
    assert client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD}).status_code == 401
    assert len(smtp.messages) == 1  # once per pause, however many tries
    recipients, message = smtp.messages[0]
    assert recipients == [EMAIL] and message["From"] == "voice@council.example"
    text = message.get_content()
    link = re.search(r"https://voice\.council\.example(/sign-in/unlock/\S+)", text).group(1)
    assert client.get(link).status_code == 200  # a page with a button: a mail scanner's GET lifts nothing
    assert client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD}).status_code == 401
    assert client.post(link).status_code == 302
    assert client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD}).status_code == 302


def test_a_forged_unlock_link_is_refused(mail_app):
    app, _smtp = mail_app
    assert app.test_client().post("/sign-in/unlock/not-a-real-token").status_code == 400
