"""`voice classify --coder chat` end to end against a stand-in endpoint on 127.0.0.1."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli import main
from service.store.db import make_engine, make_session_factory
from service.store.models import AuditEvent
from tests.chat_server import ChatServer
from tests.conftest import PROJECT
from tests.test_service_cli_nlp import TRAINING, _write


@pytest.fixture
def server():
    stand_in = ChatServer()
    yield stand_in
    stand_in.close()


def _config(tmp_path, database_url, *, enabled: bool, base_url: str) -> str:
    text = (PROJECT / "config.toml").read_text(encoding="utf-8")
    block = text[text.index("[nlp.llm]"):]
    changed = re.sub(r"(?m)^enabled = false$", f"enabled = {str(enabled).lower()}", block, count=1)
    changed = re.sub(r'(?m)^base_url = ""$', f'base_url = "{base_url}"', changed, count=1)
    changed = re.sub(r'(?m)^model = ""$', 'model = "stand-in-1"', changed, count=1)
    text = text.replace(block, changed)
    text = re.sub(r'(?m)^url = ""$', f'url = "{database_url}"', text, count=1)  # [database] comes first
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _inputs(tmp_path):
    training = tmp_path / "training.csv"
    _write(training, ["text", "topics", "voice"], [(t, label, "adult") for t, label in TRAINING])
    source = tmp_path / "in.csv"
    _write(source, ["id", "comment", "topics"], [
        ("1", "Call Jade on 07700 900123, more police patrols please", "police_presence"),
        ("2", "the street light by the flats is out", "street_lighting"),
        ("3", "cameras would stop the dealing", "cctv;drugs"),
    ])
    return training, source


def _run(config, source, training, tmp_path, *extra):
    return CliRunner().invoke(main, ["--config", config, "classify", str(source), "--text-column", "comment",
                                     "--out", str(tmp_path / "out.csv"), "--cache-dir", str(tmp_path / "cache"),
                                     "--training-file", str(training), *extra])


def test_classify_with_chat_codes_a_csv_audits_each_request_and_evaluates(tmp_path, server, database_url):
    training, source = _inputs(tmp_path)
    config = _config(tmp_path, database_url, enabled=True, base_url=server.url)
    result = _run(config, source, training, tmp_path, "--coder", "chat", "--evaluate")
    assert result.exit_code == 0, result.output
    with (tmp_path / "out.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["topics"] for row in rows] == ["police_presence", "street_lighting", "cctv;drugs"]
    assert {row["coder"] for row in rows} == {"chat"}
    assert all(row["prompt_version"].startswith("coder-v1+") for row in rows)
    assert "07700" not in " ".join(server.sent_texts()) and "Jade" not in " ".join(server.sent_texts())
    assert "chat coder: macro-F1 1.00" in result.output and "built-in model: macro-F1" in result.output
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "llm_batch")).all()
    engine.dispose()
    assert events and all(e.target == f"host:{server.url.split('/')[2]}" for e in events)
    assert all("text" not in e.detail and e.detail["n_comments"] >= 1 for e in events)


def test_classify_with_chat_refuses_while_disabled_and_sends_nothing(tmp_path, server, database_url):
    training, source = _inputs(tmp_path)
    config = _config(tmp_path, database_url, enabled=False, base_url=server.url)
    result = _run(config, source, training, tmp_path, "--coder", "chat")
    assert result.exit_code != 0
    assert "[nlp.llm] enabled = false" in result.output
    assert server.bodies == []


def test_classify_with_a_dead_endpoint_degrades_to_the_builtin_model(tmp_path, server, database_url):
    server.failures = ["500"] * 50
    training, source = _inputs(tmp_path)
    config = _config(tmp_path, database_url, enabled=True, base_url=server.url)
    path = Path(config)
    path.write_text(re.sub(r"(?m)^timeout = 60$", "timeout = 1", path.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    result = _run(config, source, training, tmp_path, "--coder", "chat")
    assert result.exit_code == 0, result.output
    assert "3 of 3 comments left to the built-in model" in result.output
    assert "HTTP 500" in result.output
