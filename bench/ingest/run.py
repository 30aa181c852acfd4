"""Benchmark: ingest a survey CSV (30 columns, 2 free-text) through the file connector, against
pandas.read_csv + DataFrame.to_sql on the same file in the same run.

Each measurement runs in its own process, so peak memory (ru_maxrss) is that of one case alone.

    /work/venv/bin/python bench/ingest/run.py --rows 100000 1000000 --databases sqlite postgresql

"Ours" is `voice ingest`: storing (redaction and the safeguarding rules in the storing transaction),
then the trained disclosure detector on the texts stored (``screen_pending_texts``); both rates are
printed, and the peak while storing (before the detector is loaded) beside the whole peak.
``--skip-detector`` stores only (a memory check of the storing path at many rows).

PostgreSQL: --pg-url (default postgresql+psycopg://postgres@127.0.0.1:5432/test); each case gets
its own schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SCALE = ("Very unsafe", "Fairly unsafe", "Neither", "Fairly safe", "Very safe")
QUESTIONS = [f"Q{i:02d} How safe do you feel at place {i}?" for i in range(1, 10)] + \
            [f"Q{i:02d} How much do you agree with statement {i}?" for i in range(10, 19)]
TEXTS = ["What would make you feel safer?", "Anything else you would like to tell us?"]
HEADER = ["Respondent ID", "Date submitted", "Survey", "I agree to my answers being used", "Age group", "Sex",
          "Gender same as at birth", "Ethnic group", "Ward", "Postcode", *QUESTIONS, *TEXTS]
WORDS = ("more", "police", "lighting", "patrols", "on", "the", "high", "street", "at", "night", "buses", "cctv",
         "youth", "clubs", "park", "station", "safer", "people", "feel", "knife", "crime", "near", "school")


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A synthetic export with ``rows`` responses and 1 in 1,000 ids repeated (deduplication)."""
    rng = random.Random(seed)
    wards = ("Cranham", "Upminster", "Emerson Park", "Hacton", "Gooshays", "Heaton", "Elm Park", "Mawneys")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            ident = i - 1 if i % 1000 == 999 else i
            writer.writerow([
                f"R{ident:07d}", f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2023 {rng.randint(7, 22):02d}:15",
                "2023", "Yes", rng.choice(("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Prefer not to say")),
                rng.choice(("Female", "Male", "Prefer not to say")), "Yes",
                rng.choice(("White British", "Indian", "Black African", "Mixed other", "Prefer not to say")),
                rng.choice(wards), f"RM{rng.randint(1, 14)}",
                *(rng.randint(1, 5) for _ in QUESTIONS[:9]), *(rng.choice(SCALE) for _ in QUESTIONS[9:]),
                " ".join(rng.choices(WORDS, k=rng.randint(5, 30))), " ".join(rng.choices(WORDS, k=rng.randint(0, 15))),
            ])


def bench_config(url: str, folder: Path):
    """The shipped configuration plus a source ``bench`` mapping every column of the file."""
    from ingest import QuestionSpec, SourceMapping
    from service.config import SourceConfig, load_config

    questions = tuple(QuestionSpec(f"q{i + 1:02d}", column, "scale", minimum=1, maximum=5) for i, column in enumerate(QUESTIONS[:9]))
    questions += tuple(QuestionSpec(f"q{i + 10:02d}", column, "single_choice", options=SCALE) for i, column in enumerate(QUESTIONS[9:]))
    questions += tuple(QuestionSpec(f"t{i + 1}", column, "free_text") for i, column in enumerate(TEXTS))
    mapping = SourceMapping(id_column="Respondent ID", submitted_at="Date submitted", wave_column="Survey",
                            consent_column="I agree to my answers being used", age_band_column="Age group",
                            age_bands=("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"), sex_column="Sex",
                            gender_identity_column="Gender same as at birth", ethnicity_column="Ethnic group",
                            ward_column="Ward", postcode_column="Postcode", min_age=16, questions=questions)
    source = SourceConfig(key="bench", name="Benchmark survey", kind="file", description="", min_age=16, max_age=None,
                          schedule="", path=folder, url="", token_env="", secret_env="", mapping=mapping)
    base = load_config(ROOT / "config.toml", environ={})
    return replace(base, database=replace(base.database, url=url), sources=(*base.sources, source))


