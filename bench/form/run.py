"""Form benchmark: gunicorn on loopback, 50 concurrent clients, the form against a bare insert.

Usage (from the repository root):

    python bench/form/run.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

For each app: a fresh database schema, gunicorn (2 workers x 4 threads), 50 client threads. The
form's clients first open their forms (GET, collecting the CSRF and idempotency tokens), wait the
configured minimum time, then the timed phase sends only the POSTs. Afterwards every accepted
submission is counted in the database (none lost), and each client re-sends its first submission
(a double click) to check nothing is duplicated.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.config import load_config  # noqa: E402
from service.db import make_engine, make_session_factory, transaction, upgrade  # noqa: E402
from service.models import Response, Source  # noqa: E402
from service.pipeline import register_sources  # noqa: E402
from service import store  # noqa: E402

ANSWER = {"safe_here": "2", "feel_safer": "Better lighting at the bus stop, please", "happened": "Harassment",
          "age_band": "13-15", "sex": "female", "ward": "E05013983", "consent": "yes", "lang": "en"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_database(url: str) -> tuple[str, callable]:
    if not url.startswith("postgresql"):
        return url, lambda: None
    schema = f"bench_form_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", drop


def _prepare(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    config = load_config()
    factory = make_session_factory(engine)
    register_sources(factory, config)
    with transaction(factory) as session:
        code = store.add_site(session, "Bench station", "station", "E05013983", None, None).code
    engine.dispose()
    return code


def _serve(target: str, url: str, port: int, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", target]
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "VOICE_DATABASE_URL": url})
    for _ in range(120):  # workers import pandas and friends: allow up to a minute
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"gunicorn {target} did not start on port {port}")


def _run_clients(n_clients: int, work, deadline: float) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(index: int) -> None:
        mine, codes = [], []
        for job in work[index]:
            if time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            status = job()
            mine.append(time.perf_counter() - start)
            codes.append(status)
        with lock:
            latencies.extend(mine)
            for c in codes:
                statuses[c] = statuses.get(c, 0) + 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, time.perf_counter() - start


def _form_work(base: str, code: str, n_clients: int, per_client: int):
    sessions, prepared = [], []
    for _ in range(n_clients):
        http = requests.Session()
        tokens = []
        for _ in range(per_client):
            page = http.get(f"{base}/q/{code}", timeout=10).text
            tokens.append({k: re.search(rf'name="{k}" value="([^"]+)"', page).group(1) for k in ("csrf_token", "token")})
        sessions.append(http)
        prepared.append(tokens)

    def post(http, tokens):
        return lambda: http.post(f"{base}/q/{code}", data={**ANSWER, **tokens}, allow_redirects=False, timeout=10).status_code

    work = [[post(http, t) for t in tokens] for http, tokens in zip(sessions, prepared)]
    replays = [[post(http, tokens[0])] for http, tokens in zip(sessions, prepared)]
    return work, replays


def _bare_work(base: str, n_clients: int, per_client: int):
    def post(http):
        return lambda: http.post(f"{base}/insert", data={"safe_here": "2"}, timeout=10).status_code

    work = []
    for _ in range(n_clients):
        http = requests.Session()
        work.append([post(http) for _ in range(per_client)])
    return work


def _count(url: str, prefix: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        query = select(func.count(Response.id), func.count(func.distinct(Response.external_id))).join(Source).where(
            Source.key == "form", Response.external_id.like(prefix + "%"))
        n, distinct = connection.execute(query).one()
    engine.dispose()
    return n, distinct


def _summary(name: str, latencies: list[float], statuses: dict[int, int], seconds: float) -> dict:
    ok = statuses.get(303, 0) + statuses.get(204, 0)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {"name": name, "n": len(latencies), "ok": ok, "statuses": statuses, "seconds": seconds,
            "per_second": ok / seconds, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL; PostgreSQL gets a fresh schema per run")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--per-client", type=int, default=40, help="submissions per client")
    parser.add_argument("--seconds", type=float, default=60, help="time limit of each timed phase")
    args = parser.parse_args()
    config = load_config()
    # Every guard stays on; the rate thresholds are raised because all 50 clients share 127.0.0.1.
    env = {**os.environ, "VOICE_SECRET_KEY": "bench-" + uuid.uuid4().hex, "VOICE_LIMITS_FORM_PER_CLIENT": "100000 per minute",
           "VOICE_LIMITS_FORM_PER_SITE": "100000 per minute"}
    results = []
    for name in ("bare", "form"):
        url, drop = _fresh_database(args.database)
        code = _prepare(url)
        port = _free_port()
        server = _serve("bench.form.apps:bare_app()" if name == "bare" else "bench.form.apps:form_app()", url, port, env)
        base = f"http://127.0.0.1:{port}"
        try:
            if name == "bare":
                work, replays = _bare_work(base, args.clients, args.per_client), None
            else:
                work, replays = _form_work(base, code, args.clients, args.per_client)
                time.sleep(config.form.min_seconds + 0.5)
            latencies, statuses, seconds = _run_clients(args.clients, work, time.perf_counter() + args.seconds)
            result = _summary(name, latencies, statuses, seconds)
            if replays:
                _, replay_statuses, _ = _run_clients(args.clients, replays, time.perf_counter() + args.seconds)
                result["replay_statuses"] = replay_statuses
            result["stored"], result["distinct"] = _count(url, "bare-" if name == "bare" else "form-")
            results.append(result)
        finally:
            server.terminate()
            server.wait(10)
            drop()
    for r in results:
        print(f"{r['name']:>5}: {r['ok']} accepted of {r['n']} in {r['seconds']:.1f} s = {r['per_second']:.0f}/s; "
              f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms; statuses {r['statuses']}; "
              f"stored {r['stored']} ({r['distinct']} distinct)" + (f"; double-click replays {r['replay_statuses']}" if "replay_statuses" in r else ""))
    bare, form = results
    print(f"form/bare throughput: {form['per_second'] / bare['per_second']:.0%}; lost {form['ok'] - form['stored']}, "
          f"duplicated {form['stored'] - form['distinct']}")


if __name__ == "__main__":
    main()
