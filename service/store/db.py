"""Engine, sessions and migrations: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import json
import logging
import time
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
from sqlalchemy.exc import InterfaceError, InvalidatePoolError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says what to do."""


#: Raised by any failed database call; the web layer catches it without importing SQLAlchemy.
StoreFailure = SQLAlchemyError
#: Raised when the database server cannot be reached or drops the connection.
CONNECTION_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


#: What a NUL character in a text becomes on its way into the database (PostgreSQL refuses NUL in
#: text and JSON; SQLite keeps it): the replacement character, so ``"ab\x00cd"`` stays distinct from ``"abcd"``.
NUL_REPLACEMENT = "\ufffd"


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character in its text (also inside lists, tuples and dicts) replaced.

    Every statement's parameters pass through here (:func:`_clean_parameters`), so each text that
    enters the store, whichever way it came, is stored alike on PostgreSQL and SQLite (issue 19, finding 5).
    """
    kind = type(value)
    if kind is str:
        return value.replace("\x00", NUL_REPLACEMENT) if "\x00" in value else value
    if kind is dict:
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(without_nul(v) for v in value)
    wrapped = getattr(value, "obj", None)  # psycopg's Json/Jsonb wrappers of a JSON column's value
    if wrapped is not None and kind.__module__.startswith("psycopg"):
        return kind(without_nul(wrapped), dumps=getattr(value, "dumps", None))
    return value


def _has_nul(value: Any) -> bool:
    """Say whether ``value`` holds a NUL somewhere (a cheap scan; nearly every statement has none)."""
    kind = type(value)
    if kind is str:
        return "\x00" in value
    if kind is dict:
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return any(_has_nul(v) for v in value)
    wrapped = getattr(value, "obj", None)
    return wrapped is not None and _has_nul(wrapped)


def _clean_parameters(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                      _executemany: bool) -> tuple[str, Any]:
    if parameters is None or not _has_nul(parameters):
        return statement, parameters
    return statement, without_nul(parameters)


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine that stores no NUL characters; for SQLite, create the folder, turn on foreign keys and WAL."""
    # JSON values are text once serialised (SQLite): clean them before, as the statement's own texts are.
    options.setdefault("json_serializer", lambda value: json.dumps(without_nul(value)))
    engine = _make_engine(url, **options)
    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)
    return engine


def _make_engine(url: str, **options: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A writer waits up to 30 s for SQLite's one write lock (held by an import batch, say) before
        # "database is locked"; the form then shows its calm try-again page (tests/test_load_burst.py).
        connect_args = {"timeout": 30, **options.pop("connect_args", {})}
        engine = create_engine(url, connect_args=connect_args, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if "pool_pre_ping" in options:
        return create_engine(url, **options)
    # Not pool_pre_ping: it costs a round trip on every checkout, about one in six of a form
    # submission's. Connections idle for a while are pinged instead (bench/RESULTS.md, form).
    options.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **options)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _ping_if_idle(engine))
    return engine


#: A pooled connection unused for this long is pinged before it is handed out: after a server
#: restart or a dropped idle connection the request then gets a fresh one instead of an error.
PING_AFTER_IDLE_SECONDS = 10.0


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Any:
    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # fresh, or in steady use: a broken one fails its statement and the pool is invalidated
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError() from error  # the pool reconnects and retries the checkout
            raise

    return ping


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


@contextmanager
def catch_database_stop(what: str, advice: str) -> Iterator[None]:
    """Turn the database stopping (or refusing connections) inside the block into a :class:`DatabaseError`.

    The message names ``what`` was being done, the driver's reason, then ``advice`` (what was kept
    and what to do next).
    """
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        reason = first_line(error)
        if reason.startswith("no such table"):  # SQLite: a file that was never upgraded, not a stopped database
            raise DatabaseError(f"{what}: the database has no Community Voice tables ({reason}); run `voice db upgrade` "
                                "with this database URL, then try again") from error
        raise DatabaseError(f"{what}: the database stopped or cannot be reached ({reason}); {advice}") from error


def first_line(error: BaseException) -> str:
    """The first line of a database error's reason (the driver's message, without SQLAlchemy's notes)."""
    orig = getattr(error, "orig", None) or error
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


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
