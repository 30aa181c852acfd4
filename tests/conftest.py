"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when
VOICE_TEST_DATABASE_URL is set), built by running the Alembic migrations."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from service.config import Config, load_config
from service.store.db import make_engine, make_session_factory, upgrade
from service.store.models import Base

PROJECT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("VOICE_TEST_DATABASE_URL", "")


def _with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrate once per test run: a SQLite template file, or a fresh PostgreSQL schema."""
    if PG_URL:
        schema = f"voice_test_{uuid.uuid4().hex[:10]}"
        admin = make_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _with_search_path(PG_URL, schema)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield path


@pytest.fixture
def database_url(database_template, tmp_path):
    """A database of its own for one test, already migrated; emptied afterwards on PostgreSQL."""
    if not PG_URL:
        path = tmp_path / "voice.db"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"
        return
    yield database_template
    engine = make_engine(database_template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # APScheduler creates its job table itself (not a migration of ours); scheduler tests leave it behind.
        connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    engine.dispose()


@pytest.fixture
def engine(database_url):
    """An engine on the test's database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine):
    """A session factory on the test's database."""
    return make_session_factory(engine)


@pytest.fixture
def session(factory):
    """A session, closed after the test."""
    with factory() as session:
        yield session


@pytest.fixture
def config(database_url, tmp_path) -> Config:
    """The shipped configuration, pointed at the test database and a temporary instance folder."""
    base = load_config(PROJECT / "config.toml", environ={})
    sources = tuple(replace(s, path=tmp_path / "drop" / s.key) if s.path else s for s in base.sources)
    for source in sources:
        if source.path:
            source.path.mkdir(parents=True, exist_ok=True)
    app = replace(base.app, instance_path=tmp_path / "instance", secret_key="test-secret-key-not-for-production")
    return replace(base, app=app, database=replace(base.database, url=database_url), sources=sources)


@pytest.fixture
def app(config):
    """The Flask app on the test database."""
    from service import create_app
    from service.pipeline.ingest_runs import register_sources

    app = create_app(config)
    app.config.update(TESTING=True)
    register_sources(app.extensions["voice_sessions"], config)
    yield app
    app.extensions["voice_engine"].dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner():
    """A click runner for the `voice` command."""
    from click.testing import CliRunner

    return CliRunner()


class StandInServer:
    """A threaded HTTP server on 127.0.0.1 standing in for a survey platform or QR vendor.

    A test sets ``reply`` to a function of the request (``path``, ``query``, ``headers``) that
    returns ``(status, headers, body)``; ``body`` may be bytes, text or JSON-able data, and a
    ``"X-Test-Delay"`` header (seconds) delays the answer. Every request is kept in ``requests``.
    """

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from types import SimpleNamespace
        from urllib.parse import parse_qs, urlsplit

        stand_in = self
        self.requests: list = []
        self.reply = lambda request: (404, {}, {"error": "no reply set by the test"})

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                request = SimpleNamespace(path=url.path, query={k: v[0] for k, v in parse_qs(url.query).items()},
                                          headers=dict(self.headers))
                stand_in.requests.append(request)
                status, headers, body = stand_in.reply(request)
                headers = dict(headers)
                delay = float(headers.pop("X-Test-Delay", 0))
                if not isinstance(body, (bytes, str)):
                    body = json.dumps(body)
                    headers.setdefault("Content-Type", "application/json")
                data = body.encode("utf-8") if isinstance(body, str) else body
                if delay:
                    import time

                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a read-timeout test)

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def http_server():
    """A :class:`StandInServer` on a free port of 127.0.0.1, stopped after the test."""
    server = StandInServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo database, built once per test run through the real connectors and analyses.

    Always SQLite (as `voice demo` is); tests must only read it. Yields (config, result).
    """
    from service.demo import build_demo

    base = load_config(PROJECT / "config.toml", environ={})
    root = tmp_path_factory.mktemp("demo")
    sources = tuple(replace(s, path=root / "demo" / s.key) if s.path else s for s in base.sources)
    app = replace(base.app, instance_path=root, secret_key="demo-test-secret")
    config = replace(base, app=app, database=replace(base.database, url=f"sqlite:///{root / 'demo.db'}"), sources=sources,
                     analysis=replace(base.analysis, model_dir=root / "models"))
    result = build_demo(config, echo=lambda line: None)
    return config, result
