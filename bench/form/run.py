"""Form benchmark: gunicorn on loopback, 50 concurrent clients, the form against a bare insert.

Usage (from the repository root; needs the Debian package ``wrk``, or ``--load python``):

    python bench/form/run.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

For each app: a fresh database schema and gunicorn (2 workers x 4 threads). A setup phase opens
the forms (GET) to collect a CSRF token, a session cookie and an idempotency token for every
submission, and waits the configured minimum time; the timed phase then sends only the POSTs,
each once: by default with wrk (one C process, 50 connections, ``submit.lua``), with
``--load python`` from 50 Python ``requests`` threads as before. The run is bounded by the
number of submissions and by ``--seconds``. Afterwards every accepted submission is looked up in
the database by its idempotency token (none lost, none duplicated, nothing stored that was not
sent), and 50 submissions are sent again (a double click) to check a replay stores nothing.

With ``--rounds N`` the apps take turns N times (throughput on a shared machine swings with what
else runs), and each round also reports the CPU time per request of the gunicorn workers and of
the PostgreSQL backends serving them. ``--compare TREE`` serves the form from another checkout
in the same rounds (before/after a change); ``--think-ms`` paces the clients instead of sending
back to back; ``--gunicorn`` changes the server's settings for both apps.

Paced runs need many requests per client (``--per-client 120``): wrk opens its 50 connections
at the start and, paced, each waits before its first request; gunicorn's threaded worker holds a
thread on a new connection until its first bytes arrive (up to 5 s), so the first request of each
connection can wait behind silent ones for up to the pause. With 2,000 requests those 50 first
requests are 2.5% of the sample and set the p99 (about 100 ms for both apps); with 6,000 they
are under 1%. Behind the reverse proxy of docs/deploy.md a connection arrives with its request.
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
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import requests
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.config import load_config  # noqa: E402
from service.store.db import make_engine, make_session_factory, transaction, upgrade  # noqa: E402
from service.store.models import Response, Source  # noqa: E402
from service.pipeline.ingest_runs import register_sources  # noqa: E402
from service.store import responses as store  # noqa: E402
from service.store import sites as site_store  # noqa: E402
from bench.form.wrk import run_wrk  # noqa: E402

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
        code = site_store.add_site(session, "Bench station", "station", "E05013983", None, None).code
    engine.dispose()
    return code


#: gunicorn's settings for both apps, unless --gunicorn says otherwise.
GUNICORN = "--workers 2 --worker-class gthread --threads 4"


def _serve(target: str, url: str, port: int, env: dict, root: Path = ROOT, settings: str = GUNICORN) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", *settings.split(), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               target]
    # The app's code is imported from ``root`` (the working directory comes first on sys.path).
    process = subprocess.Popen(command, cwd=root, env={**env, "VOICE_DATABASE_URL": url})
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


def form_tokens(page: str) -> dict[str, str]:
    """The CSRF token and the idempotency token of one form page, as its POST must send them."""
    return {k: re.search(rf'name="{k}" value="([^"]+)"', page).group(1) for k in ("csrf_token", "token")}


def in_process_form_app(url: str):
    """The app on ``url`` (from the environment's configuration) in this process, every guard on but the minimum time."""
    from dataclasses import replace

    from service import create_app

    os.environ["VOICE_DATABASE_URL"] = url
    config = load_config()
    return create_app(replace(config, form=replace(config.form, min_seconds=0)))


def _collect_forms(base: str, code: str, n_clients: int, per_client: int) -> list[tuple[requests.Session, list[dict]]]:
    """Open ``per_client`` forms for each client (setup, not timed): its session and each form's tokens."""
    clients: list[tuple[requests.Session, list[dict]]] = [(requests.Session(), []) for _ in range(n_clients)]

    def open_forms(http: requests.Session, tokens: list[dict]) -> None:
        for _ in range(per_client):
            page = http.get(f"{base}/q/{code}", timeout=30).text
            tokens.append(form_tokens(page))

    threads = [threading.Thread(target=open_forms, args=client) for client in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients


def _nonce(token: str) -> str:
    """The idempotency token's random part, which the form stores as external id ``form-<nonce>``."""
    _, payload = URLSafeTimedSerializer("not-needed-to-read").loads_unsafe(token)
    return payload["n"]


def _python_work(base: str, code: str, clients):
    def post(http, tokens):
        return lambda: http.post(f"{base}/q/{code}", data={**ANSWER, **tokens}, allow_redirects=False, timeout=10).status_code

    return [[post(http, t) for t in tokens] for http, tokens in clients]


def _bare_work(base: str, n_clients: int, per_client: int):
    def post(http):
        return lambda: http.post(f"{base}/insert", data={"safe_here": "2"}, timeout=10).status_code

    work = []
    for _ in range(n_clients):
        http = requests.Session()
        work.append([post(http) for _ in range(per_client)])
    return work


def _replay(base: str, code: str, clients) -> dict[int, int]:
    """Each client sends its first submission again (a double click): 303, and nothing stored."""
    statuses: dict[int, int] = {}
    for http, tokens in clients:
        status = http.post(f"{base}/q/{code}", data={**ANSWER, **tokens[0]}, allow_redirects=False, timeout=10).status_code
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def _stored_ids(url: str, prefix: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        query = select(Response.external_id).join(Source).where(Source.key == "form", Response.external_id.like(prefix + "%"))
        ids = list(connection.scalars(query))
    engine.dispose()
    return ids


def _accepted(statuses: dict[int, int]) -> int:
    return statuses.get(303, 0) + statuses.get(204, 0)


def _check(result: dict, before: list[str], after: list[str], sent: set[str] | None) -> None:
    """Add the count check of one round: lost, duplicated, stored without being sent or accepted.

    ``before`` and ``after`` are the external ids stored before and after the round; ``sent`` the
    ones the round sent (None for the bare insert and ``--load python``: checked by count).
    """
    new = Counter(after) - Counter(before)
    stored = set(new)
    result["stored"], result["duplicated"] = sum(new.values()), len(after) - len(set(after))
    if sent is None:
        result["lost"] = max(result["ok"] - len(stored), 0)
        result["unaccepted_stored"] = max(len(stored) - result["ok"], 0)
        return
    result["not_sent_stored"] = len(stored - sent)
    # wrk counts statuses per run, not per request: when every answer was an acceptance, the
    # stored set must equal the sent set exactly; otherwise the counts are compared.
    result["lost"] = len(sent - stored) if result["ok"] == result["n_sent"] else max(result["ok"] - len(stored & sent), 0)
    result["unaccepted_stored"] = max(len(stored & sent) - result["ok"], 0)


class App:
    """One app served by gunicorn on its own fresh database for the whole run."""

    def __init__(self, name: str, database: str, env: dict, root: Path = ROOT, settings: str = GUNICORN) -> None:
        self.name = name
        self.settings = settings
        self.is_form = name != "bare"
        self.url, self.drop = _fresh_database(database)
        try:
            self._start(env, root)
        except BaseException:
            self.drop()  # no schema left behind when the set-up fails
            raise

    def _start(self, env: dict, root: Path) -> None:
        self.code = _prepare(self.url)
        self.base = f"http://127.0.0.1:{_free_port()}"
        target = "bench.form.apps:form_app()" if self.is_form else "bench.form.apps:bare_app()"
        # The server's database connections carry a name of their own, to find their backends' CPU time.
        self.application_name = f"bench_form_{'form' if self.is_form else 'bare'}_{uuid.uuid4().hex[:8]}"
        server_url = self.url
        if self.url.startswith("postgresql"):
            server_url += f"{'&' if '?' in self.url else '?'}application_name={self.application_name}"
        self.server = _serve(target, server_url, int(self.base.rsplit(":", 1)[1]), env, root, self.settings)
        self.prefix = "form-" if self.is_form else "bare-"
        self.clients = None

    def cpu_seconds(self) -> dict[str, dict[int, float]]:
        """CPU seconds used so far by each gunicorn worker and each PostgreSQL backend serving them."""
        backends: list[int] = []
        if self.url.startswith("postgresql"):
            engine = make_engine(self.url)
            with engine.connect() as connection:
                backends = list(connection.scalars(text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                                                   {"name": self.application_name}))
            engine.dispose()
        return {"app": {pid: _cpu(pid) for pid in _children(self.server.pid)}, "db": {pid: _cpu(pid) for pid in backends}}

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(10)
        self.drop()


def _cpu(pid: int) -> float:
    """User plus system CPU seconds of a process on this machine (0 when it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds between two :meth:`App.cpu_seconds`; a process that started meanwhile counts whole."""
    return {kind: sum(seconds - before[kind].get(pid, 0.0) for pid, seconds in after[kind].items()) for kind in after}


def _run_round(app: App, args, min_seconds: float) -> dict:
    """One timed phase of ``args.clients * args.per_client`` POSTs, with its count check."""
    total = args.clients * args.per_client
    sent: set[str] | None = None
    if app.is_form:
        app.clients = _collect_forms(app.base, app.code, args.clients, args.per_client)
    before = _stored_ids(app.url, app.prefix)
    time.sleep(min_seconds + 0.5)  # the form's time check; the bare app waits as long, for the same conditions
    if args.load == "python":
        work = (_bare_work(app.base, args.clients, args.per_client) if not app.is_form
                else _python_work(app.base, app.code, app.clients))
        latencies, statuses, seconds = _run_clients(args.clients, work, time.perf_counter() + args.seconds)
        q = statistics.quantiles(latencies, n=100)
        result = {"n": len(latencies), "n_sent": len(latencies), "statuses": statuses, "seconds": seconds,
                  "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}
    else:
        if not app.is_form:
            path, lines, nonces = "/insert", [("", "safe_here=2")] * total, None
        else:
            # Interleave the clients, so consecutive requests come from different sessions.
            pairs = [(http, tokens[i]) for i in range(args.per_client) for http, tokens in app.clients]
            path = f"/q/{app.code}"
            lines = [("; ".join(f"{c.name}={c.value}" for c in http.cookies), urlencode({**ANSWER, **tokens}))
                     for http, tokens in pairs]
            nonces = ["form-" + _nonce(tokens["token"]) for _, tokens in pairs]
        cpu_before = app.cpu_seconds()
        run = run_wrk(app.base, path, lines, connections=args.clients, threads=args.wrk_threads, seconds=args.seconds,
                      think_ms=args.think_ms)
        used = _cpu_used(cpu_before, app.cpu_seconds())
        result = {"n": run.n_answered, "n_sent": run.n_sent, "statuses": run.statuses, "seconds": run.seconds,
                  "p50_ms": run.p50_ms, "p99_ms": run.p99_ms, "max_ms": run.max_ms, "wrk_errors": run.errors,
                  "app_cpu_ms": used["app"] * 1000 / max(run.n_answered, 1), "db_cpu_ms": used["db"] * 1000 / max(run.n_answered, 1)}
        if nonces is not None:
            sent = {nonces[i] for i in run.sent_lines(len(lines))}
    result["ok"] = _accepted(result["statuses"])
    result["per_second"] = result["ok"] / result["seconds"]
    result["load"] = os.getloadavg()[0]
    _check(result, before, _stored_ids(app.url, app.prefix), sent)
    return result


def _print_round(name: str, r: dict) -> None:
    print(f"{name}: {r['ok']} accepted of {r['n']} answered ({r['n_sent']} sent) in {r['seconds']:.1f} s = "
          f"{r['per_second']:.0f}/s; p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms; statuses {r['statuses']}; "
          f"stored {r['stored']}; lost {r['lost']}, duplicated {r['duplicated']}, stored without a 2xx/303 "
          f"{r['unaccepted_stored']}" + (f", stored but never sent {r['not_sent_stored']}" if "not_sent_stored" in r else "")
          + (f"; wrk errors {r['wrk_errors']}" if any(r.get("wrk_errors", {}).values()) else "")
          + (f"; CPU per request: gunicorn {r['app_cpu_ms']:.2f} ms, PostgreSQL {r['db_cpu_ms']:.2f} ms" if "app_cpu_ms" in r else "")
          + f"; load {r['load']:.1f}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL; PostgreSQL gets a fresh schema per app")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (wrk connections)")
    parser.add_argument("--per-client", type=int, default=40, help="submissions per client and round")
    parser.add_argument("--seconds", type=float, default=60, help="time limit of each timed phase")
    parser.add_argument("--rounds", type=int, default=1,
                        help="timed phases per app; the apps take turns, each leading one round in turn")
    parser.add_argument("--load", choices=("wrk", "python"), default="wrk",
                        help="load generator: wrk (default) or Python requests threads")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (one event loop copes with thousands/s)")
    parser.add_argument("--think-ms", type=float, default=0,
                        help="wrk: each client pauses 0.5-1.5 times this long between answer and next request "
                             "(0: send at once, i.e. measure at saturation)")
    parser.add_argument("--gunicorn", default=GUNICORN, help=f"gunicorn's settings for both apps (default: {GUNICORN!r})")
    parser.add_argument("--compare", action="append", default=[], metavar="TREE",
                        help="also serve the form from another checkout (e.g. a copy of the tree before a change), "
                             "in the same rounds; may be given more than once")
    args = parser.parse_args()
    config = load_config()
    # Every guard stays on; the rate thresholds are raised because all 50 clients share 127.0.0.1.
    env = {**os.environ, "VOICE_SECRET_KEY": "bench-" + uuid.uuid4().hex, "VOICE_LIMITS_FORM_PER_CLIENT": "100000 per minute",
           "VOICE_LIMITS_FORM_PER_SITE": "100000 per minute"}
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; load generator: {args.load}", flush=True)
    trees = {"bare": ROOT, "form": ROOT, **{f"form@{tree}": Path(tree).resolve() for tree in args.compare}}
    names = list(trees)
    apps: dict[str, App] = {}
    results: dict[str, list[dict]] = {name: [] for name in names}
    try:
        for name, root in trees.items():
            apps[name] = App(name, args.database, env, root, args.gunicorn)
        for round_ in range(args.rounds):
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:  # each app leads in turn
                results[name].append(_run_round(apps[name], args, config.form.min_seconds))
                _print_round(name, results[name][-1])
            bare = results["bare"][-1]
            print(f"round {round_ + 1}: " + "; ".join(f"{name}/bare throughput {results[name][-1]['per_second'] / bare['per_second']:.0%}"
                                                      for name in names[1:]), flush=True)
        form_app = apps["form"]
        before = _stored_ids(form_app.url, "form-")
        replays = _replay(form_app.base, form_app.code, form_app.clients)
        replay_stored = len(_stored_ids(form_app.url, "form-")) - len(before)
    finally:
        for app in apps.values():
            app.close()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, rounds in results.items():
        print(f"{name}, median of {len(rounds)} rounds: {statistics.median(r['per_second'] for r in rounds):.0f}/s, "
              f"p50 {statistics.median(r['p50_ms'] for r in rounds):.1f} ms, p99 {statistics.median(r['p99_ms'] for r in rounds):.1f} ms; "
              f"lost {sum(r['lost'] for r in rounds)}, duplicated {max(r['duplicated'] for r in rounds)}, "
              f"stored without a 2xx/303 {sum(r['unaccepted_stored'] for r in rounds)}")
    has_cpu = all("app_cpu_ms" in r for rounds in results.values() for r in rounds)
    for name in names[1:]:
        ratios = [f["per_second"] / b["per_second"] for b, f in zip(results["bare"], results[name])]
        print(f"{name}/bare throughput per round: {', '.join(f'{x:.0%}' for x in ratios)}; median {statistics.median(ratios):.0%}")
        if has_cpu:
            # Throughput swings with whatever else the machine runs; CPU per request much less so.
            cost = {n: [r["app_cpu_ms"] + r["db_cpu_ms"] for r in results[n]] for n in ("bare", name)}
            cpu_ratios = [b / f for b, f in zip(cost["bare"], cost[name])]
            print(f"  CPU per request (gunicorn + PostgreSQL), median: bare {statistics.median(cost['bare']):.2f} ms, "
                  f"{name} {statistics.median(cost[name]):.2f} ms; bare/{name} per round: "
                  f"{', '.join(f'{x:.0%}' for x in cpu_ratios)}; median {statistics.median(cpu_ratios):.0%} "
                  "(the throughput ratio if CPU were the only limit)")
    print(f"double-click replays: {replays}, rows they stored: {replay_stored}")


if __name__ == "__main__":
    main()
