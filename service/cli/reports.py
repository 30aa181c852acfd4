"""``voice briefing`` and ``voice export sna``: quarterly briefings and the SNA Theme 6 export (issue 7)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from service.store.db import (
    DatabaseError,
    catch_database_stop,
    make_engine,
    make_session_factory,
    transaction,
)


def _write(output, out: str, archived_as: int | None) -> None:  # noqa: ANN001
    target = Path(out)
    try:
        if output.format == "csv" and target.suffix.lower() != ".zip":
            import io
            import zipfile

            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(io.BytesIO(output.content)) as bundle:
                for member in bundle.infolist():  # our own flat member names (workbook.csv_members)
                    _write_whole(target / Path(member.filename).name, bundle.read(member))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_whole(target, output.content)
    except OSError as error:
        kept = (f"the export is in the archive as report file {archived_as} (download it from /briefings/)"
                if archived_as is not None else "nothing was written")
        raise click.ClickException(f"could not write {target}: {error.strerror or error}; {kept}") from None
    click.echo(f"Wrote {target} ({len(output.content):,} bytes); input fingerprint {output.fingerprint[:16]}.")


def _write_whole(target: Path, content: bytes) -> None:
    """Write to a temporary file beside ``target``, then rename it: a failed write leaves no half file."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with temporary.open("wb") as handle:
            handle.write(content)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _run(ctx, make, out: str, no_archive: bool) -> None:  # noqa: ANN001
    from service.reports.generate import archive, record_output

    engine = make_engine(ctx.config.database.url)
    try:
        with catch_database_stop("the export", "nothing was archived or written; run it again when the database is back"), \
                transaction(make_session_factory(engine)) as session:
            output = make(session)
            if not no_archive:
                row = archive(session, output, "cli")
                record_output(session, row, "system")
        if not no_archive:
            click.echo(f"Archived as report file {row.id}.")
    except (DatabaseError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    _write(output, out, None if no_archive else row.id)


@click.command("briefing")
@click.option("--quarter", required=True, help="Calendar quarter to brief on, e.g. 2024Q1.")
@click.option("--ward", default=None, help="Only respondents living in (or QR sites in) this 2022 ward code, e.g. E05013983.")
@click.option("--youth", is_flag=True, help="Young people's focus: only respondents aged up to [reports] youth_max_age.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "html"]), default="pdf", show_default=True,
              help="Output format.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--no-archive", is_flag=True, help="Do not keep a copy in the archive on the staff pages.")
@click.pass_obj
def briefing(ctx, quarter: str, ward: str | None, youth: bool, fmt: str, out: str, no_archive: bool) -> None:
    """Write the quarterly briefing for the police-led community meeting."""
    from service.reports.generate import make_briefing

    if not re.fullmatch(r"\d{4}Q[1-4]", quarter):
        raise click.BadParameter(f"{quarter!r} is not a quarter; write it like 2024Q1", param_hint="--quarter")
    _run(ctx, lambda session: make_briefing(session, ctx.config, quarter, ward, youth, fmt), out, no_archive)


@click.group("export")
def export() -> None:
    """Exports for analysts."""


@export.command("sna")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="Year of the needs assessment, e.g. 2023.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "sav", "docx", "md"]), default="xlsx", show_default=True,
              help="xlsx workbook, csv bundle (a .zip, or a folder when PATH does not end .zip), labelled SPSS .sav, "
                   "or the narrative draft as docx or md.")
@click.option("--out", required=True, type=click.Path(), help="File (or folder, for csv) to write.")
@click.option("--no-archive", is_flag=True, help="Do not keep a copy in the archive on the staff pages.")
@click.pass_obj
def export_sna(ctx, year: int, fmt: str, out: str, no_archive: bool) -> None:
    """Write the Strategic Needs Assessment Theme 6 "Community Voice" export for a year."""
    from service.reports.generate import make_sna

    _run(ctx, lambda session: make_sna(session, ctx.config, year, fmt), out, no_archive)
