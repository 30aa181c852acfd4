"""``voice ingest`` (its progress line) and ``voice quarantine list|show|fix|retry``."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.config import Config
from service.store.db import DatabaseError, make_engine, make_session_factory, transaction
from service.store.models import Source

logger = logging.getLogger(__name__)


def sessions_for(ctx: Any) -> sessionmaker[Session]:
    """Sessions on the configured database; the engine is disposed when the command ends."""
    engine = make_engine(ctx.config.database.url)
    click.get_current_context().call_on_close(engine.dispose)
    return make_session_factory(engine)


def run_ingest_command(factory: sessionmaker[Session], config: Config, source: str | None) -> list[Any]:
    """Run one source (or all when ``None``), showing progress when stderr is a terminal."""
    from service.pipeline.ingest_runs import (
        PullOptions,
        register_sources,
        run_all_ingests,
        run_ingest,
    )

    register_sources(factory, config)
    options = PullOptions(progress=_show_progress if sys.stderr.isatty() else None)
    try:
        if source is None:
            reports = run_all_ingests(factory, config, options=options)
        else:
            reports = run_ingest(factory, config, source, options=options)
    finally:
        if options.progress:
            click.echo("", err=True)
    finish_screening(factory, reports)
    return reports


def finish_screening(factory: sessionmaker[Session], reports: list[Any]) -> None:
    """Run the trained disclosure detector on the texts just stored (rules only), so the import ends
    fully screened; the last run's report (and its stored notes) says what it read and flagged."""
    from service.pipeline.ingest_runs import add_run_note
    from service.pipeline.text_runs import screen_pending_texts

    if sys.stderr.isatty():
        click.echo("Screening the stored texts with the disclosure detector...", err=True)
    result = screen_pending_texts(factory)
    if not result.n_screened:
        return
    ran = [r for r in reports if r.run_id is not None and r.status != "skipped"]
    if ran:
        add_run_note(factory, ran[-1], result.summary())
    else:
        click.echo(result.summary())


def watch_command(factory: sessionmaker[Session], config: Config, source: str, interval: float) -> None:
    """Watch SOURCE's drop folder until Ctrl-C, printing each run's report as it ends."""
    import threading

    from service.pipeline.ingest_runs import PullOptions, register_sources
    from service.pipeline.watch import watch_folder

    register_sources(factory, config)
    stop = threading.Event()
    folder = config.source(source).path
    click.echo(f"Watching {folder} for {source} every {interval:g} s; Ctrl-C to stop.", err=True)
    options = PullOptions(progress=_show_progress if sys.stderr.isatty() else None)
    try:
        watch_folder(factory, config, source, interval, stop, lambda report: _screen_and_echo(factory, report), options)
    except KeyboardInterrupt:
        click.echo("Stopped watching.", err=True)


def _screen_and_echo(factory: sessionmaker[Session], report: Any) -> None:
    finish_screening(factory, [report])
    click.echo(report.summary())


def _show_progress(progress: Any) -> None:
    left = progress.seconds_left
    total = f" of ~{progress.n_total:,}" if progress.n_total else ""
    eta = f", about {_duration(left)} left" if left is not None else ""
    line = f"\r{progress.source} {progress.input_name}: {progress.n_read:,}{total} rows, {progress.rate:,.0f} rows/s{eta}"
    click.echo(line.ljust(100), err=True, nl=False)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


@click.group()
def quarantine() -> None:
    """List, correct and re-process records that broke a rule."""


@quarantine.command("list")
@click.option("--source", help="Only this source's records.")
@click.option("--resolved", is_flag=True, help="Include records already re-processed.")
@click.option("--limit", default=50, show_default=True, type=int, help="Show at most this many (newest first).")
@click.pass_obj
def quarantine_list(ctx: Any, source: str | None, resolved: bool, limit: int) -> None:
    """One line per quarantined record or field: id, kind, source, where, field, rule and value."""
    from service.pipeline.quarantine import list_quarantine
    from service.reports.labels import QUARANTINE_SCOPES

    with _session(ctx) as session:
        rows = list_quarantine(session, source, include_resolved=resolved, limit=limit)
        keys = {s.id: s.key for s in session.scalars(select(Source))}
        for row in rows:
            state = " (resolved)" if row.resolved_at else ""
            kind = QUARANTINE_SCOPES.get(row.scope, row.scope)
            how = "with the box ticked, not this write-in" if row.rule == "write_in" else "without it"
            kept = f", response {row.response_id} stored {how}" if row.response_id else ""
            click.echo(f"#{row.id} [{kind}{kept}] {keys.get(row.source_id)} {row.location}: "
                       f"{row.field!r} = {_cut(row.value)} breaks {row.rule}{state}")
    if not rows:
        click.echo("No quarantined records.")


@quarantine.command("show")
@click.argument("row_id", type=int)
@click.pass_obj
def quarantine_show(ctx: Any, row_id: int) -> None:
    """Show one quarantined record whole: the reason and every raw field."""
    from service.pipeline.quarantine import get_quarantined

    with _session(ctx) as session:
        row = _or_fail(get_quarantined, session, row_id)
        click.echo(f"#{row.id} {row.location}\n{row.reason}\nRaw record:")
        for key, value in row.raw.items():
            click.echo(f"  {key}: {_cut(value, 200)}")


@quarantine.command("fix")
@click.argument("row_id", type=int)
@click.option("--field", "field_name", required=True, help="The raw field to change (as shown by `show`).")
@click.option("--value", required=True, help="Its corrected value (JSON for numbers and lists, else text).")
@click.pass_obj
def quarantine_fix(ctx: Any, row_id: int, field_name: str, value: str) -> None:
    """Correct one value of a quarantined record; `retry` then processes it again."""
    from service.pipeline.quarantine import fix_quarantined

    try:
        parsed: Any = json.loads(value) if value[:1] in "[{0123456789-" else value
    except ValueError:
        parsed = value
    with _session(ctx, commit=True) as session:
        row = _or_fail(fix_quarantined, session, row_id, field_name, parsed)
        click.echo(f"#{row.id}: {field_name!r} is now {parsed!r}. Run `voice quarantine retry --id {row.id}` to process it.")


@quarantine.command("retry")
@click.option("--source", help="Only this source's records.")
@click.option("--id", "ids", multiple=True, type=int, help="Only these records (repeat); needed for duplicate ids.")
@click.pass_obj
def quarantine_retry(ctx: Any, source: str | None, ids: tuple[int, ...]) -> None:
    """Map unresolved records again with the current config.toml; store those that now pass."""
    from service.pipeline.quarantine import retry_quarantined

    try:
        result = retry_quarantined(sessions_for(ctx), ctx.config, source, ids)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    for reason in result.reasons:
        click.echo(f"  still quarantined: {reason}")
    click.echo(result.summary())


def _session(ctx: Any, commit: bool = False) -> Any:
    factory = sessions_for(ctx)
    return transaction(factory) if commit else factory()


def _or_fail(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except (LookupError, ValueError) as error:
        raise click.ClickException(str(error.args[0] if isinstance(error, KeyError) else error)) from None


def _cut(value: Any, size: int = 60) -> str:
    """The value as the file held it, shortened; an empty or missing cell says so (not 'None')."""
    if value is None or value == "" or value == "None":
        return "(empty)"
    text = repr(value)
    return text if len(text) <= size else text[:size] + "..."
