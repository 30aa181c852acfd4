"""The JSON API: bearer tokens per client and role, pagination, filters, JSON errors, OpenAPI."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from service.cli import main
from service.store.accounts import add_api_client
from service.store.db import downgrade, make_engine, upgrade
from service.store.models import ApiClient, AuditEvent
from tests.dashboard_data import ORIGINAL, REDACTED, seed


@pytest.fixture
def seeded(app):
    """The app with the small dashboard data set."""
    return seed(app.extensions["voice_sessions"])


@pytest.fixture
def token(app, seeded):
    """A viewer token for the API."""
    with app.extensions["voice_sessions"]() as session:
        _client, value = add_api_client(session, "partner", "viewer")
        session.commit()
    return {"Authorization": f"Bearer {value}"}


def test_api_without_token_is_401_json(client, seeded):
    response = client.get("/api/v1/responses")
    assert response.status_code == 401
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 401 and body["error"]


def test_api_unknown_token_is_401(client, seeded):
    assert client.get("/api/v1/sources", headers={"Authorization": "Bearer cv_nope"}).status_code == 401


def test_api_responses_are_paginated_and_redacted(client, token):
    body = client.get("/api/v1/responses?source=qr&per_page=4&page=1", headers=token).get_json()
    assert body["total"] == 10 and len(body["data"]) == 4 and body["page"] == 1
    texts = [t for item in client.get("/api/v1/responses?per_page=200", headers=token).get_json()["data"] for t in item["texts"]]
    assert "Redacted words 1" in [t["redacted"] for t in texts]
    assert REDACTED not in [t["redacted"] for t in texts]  # the seeded text is flagged: masked for a viewer token
    assert all("original" not in t for t in texts)
    assert ORIGINAL not in client.get("/api/v1/responses?per_page=200", headers=token).get_data(as_text=True)


def test_api_filters_by_group(client, token):
    body = client.get("/api/v1/responses?group=age_band:16-24", headers=token).get_json()
    assert body["total"] == 2


def test_api_bad_paging_is_400_with_message(client, token):
    body = client.get("/api/v1/responses?per_page=5000", headers=token).get_json()
    assert body["status"] == 400 and "per_page" in body["error"]


def test_api_topics_weighted_with_interval(client, token):
    body = client.get("/api/v1/topics?source=qr", headers=token).get_json()
    drugs = next(r for r in body["rows"] if r["topic"] == "drugs")
    assert drugs["pct"] == 40.0 and drugs["base_n"] == 10
    assert drugs["weighted_pct"] == round(100 * 8 / 14, 1)
    assert drugs["weighted_ci_low"] < drugs["weighted_pct"] < drugs["weighted_ci_high"]


def test_api_nul_character_in_a_query_value_is_400_not_500(client, token):
    for url in ("/api/v1/findings?source=%00", "/api/v1/topics?source=qr%00", "/api/v1/responses?ward=%00"):
        body = client.get(url, headers=token).get_json()
        assert body["status"] == 400 and "NUL character" in body["error"], url


def test_api_representativeness_and_weights_runs(client, token, seeded):
    runs = client.get("/api/v1/representativeness?source=qr&period=all", headers=token).get_json()["data"]
    assert len(runs) == 1 and runs[0]["result"]["n_respondents"] == 10
    weights = client.get("/api/v1/weights/runs?source=qr", headers=token).get_json()
    assert weights["data"][0]["run_id"] == seeded["weighting_run"]


def test_api_openapi_lists_every_route(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = set(document["paths"])
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") and not r.rule.endswith("openapi.json")}
    assert routes == documented


def test_api_token_cli_prints_token_once_and_stores_hash(runner, config, app, monkeypatch, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text((config.source_file).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("VOICE_DATABASE_URL", config.database.url)
    result = runner.invoke(main, ["--config", str(path), "api-token", "add", "police-dashboard", "--role", "analyst"])
    assert result.exit_code == 0, result.output
    token = result.output.splitlines()[1]
    with app.extensions["voice_sessions"]() as session:
        stored = session.scalar(select(ApiClient).where(ApiClient.name == "police-dashboard"))
        assert stored.role == "analyst" and token not in stored.token_hash
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token"))
        assert event.target == f"api_client:{stored.id}" and token not in str(event.detail)
    assert app.test_client().get("/api/v1/sources", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_api_token_cli_refuses_duplicate_name(runner, config, app, monkeypatch, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(config.source_file.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("VOICE_DATABASE_URL", config.database.url)
    runner.invoke(main, ["--config", str(path), "api-token", "add", "twice"])
    result = runner.invoke(main, ["--config", str(path), "api-token", "add", "twice"])
    assert result.exit_code != 0 and "already exists" in result.output


def test_migration_0006_upgrades_and_downgrades(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    assert "api_clients" in inspect(engine).get_table_names()
    downgrade(engine, "0001")
    assert "api_clients" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "api_clients" in inspect(engine).get_table_names()
    engine.dispose()
