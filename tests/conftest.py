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
from service.db import make_engine, make_session_factory, upgrade
from service.models import Base

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
    from service.pipeline import register_sources

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
