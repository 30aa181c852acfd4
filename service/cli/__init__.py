"""The ``voice`` command: database, demo, serving, scheduling, users and ingest.

Each command is a few lines over the pipeline, store, reports and ops. Import rule: cli imports
anything but ``service.web`` (it may call ``service.create_app`` to serve).
"""

from __future__ import annotations

import logging
import secrets
import sys
from dataclasses import replace
from typing import Any

import click

from ingest import IngestError
from service.config import DEMO_DATABASE_FILE, Config, ConfigError, load_config
from service.store.db import DatabaseError, make_engine, make_session_factory, transaction

logger = logging.getLogger(__name__)


class _Context:
    """Loads the configuration once, on first use, so `voice --help` works without it."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.path)
            except ConfigError as error:
                raise click.ClickException(str(error)) from None
            logging.basicConfig(level=self._config.app.log_level, format="%(levelname)s %(name)s: %(message)s")
            if self._config.database_from == "demo":
                recorded = self._config.app.instance_path / DEMO_DATABASE_FILE
                click.echo(f"Using the demo database {make_url_safe(self._config.database.url)} (recorded in {recorded} "
                           "by `voice demo`; set VOICE_DATABASE_URL or [database] url to use another).", err=True)
            for noisy in ("alembic", "weights", "nlp"):
                logging.getLogger(noisy).setLevel(logging.WARNING)
        return self._config

    def sessions(self):
        engine = make_engine(self.config.database.url)
        return make_session_factory(engine)


pass_context = click.make_pass_decorator(_Context)


class _VoiceGroup(click.Group):
    """The ``voice`` group: a database without our tables is one line saying what to run, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as error:
            text = str(error.orig if error.orig is not None else error).lower()
            if "no such table" not in text and "does not exist" not in text:
                raise
            config = ctx.obj.config if isinstance(ctx.obj, _Context) else None
            where = f"The database {make_url_safe(config.database.url)}" if config else "The database"
            raise click.ClickException(f"{where} has no Community Voice tables yet (or an old schema): "
                                       "run `voice db upgrade`, then this command again.") from None


def make_url_safe(url: str) -> str:
    """A database URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group(cls=_VoiceGroup)
@click.option("--config", "config_path", envvar="VOICE_CONFIG", type=click.Path(dir_okay=False),
              help="Configuration file (default: config.toml in the project, or $VOICE_CONFIG).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Community Voice: hear what residents say about safety, and see whose voices are missing."""
    ctx.obj = _Context(config_path)


