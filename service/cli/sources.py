"""``voice sources check FILE --source KEY`` and ``voice sources suggest FILE``: try an export, store nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ingest import IngestError
from service.config import ConfigError


@click.group()
def sources() -> None:
    """Check a sample export against a source's mapping, or suggest a mapping for a new one."""


@sources.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "key", required=True, help="The configured source whose mapping the file should fit.")
@click.pass_obj
def sources_check(ctx: Any, file: Path, key: str) -> None:
    """Read FILE with source KEY's mapping and list every problem by row and field; nothing is stored."""
    from service.pipeline.source_checks import check_sample

    try:
        source = ctx.config.source(key)
        lines = check_sample(file, source, ctx.config.app.borough, str(ctx.config.source_file))
    except (ConfigError, IngestError) as error:  # a file that cannot be read: one line, exit code 1
        raise click.ClickException(str(error)) from None
    click.echo(f"{file} against [sources.{key}]:")
    for line in lines:
        click.echo(line)


@sources.command("suggest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def sources_suggest(ctx: Any, file: Path) -> None:
    """Suggest a [sources.KEY] mapping for FILE (columns, question types, demographic codes); nothing is stored."""
    from service.pipeline.source_checks import suggest_for_sample

    try:
        borough = ctx.config.app.borough  # its wards let suggest find a ward column by its answers
    except ConfigError as error:  # a configuration being written may not load yet: suggest without wards
        click.echo(f"(the configuration does not load, so ward names are not recognised: {error})", err=True)
        borough = ""
    lines = suggest_for_sample(file, borough)
    click.echo(f"Suggested mapping for {file}:")
    for line in lines:
        click.echo(line)
