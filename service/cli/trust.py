"""``voice retention apply``, ``voice erase``, ``voice backup``, ``voice restore`` (issue 8).

Each is a few lines over :mod:`service.ops.retention`, :mod:`service.ops.erasure` and :mod:`service.ops.backup`;
each writes to the audit log as ``system`` (the person at the terminal is whoever runs the service
account; the deployment's own login records say who that was).
"""

from __future__ import annotations

from pathlib import Path

import click

from service.store import audit
from service.store.db import make_engine, make_session_factory, transaction


@click.group("retention")
def retention() -> None:
    """Remove personal data older than the [retention] periods of config.toml."""


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed; change nothing.")
@click.pass_obj
def retention_apply(ctx, dry_run: bool) -> None:
    """Remove old original free text, raw-record free text, quarantined rows and archived reports."""
    from service.ops.retention import apply_retention

    engine = make_engine(ctx.config.database.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            result = apply_retention(session, ctx.config, dry_run=dry_run)
    finally:
        engine.dispose()
    click.echo(result.summary())
    for key, counts in result.per_source.items():
        click.echo(f"  {key}: " + ", ".join(f"{name[2:]} {n}" for name, n in counts.items()))
    if dry_run:
        click.echo("Dry run: nothing was changed. Run without --dry-run to remove it.")


@click.command("erase")
@click.argument("source")
@click.argument("external_id")
@click.option("--reason", default="", help="A reference for the audit log, e.g. the request's case number (no names).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def erase(ctx, source: str, external_id: str, reason: str, yes: bool) -> None:
    """Erase the response EXTERNAL_ID of SOURCE and everything derived from it (cannot be undone)."""
    from service.ops.erasure import ErasureError, erase_response, find_response
    from service.pipeline.coders import BUILTIN_CACHE, CHAT_CACHE

    engine = make_engine(ctx.config.database.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            response = find_response(session, source, external_id)
            if not yes:
                click.confirm(f"Erase response {external_id!r} of {source} (store id {response.id}) and all its answers? "
                              "This cannot be undone", abort=True)
            model_dir = Path(ctx.config.analysis.model_dir)
            result = erase_response(session, response.id, actor=audit.SYSTEM, reason=reason,
                                    caches=(model_dir / BUILTIN_CACHE, model_dir / CHAT_CACHE))
    except ErasureError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    removed = ", ".join(f"{table} {n}" for table, n in result.removed.items() if n)
    click.echo(f"Erased response {result.response_id} of {result.source_key}: removed {removed}.")
    click.echo("Note: a later import of the same record from the source would bring it back; remove it there too.")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(ctx, out: Path) -> None:
    """Back up the whole database to the new file OUT (SQLite copy, or pg_dump custom format)."""
    from service.ops.backup import BackupError, backup_database

    try:
        result = backup_database(ctx.config.database.url, out)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {result.n_tables} tables to {result.path} ({result.size} bytes, sha256 {result.sha256}).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything in a database that is not empty.")
@click.pass_obj
def restore(ctx, source: Path, force: bool) -> None:
    """Restore the backup file SOURCE into the configured (empty) database, then run `voice db upgrade`."""
    from service.ops.backup import BackupError, restore_database

    try:
        result = restore_database(ctx.config.database.url, source, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {result.n_tables} tables from {result.path} (sha256 {result.sha256}). "
               "Run `voice db upgrade` if the backup came from an older version.")


COMMANDS = (retention, erase, backup, restore)
