"""Dashboard benchmark, cold path: before every timed request one new coded response is stored, so
both data versions change and every page recomputes its figures from the database (no cached
entry can answer). Needs the database ``run.py`` leaves in bench/dashboard/out/bench.db and an API
token for it (``voice api-token add NAME`` with VOICE_DATABASE_URL pointing at that database).

    /work/venv/bin/python bench/dashboard/cold.py --token TOKEN [--repeats 10] [--database URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

from service.store.db import make_engine
from service.store.models import FreeText, Question, Response, TopicCode


def store_one(engine, question_id: int, source_id: int, n: int) -> None:
    """One new response with a coded free text (a form submission followed by a topics run)."""
    now = datetime(2024, 12, 30, 12, tzinfo=UTC)
    with engine.begin() as c:
        rid = c.execute(insert(Response).returning(Response.id), [{
            "source_id": source_id, "external_id": f"cold-{time.time_ns()}-{n}", "content_hash": "x", "raw": {},
            "is_synthetic": True, "submitted_at": now, "age_band": "16-24", "sex": "female", "ethnic_group": "H1",
            "ingested_at": now, "updated_at": now, "is_suspected_bot": False}]).scalar()
        tid = c.execute(insert(FreeText).returning(FreeText.id),
                        [{"response_id": rid, "question_id": question_id, "original": "o", "redacted": "r"}]).scalar()
        c.execute(insert(TopicCode), [{"free_text_id": tid, "topic": "lighting", "origin": "model", "probability": 0.5,
                                       "created_at": now}])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", required=True, help="an API token of the benchmark database")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--database", default=f"sqlite:///{run.ROOT / 'bench' / 'dashboard' / 'out' / 'bench.db'}")
    args = parser.parse_args()
    engine = make_engine(args.database)
    with engine.connect() as c:
        question_id, source_id = c.execute(select(Question.id, Question.source_id).where(Question.key == "bench_comment")
                                           .limit(1)).one()
    out, n = [], 0
    try:
        with run.serve(args.database) as (base, http):
            api = requests.Session()
            headers = {"Authorization": f"Bearer {args.token}"}
            for url in run.PAGES + run.API:
                client, h = (api, headers) if url.startswith("/api") else (http, None)
                for _ in range(2):  # both workers: imports and templates loaded
                    client.get(base + url, headers=h, timeout=60)
                times = []
                for _ in range(args.repeats):
                    n += 1
                    store_one(engine, question_id, source_id, n)
                    t0 = time.perf_counter()
                    client.get(base + url, headers=h, timeout=60).raise_for_status()
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                out.append((url, statistics.median(times), times[max(int(0.95 * len(times)) - 1, 0)]))
    finally:
        engine.dispose()
    print("| request | cold p50 ms | cold p95 ms |\n|---|---:|---:|")
    for url, p50, p95 in out:
        print(f"| `{url}` | {p50:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
