"""Where an ingest run spends its time: wall-clock seconds per stage of `ingest_file`, for one CSV.

    /work/venv/bin/python bench/ingest/stages.py --rows 100000 [--url postgresql+psycopg://...]

Each stage is timed by wrapping the function that does it (no profiler, so C calls and Python
calls cost what they cost in a normal run). What is not inside a wrapped stage (reading and
parsing the CSV, building rows for the inserts, the id look-ups) is reported as "the rest".
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

STAGES = {
    "service.pipeline.ingest_runs": {"map_checked": "mapping and validation (per row)"},
    "service.pipeline.bulk_screen": {"screen_text": "intake screen of each free text (redaction, safeguarding rules)"},
    "service.store.responses": {"_insert_converted": "INSERT responses (executemany, with JSON and time conversion)",
                      "_insert_plain": "INSERT answers and free texts (executemany or COPY)"},
}


def main() -> None:
    """Time one run of our connector on a generated file, by stage."""
    import importlib

    import run as bench  # bench/ingest/run.py: the same file and configuration as the throughput benchmark
    from sqlalchemy.orm import Session

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    spent: collections.Counter[str] = collections.Counter()

    def timed(module, name: str, label: str) -> None:
        inner = getattr(module, name)

        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return inner(*a, **k)
            finally:
                spent[label] += time.perf_counter() - started
        setattr(module, name, wrapper)

    for module_name, functions in STAGES.items():
        module = importlib.import_module(module_name)
        for name, label in functions.items():
            timed(module, name, label)
    timed(Session, "commit", "COMMIT of each batch")

    with tempfile.TemporaryDirectory(prefix="bench_stages_") as tmp:
        folder = Path(tmp)
        path = folder / "survey.csv"
        bench.write_csv(path, args.rows)
        url, handle = bench._database("sqlite", folder, "") if args.url is None else bench._database("postgresql", folder, args.url)
        try:
            from service.pipeline.ingest_runs import ingest_file, register_sources
            from service.store.db import make_engine, make_session_factory, upgrade

            engine = make_engine(url)
            upgrade(engine)
            factory = make_session_factory(engine)
            config = bench.bench_config(url, folder)
            register_sources(factory, config)
            spent.clear()
            started = time.perf_counter()
            report = ingest_file(factory, config, config.source("bench"), path)
            stored = time.perf_counter() - started
            from service.pipeline.text_runs import screen_pending_texts

            commits = spent["COMMIT of each batch"]
            detector = screen_pending_texts(factory)
            total = time.perf_counter() - started
            spent["COMMIT of each batch"] = commits  # the detector step's own commits are inside its line
            spent["trained detector on the stored texts, then flags (screen_pending_texts)"] += total - stored
            engine.dispose()
        finally:
            bench._drop(handle)
    print(f"{report.summary()}\n{detector.summary()}\n{args.rows / stored:,.0f} rows/s stored, "
          f"{args.rows / total:,.0f} rows/s fully screened, on {url.split(':')[0]}\n")
    print("| stage | seconds | share |\n|---|---:|---:|")
    for label, seconds in spent.most_common():
        print(f"| {label} | {seconds:.2f} | {seconds / total:.0%} |")
    rest = total - sum(spent.values())
    print(f"| the rest: reading the CSV, content hashes, building insert rows, id look-ups | {rest:.2f} | {rest / total:.0%} |")
    print(f"| total | {total:.2f} | 100% |")


if __name__ == "__main__":
    main()