def run_ours(url: str, path: Path, detector: bool = True) -> dict:
    """Our connector: stream, validate, map, deduplicate and upsert (the same code as `voice ingest`)."""
    from service.pipeline.ingest_runs import ingest_file, register_sources
    from service.store.db import make_engine, make_session_factory, upgrade

    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    config = bench_config(url, path.parent)
    register_sources(factory, config)
    started = time.perf_counter()
    report = ingest_file(factory, config, config.source("bench"), path)
    stored = time.perf_counter() - started
    stored_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the detector is loaded
    # As `voice ingest` does next: the trained detector reads the texts stored with the rules only.
    from service.pipeline.text_runs import screen_pending_texts

    screened = screen_pending_texts(factory) if detector else None
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "stored_seconds": stored, "stored_peak_mb": stored_peak, "n_model": screened.n_screened if screened else 0, "model_flags": screened.n_flagged if screened else 0,
            "status": report.status, "new": report.n_new, "duplicate": report.n_duplicate,
            "quarantined": report.n_quarantined, "errors": report.errors[:1]}


def run_baseline(url: str, path: Path) -> dict:
    """The baseline: pandas.read_csv of the whole file, then DataFrame.to_sql into one table."""
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url)
    started = time.perf_counter()
    frame = pd.read_csv(path)
    frame.to_sql("baseline_import", engine, if_exists="replace", index=False, chunksize=10_000)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "rows": len(frame)}


def one_case(args: argparse.Namespace) -> None:
    """Run one case in this process and print its figures as JSON."""
    path = Path(args.file)
    url = args.url
    result = run_ours(url, path, not args.skip_detector) if args.case == "ours" else run_baseline(url, path)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _database(kind: str, folder: Path, pg_url: str) -> tuple[str, object]:
    if kind == "sqlite":
        db = folder / f"{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{db}", None
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{pg_url}?options=-csearch_path%3D{schema}", (admin, schema)


def _drop(handle: object) -> None:
    if handle is None:
        return
    from sqlalchemy import text

    admin, schema = handle
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main() -> None:
    """Generate each file once, then time both cases on each database, each in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000], help="rows per file")
    parser.add_argument("--databases", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-detector", action="store_true",
                        help="store only (rules screen), leaving texts pending: a memory check of the storing path")
    parser.add_argument("--case", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        return one_case(args)
    print("| rows | file | database | baseline rows/s | baseline peak MB | ours rows/s (stored and fully screened) | "
          "ours rows/s (stored, rules screen) | ours peak MB (while storing) | ours / baseline | stored / baseline | outcome |")
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        folder = Path(tmp)
        for rows in args.rows:
            path = folder / f"survey_{rows}.csv"
            write_csv(path, rows)
            size = path.stat().st_size / 1e6
            for kind in args.databases:
                figures = {}
                for case in ("baseline", "ours"):
                    url, handle = _database(kind, folder, args.pg_url)
                    try:
                        extra = ["--skip-detector"] if args.skip_detector else []
                        out = subprocess.run([sys.executable, __file__, "--case", case, "--file", str(path), "--url", url, *extra],
                                             check=True, capture_output=True, text=True).stdout
                    finally:
                        _drop(handle)
                    figures[case] = json.loads(out.strip().splitlines()[-1])
                ours, base = figures["ours"], figures["baseline"]
                stored = ours.get("stored_seconds", ours["seconds"])
                print(f"| {rows:,} | {size:.0f} MB | {kind} | {rows / base['seconds']:,.0f} | {base['peak_mb']:,.0f} | "
                      f"{rows / ours['seconds']:,.0f} | {rows / stored:,.0f} | {ours['peak_mb']:,.0f} ({ours.get('stored_peak_mb', 0):,.0f}) | "
                      f"{base['seconds'] / ours['seconds']:.3f} | {base['seconds'] / stored:.3f} | "
                      f"{ours['status']}: new {ours['new']:,}, duplicate {ours['duplicate']:,}, quarantined {ours['quarantined']:,}; "
                      f"detector read {ours.get('n_model', 0):,}, flagged {ours.get('model_flags', 0):,} |", flush=True)


if __name__ == "__main__":
    main()
