"""The floor of our schema on SQLite: the least work any importer must do to store a response in
it, beside the baseline, in one run.

    /work/venv/bin/python bench/ingest/floor.py --rows 100000

"floor" reads the CSV with pandas (C parser), serialises each row to JSON, hashes it, and inserts
one ``responses`` row (demographic columns copied as they are, the raw record, the hash) plus its
free texts, committing every 10,000 rows: no validation, no mapping, no answers, no
deduplication. "floor, no indexes" does the same into a copy of ``responses`` without its
secondary indexes. "baseline" is ``pandas.read_csv`` + ``DataFrame.to_sql``, as in run.py.
If the floor is slower than the baseline, no importer on this schema can match the baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TEXTS = ("What would make you feel safer?", "Anything else you would like to tell us?")
COLUMNS = ("source_id", "external_id", "ingested_at", "updated_at", "submitted_at", "age_band", "sex", "ethnic_group",
           "ward", "postcode_district", "consent", "is_suspected_bot", "is_synthetic", "content_hash", "raw")


def _schema(path: Path, indexes: bool) -> sqlite3.Connection:
    from service.store.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    if not indexes:
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='responses' "
                                          "AND sql IS NOT NULL").fetchall():
            connection.execute(f'DROP INDEX "{name}"')
    connection.execute("INSERT INTO sources (key, name, kind, created_at) VALUES ('b', 'b', 'file', '2026-01-01')")
    connection.commit()
    return connection


def floor(csv_path: Path, db_path: Path, indexes: bool) -> float:
    """Seconds to store every row of ``csv_path`` with the least work the schema allows."""
    import pandas as pd

    connection = _schema(db_path, indexes)
    source_id = connection.execute("SELECT id FROM sources WHERE key = 'b'").fetchone()[0]
    insert = f"INSERT INTO responses ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    now = "2026-11-21 10:00:00.000000"
    started = time.perf_counter()
    for chunk in pd.read_csv(csv_path, dtype=str, keep_default_na=False, chunksize=10_000):
        records = chunk.to_dict("records")
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        rows = [(source_id, f"{r['Respondent ID']}-{offset}", now, now, now, r["Age group"], r["Sex"], r["Ethnic group"],
                 r["Ward"], r["Postcode"], 1, 0, 0, hashlib.sha256(line.encode()).hexdigest(), line)
                for offset, (r, line) in enumerate(zip(records, lines), start=int(chunk.index[0]))]
        connection.executemany(insert, rows)
        first = connection.execute("SELECT max(id) FROM responses").fetchone()[0] - len(rows) + 1  # one writer: ids in a run
        texts = [(first + i, q, r[column]) for i, r in enumerate(records) for q, column in enumerate(TEXTS, 1) if r[column]]
        connection.executemany("INSERT INTO free_texts (response_id, question_id, original) VALUES (?, ?, ?)", texts)
        connection.commit()
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def baseline(csv_path: Path, db_path: Path) -> float:
    """Seconds for pandas.read_csv + DataFrame.to_sql of the same file."""
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{db_path}")
    started = time.perf_counter()
    pd.read_csv(csv_path).to_sql("baseline_import", engine, if_exists="replace", index=False, chunksize=10_000)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def main() -> None:
    """Time the baseline and both floors, alternating, twice each."""
    import run as bench

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_floor_") as tmp:
        folder = Path(tmp)
        path = folder / "survey.csv"
        bench.write_csv(path, args.rows)
        results: dict[str, list[float]] = {"baseline": [], "floor": [], "floor, no indexes": []}
        for attempt in range(2):
            results["baseline"].append(baseline(path, folder / f"b{attempt}.db"))
            results["floor"].append(floor(path, folder / f"f{attempt}.db", indexes=True))
            results["floor, no indexes"].append(floor(path, folder / f"n{attempt}.db", indexes=False))
    base = min(results["baseline"])
    print("| case | rows/s (best of 2) | of baseline |\n|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {args.rows / min(seconds):,.0f} | {base / min(seconds):.0%} |")


if __name__ == "__main__":
    main()
