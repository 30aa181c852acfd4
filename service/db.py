"""Engine, sessions and migrations: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says what to do."""


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; for SQLite, create the folder, turn on foreign keys and WAL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so views can render them."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back everything if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic configuration that runs our migrations on ``engine``."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema up to date (``alembic upgrade heads``)."""
    try:
        command.upgrade(alembic_config(engine), "heads")
    except OperationalError as error:
        raise DatabaseError(_unreachable(engine, error)) from None


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations down to ``revision``."""
    command.downgrade(alembic_config(engine), revision)


def check_schema(engine: Engine) -> None:
    """Raise :class:`DatabaseError` unless the database is reachable and fully migrated."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        raise DatabaseError(_unreachable(engine, error)) from None
    expected = set(script.get_heads())
    if current != expected:
        state = "has no tables yet" if not current else f"is at revision {', '.join(sorted(current))}"
        raise DatabaseError(
            f"The database {engine.url.render_as_string(hide_password=True)} {state}, but this version "
            f"of Community Voice needs {', '.join(sorted(expected))}. Run `voice db upgrade` (after a backup) "
            "and start again."
        )


def _unreachable(engine: Engine, error: Exception) -> str:
    url = engine.url.render_as_string(hide_password=True)
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (f"Cannot reach the database {url}: {first}. Check that the server is running and that "
            "VOICE_DATABASE_URL (or [database] url in config.toml) is right.")
