"""``voice weights rake|poststratify|report``: file-in/file-out weighting for analysts.

General tools: they work on whatever variables and level labels the files use. RESPONDENTS
has an ``id`` column and one column per variable (blank or ``not_stated`` = missing);
MARGINS is long format ``variable,level,population``; CELLS has one column per variable plus
``population``. WEIGHTS is written as ``id,weight`` and sums to the population total.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pandas and weights (SciPy) load when a command runs, so `--help` stays quick
    import pandas as pd

    from weights import PostStratResult, RakeResult

logger = logging.getLogger(__name__)

POLICIES = {
    "margin": "respondents lacking a variable keep a weight: they are left out of that variable's adjustment, "
              "and its population shares are applied to those who stated it (the default)",
    "drop": "respondents lacking any variable are left out of the output (complete cases, as R's survey does)",
    "error": "stop if any respondent lacks a variable",
}
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = click.Path(dir_okay=False, path_type=Path)


def _read_respondents(path: Path, id_column: str) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if id_column not in frame.columns:
        raise click.ClickException(f"{path} has no {id_column!r} column; columns are {list(frame.columns)!r}. "
                                   "Pass --id-column.")
    return frame


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _write(result: RakeResult | PostStratResult, frame: pd.DataFrame, id_column: str, out: Path) -> None:
    import pandas as pd

    kept = result.weights.notna()
    pd.DataFrame({"id": frame.loc[kept, id_column], "weight": result.weights[kept]}).to_csv(out, index=False)
    diag = result.diagnostics
    click.echo(f"Wrote {int(kept.sum())} weights to {out} (total {result.weights.sum():,.2f}); "
               f"{result.n_dropped} respondent(s) left out for missing demographics.")
    if diag is not None:
        click.echo(f"Design effect {diag.design_effect:.3f}, effective n {diag.effective_n:,.1f}, weights "
                   f"{diag.min:.4g} to {diag.max:.4g} (CV {diag.cv:.3f}, max/mean {diag.max_ratio:.2f}).")
    missing = {v: n for v, n in result.n_missing.items() if n}
    if missing:
        click.echo(f"Missing values per variable: {missing}")


def _limits(command):  # type: ignore[no-untyped-def]
    """The when-not-to-weight options (issue 20.8), shared by rake and poststratify."""
    for option in reversed((
        click.option("--max-design-effect", type=float, default=3.0, show_default=True,
                     help="Warn when the weights' Kish design effect is above this."),
        click.option("--max-weight", type=float, default=10.0, show_default=True,
                     help="Warn when a weight is above this multiple of the mean weight."),
        click.option("--min-cell", type=int, default=10, show_default=True,
                     help="Warn where a margin level (post-stratification: a cell) has fewer respondents; refuse a "
                          "sample with fewer respondents in all."),
        click.option("--strict", is_flag=True, help="Refuse (write nothing) instead of warning when a limit is passed."),
    )):
        command = option(command)
    return command


def _check_limits(result: RakeResult | PostStratResult, max_design_effect: float, max_weight: float, min_cell: int,
                  strict: bool) -> None:
    """Refuse a sample too small to weight; warn about (with ``--strict`` refuse) weights past the limits."""
    from weights import assess_weighting

    n = int(result.weights.notna().sum())
    if n < min_cell:
        raise click.ClickException(f"not weighted: {n} respondent(s) are too few to weight (at least {min_cell}, "
                                   "--min-cell). Nothing was written.")
    verdict = assess_weighting(result, max_design_effect=max_design_effect, max_weight=max_weight, min_cell=min_cell)
    if verdict.is_ok:
        return
    if strict:
        raise click.ClickException(f"{verdict.message} Nothing was written (--strict).")
    click.echo(f"Warning: {verdict.message} Figures from these weights lean on few respondents; pages of the service "
               "would show them unweighted.", err=True)


@click.group("weights")
def weights() -> None:
    """Weight respondents to population margins or cells, and report representativeness."""


@weights.command("rake")
@click.argument("respondents", type=_FILE)
@click.option("--margins", "margins_path", required=True, type=_FILE,
              help="Long-format CSV with columns variable,level,population.")
@click.option("--out", required=True, type=_OUT, help="CSV to write with columns id,weight.")
@click.option("--vars", "variables", default=None, help="Comma-separated variables to rake on (default: all in "
              "the margins file).")
@click.option("--missing", type=click.Choice(list(POLICIES)), default="margin", show_default=True,
              help="Policy for respondents lacking a variable.")
@click.option("--cap", type=float, default=None, help="Keep every weight at most RATIO times the mean weight, "
              "re-raking so the margins still hold (bounded raking; needs --missing drop or error).")
@click.option("--tol", type=float, default=1e-10, show_default=True, help="Largest relative margin gap accepted.")
@click.option("--max-iter", type=int, default=1000, show_default=True, help="Most raking sweeps.")
@click.option("--id-column", default="id", show_default=True, help="Respondent identifier column.")
@_limits
def rake_command(respondents: Path, margins_path: Path, out: Path, variables: str | None, missing: str,
                 cap: float | None, tol: float, max_iter: int, id_column: str, max_design_effect: float,
                 max_weight: float, min_cell: int, strict: bool) -> None:
    """Rake RESPONDENTS to the margins in MARGINS and write WEIGHTS."""
    from weights import WeightingError, rake, rake_bounded, read_margins

    click.echo(f"Missing demographics policy: {missing}: {POLICIES[missing]}.")
    frame = _read_respondents(respondents, id_column)
    try:
        margins = read_margins(margins_path)
        for caveat in margins.caveats:
            click.echo(f"Note: {caveat}")
        if cap is not None:
            if missing == "margin":
                raise click.ClickException("--cap needs --missing drop or --missing error")
            result = rake_bounded(frame, margins, (0.0, cap), _split(variables), tol=tol, max_iter=max_iter,
                                  missing=missing)
            click.echo(f"Capped at {cap:g} x mean weight: {result.n_at_bounds} weight(s) at the cap.")
        else:
            result = rake(frame, margins, _split(variables), tol=tol, max_iter=max_iter, missing=missing)
    except (WeightingError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Raking converged after {result.n_iter} iteration(s); largest margin gap {result.max_gap:.2e}.")
    _check_limits(result, max_design_effect, max_weight, min_cell, strict)
    _write(result, frame, id_column, out)


@weights.command("poststratify")
@click.argument("respondents", type=_FILE)
@click.option("--cells", "cells_path", required=True, type=_FILE,
              help="CSV with one column per variable plus population.")
@click.option("--out", required=True, type=_OUT, help="CSV to write with columns id,weight.")
@click.option("--missing", type=click.Choice(list(POLICIES)), default="margin", show_default=True,
              help="Policy for respondents lacking a variable.")
@click.option("--min-respondents", type=int, default=1, show_default=True,
              help="Cells with fewer respondents are merged into a neighbouring cell (0: never merge).")
@click.option("--id-column", default="id", show_default=True, help="Respondent identifier column.")
@_limits
def poststratify_command(respondents: Path, cells_path: Path, out: Path, missing: str, min_respondents: int,
                         id_column: str, max_design_effect: float, max_weight: float, min_cell: int,
                         strict: bool) -> None:
    """Post-stratify RESPONDENTS to the joint cells in CELLS and write WEIGHTS."""
    import pandas as pd

    from weights import WeightingError, poststratify
    click.echo(f"Missing demographics policy: {missing}: {POLICIES[missing]}.")
    frame = _read_respondents(respondents, id_column)
    cells = pd.read_csv(cells_path, dtype=str, keep_default_na=False)
    try:
        result = poststratify(frame, cells, missing=missing, min_respondents=min_respondents)
    except WeightingError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in result.collapsed.itertuples(index=False):
        click.echo(f"Collapsed: {row.cell} (n={row.n}) merged with {row.merged_with} along {row.along}.")
    _check_limits(result, max_design_effect, max_weight, min_cell, strict)
    _write(result, frame, id_column, out)


@weights.command("report")
@click.argument("respondents", type=_FILE)
@click.option("--margins", "margins_path", required=True, type=_FILE,
              help="Long-format CSV with columns variable,level,population.")
@click.option("--vars", "variables", default=None, help="Comma-separated variables (default: every margin "
              "variable present in RESPONDENTS).")
@click.option("--csv", "table_out", type=_OUT, default=None, help="Also write the full table to this CSV.")
def report_command(respondents: Path, margins_path: Path, variables: str | None, table_out: Path | None) -> None:
    """Print who answered versus who lives here, per variable."""
    import pandas as pd

    from weights import WeightingError, compare_to_census, read_margins
    frame = pd.read_csv(respondents, dtype=str, keep_default_na=False, na_values=[""])
    try:
        result = compare_to_census(frame, read_margins(margins_path), _split(variables))
    except (WeightingError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    for dim in result.dimensions:
        click.echo(f"\n{dim.variable}: {dim.n_stated} stated, {dim.n_not_stated} not stated; "
                   f"dissimilarity {dim.dissimilarity:.3f}; chi-square {dim.chi_square:.2f} "
                   f"(df {dim.degrees_of_freedom}, p={dim.p_value:.3g})")
        shown = dim.table[["level", "n", "base_n", "sample_pct", "population_pct", "representation_index",
                           "responses_needed"]]
        click.echo(shown.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
        for line in dim.summary:
            click.echo(f"  {line}")
    if result.r_indicator is not None:
        click.echo(f"\nR-indicator {result.r_indicator:.3f} (propensity CV {result.propensity_cv:.3f})")
    for note in (*result.notes, *result.caveats):
        click.echo(f"Note: {note}")
    if table_out is not None:
        result.to_frame().to_csv(table_out, index=False)