@main.group()
def db() -> None:
    """Create or upgrade the database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: _Context) -> None:
    """Apply every migration the database lacks (take a backup first in production)."""
    from service.store.db import upgrade

    engine = make_engine(ctx.config.database.url)
    try:
        upgrade(engine)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    from service.pipeline.ingest_runs import register_sources

    register_sources(make_session_factory(engine), ctx.config)
    click.echo(f"Database {engine.url.render_as_string(hide_password=True)} is up to date.")


@db.command("downgrade")
@click.argument("revision", default="base")
@click.confirmation_option(prompt="This removes tables and their data. Continue?")
@pass_context
def db_downgrade(ctx: _Context, revision: str) -> None:
    """Undo migrations down to REVISION (default: base, an empty database)."""
    from service.store.db import downgrade

    downgrade(make_engine(ctx.config.database.url), revision)
    click.echo(f"Database downgraded to {revision}.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@pass_context
def serve(ctx: _Context, host: str, port: int) -> None:
    """Run the development server (production: gunicorn 'service.wsgi:app', docs/deploy.md)."""
    config = ctx.config
    if config.database_from == "demo" and not config.app.secret_key:
        # On the demo's database, as `voice demo` does: a throwaway secret (sign-ins end with the server).
        click.echo("VOICE_SECRET_KEY is not set: signing this demo server's sessions with a throwaway secret.")
        config = replace(config, app=replace(config.app, secret_key=secrets.token_hex(32)))
    app = _make_app(config)
    click.echo(f"Community Voice is running at http://{host}:{port}/ (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=False, use_reloader=False)


def _make_app(config: Config):
    from service import create_app

    try:
        return create_app(config)
    except (DatabaseError, ConfigError) as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option("--serve/--no-serve", "do_serve", default=True, help="Serve the app when the demo database is ready (default) or just build it and exit.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to serve the demo on.")
@click.option("--seed", default=2023, show_default=True, type=int, help="Random seed of the synthetic data.")
@pass_context
def demo(ctx: _Context, do_serve: bool, port: int, seed: int) -> None:
    """Build a fresh SQLite demo database from synthetic data, then serve it."""
    from service.demo import build_demo

    config = ctx.config
    demo_db = config.app.instance_path / "demo.db"
    # The demo signs its sessions with a throwaway secret unless one is set.
    secret = config.app.secret_key or secrets.token_hex(32)
    demo_config = replace(config, database=replace(config.database, url=f"sqlite:///{demo_db}"),
                          app=replace(config.app, secret_key=secret))
    try:
        result = build_demo(demo_config, seed=seed, echo=click.echo)
    except (DatabaseError, IngestError) as error:
        raise click.ClickException(str(error)) from None
    click.echo("")
    click.echo("The demo database is ready (all data in it is SYNTHETIC, generated for demonstration).")
    for line in result.sign_in_lines:
        click.echo(line)
    click.echo(f"Demo database: {demo_db}")
    _record_demo_database(config, demo_config.database.url)
    if not do_serve:
        return
    app = _make_app(demo_config)
    click.echo(f"Open http://127.0.0.1:{port}/ in your browser (Ctrl+C to stop).")
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)


def _record_demo_database(config: Config, url: str) -> None:
    """Write the demo's URL into the instance folder, so every later `voice` command uses it unless
    the configuration or VOICE_DATABASE_URL names a database; say which applies."""
    record = config.app.instance_path / DEMO_DATABASE_FILE
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(url + "\n", encoding="utf-8")
    if config.database_from == "config":
        click.echo(f"Your configuration names another database ({make_url_safe(config.database.url)}), which other voice "
                   "commands keep using; to use the demo with them, run this in your shell first:")
        click.echo(f"  export VOICE_DATABASE_URL={url}")
    else:
        click.echo(f"Every other voice command (ingest, briefing, export ...) now uses this demo database: {record} "
                   "says so. Delete that file, or set VOICE_DATABASE_URL, to use another.")


@main.command()
@click.argument("source", required=False)
@click.option("--all", "everything", is_flag=True, help="Run every file and REST source (a failing one does not stop the others).")
@click.option("--watch", is_flag=True, help="Keep watching SOURCE's drop folder and ingest each file once it has "
              "stopped changing (until Ctrl-C).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="With --watch: seconds between looks at the folder.")
@pass_context
def ingest(ctx: _Context, source: str | None, everything: bool, watch: bool, interval: float) -> None:
    """Pull new responses from SOURCE (or --all) into the store and print a run report.

    On a terminal a long run shows its progress (rows, rate, time left); otherwise it logs quietly.
    """
    from service.cli.ingest import run_ingest_command, sessions_for, watch_command

    if not source and not everything:
        raise click.UsageError("name a SOURCE (one of: " + ", ".join(s.key for s in ctx.config.sources) + ") or use --all")
    if watch:
        if everything or not source:
            raise click.UsageError("--watch takes one SOURCE (a file source), not --all")
        try:
            watch_command(sessions_for(ctx), ctx.config, source, interval)
        except (ConfigError, IngestError, DatabaseError) as error:
            raise click.ClickException(str(error)) from None
        return
    try:
        reports = run_ingest_command(sessions_for(ctx), ctx.config, None if everything else source)
    except (ConfigError, IngestError, DatabaseError) as error:
        raise click.ClickException(str(error)) from None
    for report in reports:
        click.echo(report.summary())
    if not reports:
        click.echo("Nothing new: no files waiting in the drop folders.")
    if any(r.status == "failed" for r in reports):
        sys.exit(1)


@main.command()
@click.option("--evaluate", is_flag=True, help="Also cross-validate the topic model and store the evaluation report.")
@pass_context
def analyse(ctx: _Context, evaluate: bool) -> None:
    """Run the analyses on stored responses: redaction, topics, themes, representativeness, weights."""
    from service.pipeline.weighting import run_analyses

    try:
        runs = run_analyses(ctx.sessions(), ctx.config, evaluate=evaluate, echo=click.echo)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    click.echo("Stored runs: " + ", ".join(f"{kind} {ids}" for kind, ids in runs.items()))


@main.group()
def user() -> None:
    """Manage staff accounts."""


@user.command("add")
@click.argument("email")
@click.option("--name", prompt=True, help="The person's name, as shown in the audit log.")
@click.option("--role", type=click.Choice(["admin", "analyst", "engagement", "viewer"]), default="admin",
              show_default=True, help="What the person may see and do.")
@click.password_option(help="At least 12 characters; prompted for when not given.")
@pass_context
def user_add(ctx: _Context, email: str, name: str, role: str, password: str) -> None:
    """Create a staff account (the first one should be an admin)."""
    from service.store.accounts import add_user

    try:
        with transaction(ctx.sessions()) as session:
            add_user(session, email, name, role, password)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} {email}.")


@main.command()
@pass_context
def scheduler(ctx: _Context) -> None:
    """Run the scheduled jobs (one scheduler process per deployment)."""
    from service.ops.scheduler import run_scheduler

    run_scheduler(ctx.config)


@main.group()
def safeguarding() -> None:
    """The safeguarding queue: e-mail about flags nobody has acknowledged in time."""


@safeguarding.command("alert")
@pass_context
def safeguarding_alert(ctx: _Context) -> None:
    """E-mail [safeguarding] alert_to about New flags older than alert_after_hours (each flag once)."""
    from service.ops.alerts import AlertError, send_overdue_alerts

    try:
        with transaction(ctx.sessions()) as session:
            result = send_overdue_alerts(session, ctx.config.safeguarding, ctx.config.mail,
                                         _queue_url(ctx.config))
    except AlertError as error:
        raise click.ClickException(str(error)) from None
    click.echo(result.summary())


def _queue_url(config: Config) -> str:
    return f"{config.form.public_url}/review/safeguarding" if config.form.public_url else ""


from service.cli.classify import classify  # noqa: E402  (kept apart: the nlp command needs no database)

main.add_command(classify)

from service.cli.api_tokens import api_token  # noqa: E402  (dashboard/API: tokens for partner systems)

main.add_command(api_token)

from service.cli.ingest import quarantine  # noqa: E402  (connectors: voice quarantine list|show|fix|retry)

main.add_command(quarantine)

from service.cli.weights import weights  # noqa: E402  (file-in/file-out weighting: voice weights rake|poststratify|report)

main.add_command(weights)

from service.cli.trust import COMMANDS as _TRUST_COMMANDS  # noqa: E402  (issue 8: retention, erase, backup, restore)

for _command in _TRUST_COMMANDS:
    main.add_command(_command)

from service.cli.reports import briefing, export  # noqa: E402  (issue 7: voice briefing, voice export sna)

main.add_command(briefing)
main.add_command(export)

from service.cli.sources import sources  # noqa: E402  (issue 16 part 7: voice sources check|suggest)

main.add_command(sources)
