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
@click.option("--model", "model_name", type=click.Choice(["minilm", "tfidf"]), default=None,
              help="Topic model: the shipped MiniLM sentence-embedding model (the default), or TF-IDF trained on "
                   "first use (the default when --training-file is given).")
@click.option("--training-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Labelled CSV (text, topics, voice) to train the TF-IDF model on instead of the bundled training set.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed used when training the TF-IDF model.")
@click.option("--coder", type=click.Choice(["builtin", "chat"]), default="builtin", show_default=True,
              help="Who assigns topics: the built-in model, or the council's own language-model endpoint "
                   "([nlp.llm] in config.toml; only redacted text is sent).")
@click.option("--evaluate", is_flag=True,
              help="Compare the coders with reviewers' topics in the input's 'topics' column (';'-separated): "
                   "per-topic F1 with its n and a 95%% interval, for the built-in model and (with --coder chat) "
                   "the chat coder.")
@click.option("--realtext", "realtext_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --evaluate: also compare the keyword, TF-IDF and MiniLM models on the held-out real comments "
                   "in DIR/comments.csv and on the synthetic test set.")
@click.pass_context
def classify(ctx: click.Context, input_csv: Path, text_column: str, output_csv: Path, cache_dir: Path | None,
             model_name: str | None, training_file: Path | None, seed: int, coder: str, evaluate: bool,
             realtext_dir: Path | None) -> None:
    """Add topics, redacted text and safeguarding flags to every row of INPUT_CSV.

    Uses the shipped MiniLM topic model, or (--model tfidf) a TF-IDF model trained from the bundled
    training set on first use and cached. Safeguarding flags and redaction never depend on the chat endpoint.
    """
    import pandas as pd  # here, not at the top: `voice --help` must not load pandas, scikit-learn or spaCy

    from nlp.analyse import analyse_texts
    from service.reports.cells import defuse_frame

    if realtext_dir is not None and not evaluate:
        raise click.ClickException("--realtext is only used with --evaluate.")
    frame = pd.read_csv(input_csv, dtype=str, keep_default_na=False, encoding_errors="replace")
    if text_column not in frame.columns:
        raise click.ClickException(f"{input_csv} has no column {text_column!r}; columns are "
                                   f"{', '.join(map(repr, frame.columns))}. Pass --text-column.")
    if evaluate and realtext_dir is None and "topics" not in frame.columns:
        raise click.ClickException(f"--evaluate needs reviewers' topics in a 'topics' column of {input_csv} "
                                   f"(or --realtext DIR); its columns are {', '.join(map(repr, frame.columns))}.")
    model = _load_model(ctx, model_name, training_file, seed, cache_dir)
    if evaluate and realtext_dir is not None:
        _print_model_comparison(realtext_dir)
    evaluate = evaluate and "topics" in frame.columns
    results = analyse_texts(frame[text_column].tolist(), model)
    out = frame.copy()
    if evaluate:
        out = out.rename(columns={"topics": "reviewer_topics"})
    builtin_topics = [list(result.topics) for result in results]
    out["topics"] = [";".join(topics) for topics in builtin_topics]
    if coder == "chat":
        chat = _code_with_chat(ctx, model, [result.redaction.text for result in results], cache_dir)
        out["topics"] = [";".join(c.topics) for c in chat]
        out["coder"] = [c.coder for c in chat]
        out["coder_model"] = [c.model for c in chat]
        out["prompt_version"] = [c.prompt_version for c in chat]
        out["codeframe_version"] = [c.codeframe_version for c in chat]
        out["coder_note"] = [c.note for c in chat]
    if evaluate:
        _print_agreement(frame["topics"].tolist(), builtin_topics, out["topics"].tolist() if coder == "chat" else None)
    out["redacted_text"] = [result.redaction.text for result in results]
    out["safeguarding"] = [result.safeguarding.label for result in results]
    out["is_english"] = [str(result.prepared.is_english).lower() for result in results]
    output_csv.parent.mkdir(parents=True, exist_ok=True)
    defuse_frame(out).to_csv(output_csv, index=False)
    n_flagged = sum(result.safeguarding.is_flagged for result in results)
    click.echo(f"Classified {len(out)} rows with model {model.version_}; {n_flagged} flagged for safeguarding "
               f"review. Wrote {output_csv}.")


