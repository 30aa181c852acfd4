"""Issue 17: after `voice demo`, every `voice` command works on the demo database without set-up.

The demo records its database URL in the instance folder; a command whose configuration and
environment name no database uses it and says so in one line. Run as a newcomer would: real
subprocesses in a fresh folder holding only a copy of the shipped config.toml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service.config import DEMO_DATABASE_FILE, load_config

PROJECT = Path(__file__).resolve().parent.parent


def _voice(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VOICE_")}
    environ.update(PYTHONPATH=str(PROJECT), **(env or {}))
    return subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "--config", str(folder / "config.toml"),
                           *args], cwd=folder, env=environ, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("newcomer")
    shutil.copy(PROJECT / "config.toml", folder / "config.toml")
    built = _voice(folder, "demo", "--no-serve")
    assert built.returncode == 0, built.stderr[-2000:]
    return folder, built


def test_demo_says_later_commands_use_its_database(demo_folder):
    folder, built = demo_folder
    assert (folder / "instance" / DEMO_DATABASE_FILE).read_text().strip() == f"sqlite:///{folder / 'instance' / 'demo.db'}"
    assert "Every other voice command (ingest, briefing, export ...) now uses this demo database" in built.stdout


def test_ingest_briefing_and_export_work_on_the_demo_data_after_voice_demo(demo_folder):
    folder, _ = demo_folder
    ingest = _voice(folder, "ingest", "css")
    assert ingest.returncode == 0, ingest.stderr
    assert "already ingested" in ingest.stdout  # it looked at the demo's files in the demo's database
    briefing = _voice(folder, "briefing", "--quarter", "2024Q2", "--format", "html", "--out", "brief.html")
    assert briefing.returncode == 0, briefing.stderr
    assert "SYNTHETIC" in (folder / "brief.html").read_text(encoding="utf-8").upper()
    export = _voice(folder, "export", "sna", "--year", "2024", "--format", "md", "--out", "sna.md")
    assert export.returncode == 0, export.stderr
    assert (folder / "sna.md").stat().st_size > 1000
    for done in (ingest, briefing, export):
        lines = [line for line in done.stderr.splitlines() if "demo database" in line]
        assert len(lines) == 1 and str(folder / "instance" / "demo.db") in lines[0], done.stderr
        assert "Traceback" not in done.stderr and "no such table" not in done.stderr


def test_a_named_database_wins_over_the_recorded_demo(demo_folder, tmp_path):
    folder, _ = demo_folder
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    done = _voice(folder, "ingest", "css", env={"VOICE_DATABASE_URL": empty})
    assert done.returncode == 1 and "demo database" not in done.stderr
    # ... and a database without tables is one line saying what to run, never a traceback.
    assert "run `voice db upgrade`" in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.strip()]) == 1, done.stderr


def test_config_reads_the_recorded_demo_database_only_when_none_is_named(tmp_path):
    config_file = tmp_path / "config.toml"
    shutil.copy(PROJECT / "config.toml", config_file)
    default = load_config(config_file, environ={})
    assert default.database.url == f"sqlite:///{tmp_path / 'instance' / 'voice.db'}" and default.database_from == "default"
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / DEMO_DATABASE_FILE).write_text("sqlite:////somewhere/demo.db\n")
    recorded = load_config(config_file, environ={})
    assert recorded.database.url == "sqlite:////somewhere/demo.db" and recorded.database_from == "demo"
    named = load_config(config_file, environ={"VOICE_DATABASE_URL": "sqlite:////else.db"})
    assert named.database.url == "sqlite:////else.db" and named.database_from == "config"


def test_the_web_app_logs_when_it_serves_the_recorded_demo_database(config, caplog):
    from dataclasses import replace

    from service import create_app

    with caplog.at_level("WARNING", logger="service"):
        create_app(replace(config, database_from="config")).extensions["voice_engine"].dispose()
        assert "demo database" not in caplog.text
        create_app(replace(config, database_from="demo")).extensions["voice_engine"].dispose()
    assert "Using the demo database recorded by `voice demo`" in caplog.text


def test_voice_serve_after_the_demo_serves_it_without_a_secret_set(demo_folder):
    import socket
    import time
    import urllib.request

    folder, _ = demo_folder
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VOICE_")}
    environ.update(PYTHONPATH=str(PROJECT))
    server = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "--config",
                               str(folder / "config.toml"), "serve", "--port", str(port)], cwd=folder, env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = ""
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=5) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        assert "Sign in" in page, server.stderr.read() if server.poll() is not None else "no answer"
    finally:
        server.terminate()
        out, _err = server.communicate(timeout=30)
    assert "throwaway secret" in out
