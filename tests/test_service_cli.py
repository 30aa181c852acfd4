"""The `voice` command: schema, users, ingest and start-up errors, as a person would meet them."""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from service import create_app
from service.cli import main
from service.store.db import make_engine, make_session_factory
from service.store.models import User

PROJECT = Path(__file__).resolve().parent.parent


def test_db_upgrade_then_user_add_creates_an_admin(runner, tmp_path):
    env = {"VOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert "is up to date" in upgraded.output
    added = runner.invoke(main, ["user", "add", "Officer@Council.example", "--name", "A Officer", "--role", "admin",
                                 "--password", "correct horse battery"], env=env)
    assert added.exit_code == 0, added.output
    engine = make_engine(env["VOICE_DATABASE_URL"])
    with make_session_factory(engine)() as session:
        user = session.scalar(select(User))
    engine.dispose()
    assert (user.email, user.role) == ("officer@council.example", "admin")
    assert "correct horse" not in user.password_hash


def test_user_add_refuses_a_short_password_with_the_reason(runner, tmp_path):
    env = {"VOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    runner.invoke(main, ["db", "upgrade"], env=env)
    result = runner.invoke(main, ["user", "add", "a@b.example", "--name", "A", "--password", "short"], env=env)
    assert result.exit_code == 1
    assert "the password has 5 characters; use at least 12" in result.output


def test_serve_on_an_unmigrated_database_says_to_run_db_upgrade(runner, tmp_path):
    env = {"VOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "VOICE_SECRET_KEY": "x" * 32}
    result = runner.invoke(main, ["serve"], env=env)
    assert result.exit_code == 1
    assert "Run `voice db upgrade`" in result.output
    assert "Traceback" not in result.output


def test_serve_without_a_secret_key_says_how_to_make_one(runner, database_url):
    result = runner.invoke(main, ["serve"], env={"VOICE_DATABASE_URL": database_url, "VOICE_SECRET_KEY": ""})
    assert result.exit_code == 1
    assert "VOICE_SECRET_KEY is not set" in result.output
    assert "secrets.token_hex(32)" in result.output


def test_bad_config_value_stops_the_command_with_the_key(runner, tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text((PROJECT / "config.toml").read_text(encoding="utf-8").replace('borough = "havering"', 'borough = "Havering"'),
                   encoding="utf-8")
    result = runner.invoke(main, ["--config", str(bad), "db", "upgrade"])
    assert result.exit_code == 1
    assert "key 'app.borough' has value 'Havering'; expected one of havering, barking_dagenham" in result.output


def test_ingest_without_a_source_lists_the_sources(runner, database_url):
    result = runner.invoke(main, ["ingest"], env={"VOICE_DATABASE_URL": database_url})
    assert result.exit_code == 2
    assert "name a SOURCE (one of: css, shout, qr" in result.output


def test_app_serves_pages_over_a_real_http_server(config):
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        health = requests.get(f"{base}/health", timeout=10)
        assert health.status_code == 200 and health.json() == {"ok": True, "database": "ok"}
        start = requests.get(f"{base}/", timeout=10, allow_redirects=False)
        assert start.status_code == 302 and "/sign-in" in start.headers["Location"]
        sign_in = requests.get(f"{base}/sign-in", timeout=10)
        assert sign_in.status_code == 200 and 'lang="en"' in sign_in.text
        missing = requests.get(f"{base}/api/v1/nothing-here", timeout=10)
        assert missing.status_code == 404
        assert missing.json()["ok"] is False
    finally:
        server.shutdown()
        app.extensions["voice_engine"].dispose()
