"""Migrations: they build the schema the models describe, and undo it cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Float, inspect
from sqlalchemy.dialects import postgresql

from service.store.db import DatabaseError, check_schema, downgrade, make_engine, upgrade
from service.store.models import Base


def _differences(engine) -> list:
    with engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # SQLite reports REAL columns as FLOAT where SQLAlchemy 2 models say Double: the same storage.
    return [d for d in found if not (isinstance(d, list) and d[0][0] == "modify_type"
                                     and isinstance(d[0][5], Float) and isinstance(d[0][6], (Float, postgresql.DOUBLE_PRECISION)))]


def test_migrations_build_exactly_the_schema_of_the_models(engine):
    check_schema(engine)
    assert _differences(engine) == []


def test_migrations_have_a_single_head():
    from alembic.script import ScriptDirectory

    from service.store.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: add a merge revision"


def test_alembic_upgrade_head_and_downgrade_base_run_cleanly(engine):
    from alembic import command

    from service.store.db import alembic_config

    try:
        command.downgrade(alembic_config(engine), "base")
    finally:
        command.upgrade(alembic_config(engine), "head")
    check_schema(engine)


def test_downgrade_to_base_then_upgrade_again_runs_cleanly(engine):
    downgrade(engine, "base")
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        upgrade(engine)  # the next tests share this database on PostgreSQL
    check_schema(engine)
    assert "responses" in inspect(engine).get_table_names()


def test_unmigrated_database_is_refused_with_what_to_run(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseError, match=r"has no tables yet.*Run `voice db upgrade`"):
        check_schema(engine)


def test_unreachable_database_is_refused_with_what_to_check():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(DatabaseError, match=r"Cannot reach the database postgresql\+psycopg://nobody@127.0.0.1:1/none.*VOICE_DATABASE_URL"):
        check_schema(engine)
