"""API tokens: list, revoke, rotate and expiry, from the CLI and the admin page, each audited (issue 19, finding 4)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from service.cli import main
from service.store.accounts import add_api_client, add_user
from service.store.db import transaction
from service.store.models import ApiClient, AuditEvent

PASSWORD = "a long enough password"


@pytest.fixture
def voice(runner, config, app, monkeypatch, tmp_path):
    """Run ``voice`` against the test database; returns (exit code, output)."""
    path = tmp_path / "config.toml"
    path.write_text(config.source_file.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("VOICE_DATABASE_URL", config.database.url)

    def run(*args: str):
        result = runner.invoke(main, ["--config", str(path), "api-token", *args])
        return result.exit_code, result.output

    return run


def _get(app, token: str) -> int:
    return app.test_client().get("/api/v1/sources", headers={"Authorization": f"Bearer {token}"}).status_code


def _changes(app) -> list[str]:
    with app.extensions["voice_sessions"]() as session:
        return [e.detail.get("change") for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token")
                                                               .order_by(AuditEvent.id))]


def test_rotate_replaces_the_token_and_revoke_ends_it(voice, app):
    code, output = voice("add", "police-dashboard", "--expires-days", "30")
    assert code == 0, output
    first = output.splitlines()[1]
    assert _get(app, first) == 200
    code, output = voice("rotate", "police-dashboard")
    second = output.splitlines()[1]
    assert code == 0 and second != first
    assert _get(app, first) == 401 and _get(app, second) == 200
    code, output = voice("revoke", "police-dashboard")
    assert code == 0 and _get(app, second) == 401
    assert _changes(app) == ["add", "rotate", "revoke"]


def test_list_shows_state_expiry_and_last_use_never_the_token(voice, app):
    _code, output = voice("add", "partner", "--expires-days", "7")
    token = output.splitlines()[1]
    _get(app, token)
    code, listing = voice("list")
    assert code == 0 and "partner\tviewer\tactive\texpires 20" in listing
    assert "last used never" not in listing and token not in listing


def test_an_expired_token_is_refused(app):
    with transaction(app.extensions["voice_sessions"]) as session:
        client, token = add_api_client(session, "old", "viewer", datetime.now(timezone.utc) + timedelta(days=1))
        client.expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    assert _get(app, token) == 401


def test_revoking_an_unknown_client_names_the_known_ones(voice):
    voice("add", "known-one")
    code, output = voice("revoke", "nobody")
    assert code != 0 and "no API client called 'nobody'" in output and "known-one" in output


def test_admin_page_adds_rotates_and_revokes_tokens(app):
    app.config.update(WTF_CSRF_ENABLED=False)
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, "admin@council.example", "Ada Admin", "admin", PASSWORD)
    client = app.test_client()
    client.post("/sign-in", data={"email": "admin@council.example", "password": PASSWORD})
    page = client.post("/admin/tokens", data={"name": "bi-tool", "role": "viewer", "expires_days": "90"})
    assert page.status_code == 200
    token = page.get_data(as_text=True).split("<code>")[1].split("</code>")[0]
    assert _get(app, token) == 200
    rotated = client.post("/admin/tokens/change", data={"name": "bi-tool", "action": "rotate"}).get_data(as_text=True)
    new = rotated.split("<code>")[1].split("</code>")[0]
    assert _get(app, token) == 401 and _get(app, new) == 200
    assert client.post("/admin/tokens/change", data={"name": "bi-tool", "action": "revoke"}).status_code == 302
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert "Revoked" in listing and new not in listing
    assert _get(app, new) == 401
    assert client.post("/admin/tokens", data={"name": "x", "role": "viewer", "expires_days": "²"}).status_code == 400
    assert _changes(app) == ["add", "rotate", "revoke"]
    with app.extensions["voice_sessions"]() as session:
        assert session.scalar(select(ApiClient).where(ApiClient.name == "bi-tool")).expires_at is not None
