"""Backup and restore of the whole database: SQLite with its online backup API, PostgreSQL with
``pg_dump --format=custom`` and ``pg_restore``.

A restore goes into an empty database unless ``force`` is given (then existing tables are
dropped first). Both are written to the audit log: a backup in the database it copied (after the
copy, with the file's SHA-256), a restore in the database it filled.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3

# pg_dump/pg_restore run with an argument list (never a shell); the tool names are fixed.
import subprocess  # nosec B404
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from service.store import audit
from service.store.db import make_engine, make_session_factory, transaction

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 6 * 3600
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    """A finished backup or restore: the file, its size and SHA-256, and the database's tables."""

    path: Path
    size: int
    sha256: str
    n_tables: int


def backup_database(url: str, out: Path, *, actor: str = audit.SYSTEM) -> BackupResult:
    """Copy the database at ``url`` into the new file ``out`` and log it.

    Raises
    ------
    BackupError
        When ``out`` exists, the database cannot be read, or ``pg_dump`` is missing or fails.
    """
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name (backups are never overwritten)")
    out.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = _sqlite_path(parsed)
        if not source.exists():
            raise BackupError(f"the SQLite database {source} does not exist; check [database] url or VOICE_DATABASE_URL")
        _copy_sqlite(source, out)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}"], parsed)
    result = _result(out, url)
    _record(url, "backup", actor, out, result)
    return result


def restore_database(url: str, source: Path, *, force: bool = False, actor: str = audit.SYSTEM) -> BackupResult:
    """Fill the database at ``url`` from the backup file ``source`` and log it there.

    The target must be empty (no tables) unless ``force``, which replaces what is there.

    Raises
    ------
    BackupError
        When the file is missing or of the wrong kind, the target is not empty, or ``pg_restore`` fails.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"backup file {source} not found")
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    with source.open("rb") as handle:
        magic = handle.read(16)
    expected = _SQLITE_MAGIC if is_sqlite else _PG_MAGIC
    if not magic.startswith(expected):
        kind = "a SQLite database file" if is_sqlite else "a pg_dump --format=custom file"
        raise BackupError(f"{source} is not {kind}, so it cannot be restored into {parsed.render_as_string(hide_password=True)}")
    n_tables = count_tables(url)
    if n_tables and not force:
        raise BackupError(f"the database {parsed.render_as_string(hide_password=True)} is not empty ({n_tables} tables); "
                          "restore into a new, empty database, or add --force to replace everything in it")
    if is_sqlite:
        target = _sqlite_path(parsed)
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source, target)
    else:
        clean = ["--clean", "--if-exists"] if n_tables else []
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *clean, str(source)], parsed)
    result = _result(source, url)
    _record(url, "restore", actor, source, result, replaced=bool(n_tables))
    return result


def count_tables(url: str) -> int:
    """How many tables the database at ``url`` has (0 for a new, empty one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _sqlite_path(parsed).exists():
        return 0
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        if engine.dialect.name == "sqlite":
            return len(inspector.get_table_names())
        schemas = [s for s in inspector.get_schema_names() if s not in ("information_schema",) and not s.startswith("pg_")]
        return sum(len(inspector.get_table_names(schema=s)) for s in schemas)
    finally:
        engine.dispose()


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API (safe while the app writes)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"could not copy {source} to {target}: {error}") from None
    finally:
        src.close()
        dst.close()


def _sqlite_path(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored; use a file database")
    return Path(parsed.database)


def _run(command: list[str], parsed: URL) -> None:
    """Run a PostgreSQL client tool on the database ``parsed`` (password through PGPASSWORD, not argv)."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools (postgresql-client) "
                          "of the server's major version or newer")
    environ = dict(os.environ)
    if parsed.password:
        environ["PGPASSWORD"] = str(parsed.password)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    try:
        completed = subprocess.run([*command, f"--dbname={dsn}"], env=environ, capture_output=True, text=True,  # nosec B603
                                   timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{command[0]} did not finish within {TIMEOUT_SECONDS // 3600} hours") from None
    if completed.returncode != 0:
        message = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else f"exit code {completed.returncode}"
        raise BackupError(f"{command[0]} failed on {parsed.render_as_string(hide_password=True)}: {message}")


def _result(path: Path, url: str) -> BackupResult:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return BackupResult(path=path, size=path.stat().st_size, sha256=digest.hexdigest(), n_tables=count_tables(url))


def _record(url: str, action: str, actor: str, path: Path, result: BackupResult, **extra: object) -> None:
    """Write the event to the database itself (skipped, with a warning, when it has no audit table yet)."""
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("audit_events"):
            logger.warning("%s of %s not logged: the database has no audit_events table (run voice db upgrade)", action, path)
            return
        with transaction(make_session_factory(engine)) as session:
            audit.record(session, action, actor=actor, target=f"file:{path.name}",
                         detail={"size": result.size, "sha256": result.sha256, "n_tables": result.n_tables, **extra})
    finally:
        engine.dispose()
