"""Count what one QR form request costs in-process: database round trips, statements, time.

Usage (from the repository root):

    python bench/form/trips.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test [--n 200] [--cprofile]

The app runs in this process (Flask test client, every guard on) on a fresh PostgreSQL schema.
Round trips are counted from libpq's protocol trace of every connection: each simple ``Query``
(BEGIN, COMMIT, ROLLBACK) and each ``Sync`` of the extended protocol is one wait for the server.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.form.run import ANSWER, _fresh_database, _prepare, form_tokens, in_process_form_app


def _trace_round_trips(engine, folder: str) -> list[str]:
    paths: list[str] = []
    handles: list = []  # libpq writes to these for each connection's lifetime

    @event.listens_for(engine, "connect")
    def trace(dbapi_connection, _record):
        path = os.path.join(folder, f"trace-{len(paths)}.txt")
        paths.append(path)
        handles.append(open(path, "w"))  # noqa: SIM115
        dbapi_connection.pgconn.trace(handles[-1].fileno())

    return paths


def _count_round_trips(paths: list[str], start: str, end: str) -> dict[str, int]:
    """Round trips between two wall-clock times (libpq's trace format: local time, direction, length, message)."""
    counts = {"round_trips": 0, "simple_queries": 0, "syncs": 0}
    for path in paths:
        with open(path) as handle:
            for line in handle:
                parts = line.split("\t")
                if len(parts) > 3 and parts[1] == "F" and start <= parts[0] < end:
                    if parts[3].startswith("Query"):
                        counts["simple_queries"] += 1
                        counts["round_trips"] += 1
                    elif parts[3].startswith("Sync"):
                        counts["syncs"] += 1
                        counts["round_trips"] += 1
    return counts


def _clock() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL SQLAlchemy URL; a fresh schema is used")
    parser.add_argument("--n", type=int, default=200, help="form submissions (each after its own GET)")
    parser.add_argument("--cprofile", action="store_true", help="print the 25 costliest functions of the POSTs")
    args = parser.parse_args()
    os.environ.setdefault("VOICE_SECRET_KEY", "profile-secret-key-0123456789")
    os.environ.update(VOICE_LIMITS_FORM_PER_CLIENT="100000 per minute", VOICE_LIMITS_FORM_PER_SITE="100000 per minute")
    url, drop = _fresh_database(args.database)
    try:
        code = _prepare(url)
        app = in_process_form_app(url)
        folder = tempfile.mkdtemp(prefix="form-profile-")
        statements: list[str] = []
        event.listen(app.extensions["voice_engine"], "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: statements.append(statement.split()[0]))
        app.extensions["voice_engine"].dispose()  # every connection from here on is traced
        paths = _trace_round_trips(app.extensions["voice_engine"], folder)
        client = app.test_client()
        tokens = []
        get_started, get_clock = time.perf_counter(), _clock()
        for _ in range(args.n):
            page = client.get(f"/q/{code}").get_data(as_text=True)
            tokens.append(form_tokens(page))
        get_seconds = time.perf_counter() - get_started
        n_get_statements = len(statements)
        profiler = cProfile.Profile() if args.cprofile else None
        post_started, post_clock = time.perf_counter(), _clock()
        if profiler:
            profiler.enable()
        statuses: dict[int, int] = {}
        for fields in tokens:
            status = client.post(f"/q/{code}", data={**ANSWER, **fields}).status_code
            statuses[status] = statuses.get(status, 0) + 1
        if profiler:
            profiler.disable()
        post_seconds, end_clock = time.perf_counter() - post_started, _clock()
        app.extensions["voice_engine"].dispose()
        del app
        gc.collect()  # closes the traced connections, which flushes libpq's trace buffers
        get_trips = _count_round_trips(paths, get_clock, post_clock)
        post_trips = _count_round_trips(paths, post_clock, end_clock)
        kinds: dict[str, int] = {}
        for s in statements[n_get_statements:]:
            kinds[s] = kinds.get(s, 0) + 1
        n = args.n
        print(f"GET  /q/<code>: {get_seconds / n * 1000:.2f} ms each in-process; round trips per GET "
              f"{get_trips['round_trips'] / n:.2f}; statements per GET {n_get_statements / n:.2f}")
        print(f"POST /q/<code>: {post_seconds / n * 1000:.2f} ms each in-process; statuses {statuses}; round trips per POST "
              f"{post_trips['round_trips'] / n:.2f} (simple queries {post_trips['simple_queries'] / n:.2f}, "
              f"syncs {post_trips['syncs'] / n:.2f}); statements per POST "
              f"{(len(statements) - n_get_statements) / n:.2f}: " + ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(kinds.items())))
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(25)
            if os.environ.get("PROFILE_DUMP"):
                profiler.dump_stats(os.environ["PROFILE_DUMP"])
    finally:
        drop()


if __name__ == "__main__":
    main()