def _load_model(ctx: click.Context, model_name: str | None, training_file: Path | None, seed: int,
                cache_dir: Path | None):
    """The chosen topic model: MiniLM unless --model tfidf or a --training-file (which trains TF-IDF) is given."""
    from nlp import TopicError, load_or_train_model
    from nlp.training import load_shipped_sentence_model

    if model_name is None:
        model_name = "tfidf" if training_file is not None else "minilm"
    if model_name == "minilm" and training_file is not None:
        raise click.ClickException("--training-file trains a TF-IDF model; use it with --model tfidf "
                                   "(the MiniLM model is shipped ready-trained; retrain it with python -m nlp.training).")
    try:
        if model_name == "minilm":
            return load_shipped_sentence_model()
        return load_or_train_model(cache_dir or _default_cache(ctx), training_path=training_file, random_state=seed)
    except TopicError as error:  # ModelError (missing or altered weights) is one
        raise click.ClickException(str(error)) from None


def _print_model_comparison(realtext_dir: Path) -> None:
    """Print keyword, TF-IDF and MiniLM scores on the held-out real comments and the synthetic test set."""
    from nlp import TopicError
    from nlp.evaluate import compare_standard_models, format_comparison

    if not (realtext_dir / "comments.csv").is_file():
        raise click.ClickException(f"--realtext {realtext_dir}: there is no comments.csv in that folder.")
    try:
        results, n_training = compare_standard_models(realtext_dir)
    except (TopicError, ValueError) as error:
        raise click.ClickException(f"--realtext {realtext_dir}: {error}") from None
    click.echo(f"Keyword, TF-IDF and MiniLM models (trained on the {n_training} bundled texts):\n")
    click.echo(format_comparison(results))


def _code_with_chat(ctx: click.Context, model, redacted: list[str], cache_dir: Path | None) -> list:
    """Code already-redacted texts with the configured chat endpoint, the built-in model as fallback."""
    from nlp import BuiltinCoder, load_codeframe
    from service.config import ConfigError
    from service.pipeline.coders import make_chat_coder

    holder = ctx.find_root().obj
    config = holder.config
    sent: list = []

    def show(progress) -> None:
        cost = f", about £{progress.estimated_cost:.2f}" if progress.estimated_cost else ""
        click.echo(f"\rchat coder: {progress.done:,}/{progress.total:,} comments, {progress.tokens_per_second:,.0f} "
                   f"tokens/s{cost}", err=True, nl=progress.done == progress.total)

    try:
        chat = make_chat_coder(config, BuiltinCoder(model, load_codeframe()),
                               cache_path=(cache_dir or _default_cache(ctx)) / "chat-answers.json",
                               on_batch=sent.append, on_progress=show)
    except (ConfigError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    coded = chat.code(redacted)
    _audit_batches(holder, sent)
    n_fallback = sum(c.coder != "chat" for c in coded)
    click.echo(f"Chat coder ({chat.settings.model} at {chat.settings.host}, prompt {chat.prompt.version}): "
               f"{len(sent)} requests; {n_fallback} of {len(coded)} comments left to the built-in model"
               + (f" ({coded[[c.coder for c in coded].index('builtin')].note})" if n_fallback else "") + ".")
    return coded


def _audit_batches(holder, sent: list) -> None:
    """Write one audit event per request to the configured database, or say why it could not be."""
    from service.pipeline.coders import audit_batch

    if not sent:
        return
    from service.store.db import make_engine, make_session_factory

    try:
        engine = make_engine(holder.config.database.url)
        try:
            factory = make_session_factory(engine)
            for batch in sent:
                audit_batch(factory, batch)
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 - the coding itself succeeded; say so and go on
        logger.warning("could not write the %d chat requests to the audit log: %s", len(sent), error)
        click.echo(f"Warning: {len(sent)} requests to the endpoint were not written to the audit log "
                   f"({type(error).__name__}); run `voice db upgrade` for the configured database.", err=True)


def _print_agreement(gold_cells: list[str], builtin: list[list[str]], chat: list[str] | None) -> None:
    from nlp import compare_coders, load_codeframe

    gold = [[t for t in str(cell).split(";") if t] for cell in gold_cells]
    predictions = {"built-in model": builtin}
    if chat is not None:
        predictions["chat coder"] = [[t for t in cell.split(";") if t] for cell in chat]
    for comparison in compare_coders(gold, predictions, load_codeframe().ids):
        click.echo(comparison.to_text())


def _default_cache(ctx: click.Context) -> Path:
    """The configured instance folder's ``nlp-models``, or ``./instance/nlp-models`` without a configuration."""
    holder = ctx.find_root().obj
    try:
        return Path(holder.config.app.instance_path) / "nlp-models"
    except (AttributeError, click.ClickException):
        return DEFAULT_CACHE
