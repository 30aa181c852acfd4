"""``voice classify``: code a CSV of free text offline (no database) with the nlp package."""

from __future__ import annotations

import logging
from pathlib import Path

import click

logger = logging.getLogger(__name__)

DEFAULT_CACHE = Path("instance") / "nlp-models"


@click.command("classify")
@click.argument("input_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-column", default="text", show_default=True, help="Column holding the free text.")
@click.option("--out", "output_csv", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV to write: the input rows plus topics, redacted_text, safeguarding and is_english.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where a model trained on first use is kept (default: the instance folder's nlp-models, "
                   "or ./instance/nlp-models without a configuration).")
@click.option("--training-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Labelled CSV (text, topics, voice) to train on instead of the bundled training set.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed used when training a model.")
@click.pass_context
def classify(ctx: click.Context, input_csv: Path, text_column: str, output_csv: Path, cache_dir: Path | None,
             training_file: Path | None, seed: int) -> None:
    """Add topics, redacted text and safeguarding flags to every row of INPUT_CSV.

    Uses the shipped topic model, or trains one from the bundled training set on first use and caches it.
    """
    import pandas as pd  # here, not at the top: `voice --help` must not load pandas, scikit-learn or spaCy

    from nlp import TopicError, load_or_train_model
    from nlp.analyse import analyse_texts
    from service.reports.cells import defuse_frame

    frame = pd.read_csv(input_csv, dtype=str, keep_default_na=False, encoding_errors="replace")
    if text_column not in frame.columns:
        raise click.ClickException(f"{input_csv} has no column {text_column!r}; columns are "
                                   f"{', '.join(map(repr, frame.columns))}. Pass --text-column.")
    try:
        model = load_or_train_model(cache_dir or _default_cache(ctx), training_path=training_file, random_state=seed)
    except TopicError as error:
        raise click.ClickException(str(error)) from None
    results = analyse_texts(frame[text_column].tolist(), model)
    out = frame.copy()
    out["topics"] = [";".join(result.topics) for result in results]
    out["redacted_text"] = [result.redaction.text for result in results]
    out["safeguarding"] = [result.safeguarding.label for result in results]
    out["is_english"] = [str(result.prepared.is_english).lower() for result in results]
    output_csv.parent.mkdir(parents=True, exist_ok=True)
    defuse_frame(out).to_csv(output_csv, index=False)
    n_flagged = sum(result.safeguarding.is_flagged for result in results)
    click.echo(f"Classified {len(out)} rows with model {model.version_}; {n_flagged} flagged for safeguarding "
               f"review. Wrote {output_csv}.")


def _default_cache(ctx: click.Context) -> Path:
    """The configured instance folder's ``nlp-models``, or ``./instance/nlp-models`` without a configuration."""
    holder = ctx.find_root().obj
    try:
        return Path(holder.config.app.instance_path) / "nlp-models"
    except (AttributeError, click.ClickException):
        return DEFAULT_CACHE
