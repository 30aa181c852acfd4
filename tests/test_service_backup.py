"""Backup and restore: a database with data comes back table for table, row for row (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from service.cli import main
from service.config import load_config
from service.ops.backup import BackupError, backup_database, restore_database
from service.pipeline.ingest_runs import register_sources
from service.store.db import make_engine, make_session_factory, transaction, upgrade
from service.store.models import AuditEvent, Base
from tests.conftest import PROJECT
from tests.trust_data import OLD, RECENT, add_quarantined, add_response

PG_URL = os.environ.get("VOICE_TEST_DATABASE_URL", "")


def _fill(url: str) -> None:
    """Migrate and store a few responses with everything derived from them."""
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    register_sources(factory, load_config(PROJECT / "config.toml", environ={}))
    with transaction(factory) as session:
        add_response(session, "css", "CSS-1", OLD)
        add_response(session, "qr", "QR-1", RECENT)
        add_quarantined(session, "css", "CSS-Q", OLD)
    engine.dispose()


def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a SHA-256 of every table's rows in primary-key order (the audit log left out)."""
    engine = make_engine(url)
    out = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_events":
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    engine.dispose()
    return out


def _actions(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        actions = connection.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    engine.dispose()
    return list(actions)


def test_sqlite_backup_restores_every_table_into_an_empty_database(tmp_path):
    source, copy = f"sqlite:///{tmp_path / 'live.db'}", f"sqlite:///{tmp_path / 'restored.db'}"
    _fill(source)
    before = _fingerprint(source)
    result = backup_database(source, tmp_path / "voice.backup")
    assert result.size > 0 and len(result.sha256) == 64
    restore_database(copy, tmp_path / "voice.backup")
    assert _fingerprint(copy) == before
    assert before["responses"][0] == 2 and before["free_texts"][0] == 2
    assert _actions(source) == ["backup"] and _actions(copy) == ["restore"]


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(tmp_path):
    source, other = f"sqlite:///{tmp_path / 'live.db'}", f"sqlite:///{tmp_path / 'other.db'}"
    _fill(source)
    backup_database(source, tmp_path / "voice.backup")
    upgrade(make_engine(other))
    with pytest.raises(BackupError, match=r"is not empty \(\d+ tables\).*--force"):
        restore_database(other, tmp_path / "voice.backup")
    restore_database(other, tmp_path / "voice.backup", force=True)
    assert _fingerprint(other) == _fingerprint(source)


def test_backup_never_overwrites_and_restore_checks_the_file_kind(tmp_path):
    source = f"sqlite:///{tmp_path / 'live.db'}"
    _fill(source)
    (tmp_path / "taken").write_bytes(b"x")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(source, tmp_path / "taken")
    with pytest.raises(BackupError, match="is not a SQLite database file"):
        restore_database(f"sqlite:///{tmp_path / 'new.db'}", tmp_path / "taken")


def test_backup_and_restore_commands_round_trip(runner, tmp_path):
    live, restored, out = tmp_path / "live.db", tmp_path / "restored.db", tmp_path / "b.sqlite"
    _fill(f"sqlite:///{live}")
    backed = runner.invoke(main, ["backup", str(out)], env={"VOICE_DATABASE_URL": f"sqlite:///{live}"})
    assert backed.exit_code == 0, backed.output
    assert "Backed up" in backed.output and "sha256" in backed.output
    env = {"VOICE_DATABASE_URL": f"sqlite:///{restored}"}
    assert runner.invoke(main, ["restore", str(out)], env=env).exit_code == 0
    refused = runner.invoke(main, ["restore", str(out)], env=env)
    assert refused.exit_code == 1 and "--force" in refused.output
    assert _fingerprint(f"sqlite:///{restored}") == _fingerprint(f"sqlite:///{live}")


@pytest.fixture
def pg_databases():
    """Two new PostgreSQL databases (live and restore target), dropped afterwards."""
    if not PG_URL:
        pytest.skip("PostgreSQL backup is tested when VOICE_TEST_DATABASE_URL is set")
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    names = [f"voice_backup_{uuid.uuid4().hex[:10]}", f"voice_restore_{uuid.uuid4().hex[:10]}"]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield [make_url(PG_URL).set(database=name).render_as_string(hide_password=False) for name in names]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_backup_restores_every_table_into_an_empty_database(pg_databases, tmp_path):
    live, copy = pg_databases
    _fill(live)
    before = _fingerprint(live)
    backup_database(live, tmp_path / "voice.dump")
    assert (tmp_path / "voice.dump").read_bytes()[:5] == b"PGDMP"
    restore_database(copy, tmp_path / "voice.dump")
    assert _fingerprint(copy) == before and before["answers"][0] == 4
    assert _actions(live) == ["backup"] and _actions(copy) == ["restore"]
    with pytest.raises(BackupError, match="is not empty"):
        restore_database(copy, tmp_path / "voice.dump")
    restore_database(copy, tmp_path / "voice.dump", force=True)
    assert _fingerprint(copy) == before
    # The append-only trigger came back with the restore.
    engine = make_engine(copy)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
    engine.dispose()
