"""Burst load: the QR form takes 2,000 submissions in a minute from 100 clients while an import and exports run.

Usage (from the repository root; needs the `bench` extra for gunicorn, PostgreSQL and Redis):

    python bench/load/burst.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

1. Set-up (not timed): a fresh PostgreSQL schema, migrated; the demo's 2023 survey files (the
   Community Safety Survey and the SHOUT youth survey) ingested so the SNA export has data;
   five QR sites; a generated 50,000-row survey CSV (bench/ingest's generator: 1 id in 1,000
   repeated).
2. gunicorn (2 workers x 4 threads) serves the app as in production: every guard on (CSRF,
   signed token, honeypot, time check, size limit) and the configured rate limits (20 per
   minute per client, 600 per minute per site) counted in Redis, so both workers share them.
   The app trusts X-Forwarded-For (``behind_proxy``), and each client sends its own address,
   as residents behind a reverse proxy would arrive.
3. The burst: 100 client threads (Python ``requests``), 20 submissions each, evenly spread over
   the minute (each client sits at a site; 20 clients per site). Each submission is a GET of
   the form (its CSRF and idempotency tokens) and, at least the form's minimum time later, the
   POST. At the same moment the 50,000-row import starts (``ingest_file``, the file connector
   as `voice ingest` runs it, in its own process), and SNA exports (`voice export sna --year 2023
   --format xlsx`, archived as usual) run one after another in their own processes until the
   burst is over.
4. Checks: every accepted submission (303) is stored exactly once with all its answers and its
   free text, nothing else from the burst is stored, none is flagged as a bot; the import's
   counts are right and match the database; every export completed and its workbook opens.
   Prints throughput, POST and GET latency (p50, p99, max), statuses and errors; exits 1 when
   a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.form.run import ANSWER, _free_port, _fresh_database, _nonce, _serve  # noqa: E402
from bench.ingest.run import write_csv  # noqa: E402
from service.store import sites as site_store  # noqa: E402
from service.demo import data as demo_data
from service.config import load_config  # noqa: E402
from service.store.db import make_engine, make_session_factory, transaction, upgrade  # noqa: E402
from service.store.models import Answer, FreeText, Response, Source  # noqa: E402
from service.pipeline.ingest_runs import register_sources, run_ingest  # noqa: E402


@dataclass
class Submission:
    """One resident's submission: which form, what came back, how long the POST took."""

    client: int
    site: str
    nonce: str = ""
    status: int | None = None
    error: str = ""
    seconds: float = 0.0
    lag: float = 0.0  # how late the POST left against its schedule
    retried: bool = False  # sent again (same token) after the connection was reset, as browsers do


@dataclass
class Burst:
    """What the clients saw."""

    submissions: list[Submission] = field(default_factory=list)
    get_seconds: list[float] = field(default_factory=list)
    get_errors: list[str] = field(default_factory=list)
    get_retries: int = 0
    started: float = 0.0
    finished: float = 0.0


def _prepare(url: str, env: dict[str, str], folder: Path, n_sites: int) -> list[str]:
    """Migrate, load the demo's 2023 surveys (for the export) and add the QR sites; return their codes."""
    engine = make_engine(url)
    upgrade(engine)
    config = load_config(environ=env)
    factory = make_session_factory(engine)
    register_sources(factory, config)
    rng = random.Random(2023)
    demo_data.write_css_2023(config.source("css").path, rng)
    demo_data.write_shout(config.source("shout").path, rng)
    for key in ("css", "shout"):
        for report in run_ingest(factory, config, key):
            print(f"  preload: {report.summary()}", flush=True)
    with transaction(factory) as session:
        codes = [site_store.add_site(session, f"Burst site {i + 1}", "station", "E05013983", None, None).code for i in range(n_sites)]
    engine.dispose()
    return codes


def _client(index: int, n_clients: int, base: str, site: str, address: str, n: int, t0: float, lead: float,
            spacing: float, burst: Burst, lock: threading.Lock) -> None:
    """One device: opens a form, answers it ``lead`` seconds or more later, keeps the next form open meanwhile."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = address
    offset = spacing * index / n_clients  # the clients' POSTs interleave evenly
    time.sleep(max(0.0, t0 + offset - time.monotonic()))
    forms: list[dict | None] = []
    mine: list[Submission] = []
    gets: list[float] = []
    get_errors: list[str] = []
    get_retries: list[bool] = []

    def open_form() -> None:
        started = time.monotonic()
        try:
            page, retried = _send(http.get, f"{base}/q/{site}")
            gets.append(time.monotonic() - started)
            get_retries.append(retried)
            fields = {k: re.search(rf'name="{k}" value="([^"]+)"', page.text) for k in ("csrf_token", "token")}
            if page.status_code != 200 or not all(fields.values()):
                raise ValueError(f"GET answered {page.status_code} without the form's tokens")
            forms.append({k: m.group(1) for k, m in fields.items()} | {"opened": time.monotonic()})
        except (requests.RequestException, ValueError) as error:
            get_errors.append(f"{type(error).__name__}: {str(error)[:120]}")
            forms.append(None)

    open_form()
    open_form()
    for k in range(n):
        tokens = forms[k]
        submission = Submission(index, site)
        mine.append(submission)
        due = t0 + lead + offset + k * spacing
        # A person answers after the page arrived: never sooner than ``lead`` after it (the time check).
        time.sleep(max(0.0, due - time.monotonic(), (tokens or {}).get("opened", 0.0) + lead - time.monotonic()))
        if tokens is not None:
            submission.nonce = _nonce(tokens["token"])
            submission.lag = time.monotonic() - due
            started = time.monotonic()
            try:
                data = {**ANSWER, "csrf_token": tokens["csrf_token"], "token": tokens["token"]}
                reply, submission.retried = _send(http.post, f"{base}/q/{site}", data=data, allow_redirects=False)
                submission.status = reply.status_code
                if reply.status_code != 303:
                    submission.error = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", reply.text))[:160]
            except requests.RequestException as error:
                submission.error = f"{type(error).__name__}: {str(error)[:120]}"
            submission.seconds = time.monotonic() - started
        else:
            submission.error = "form not opened"
        if k + 2 < n:
            open_form()
    with lock:
        burst.submissions.extend(mine)
        burst.get_seconds.extend(gets)
        burst.get_errors.extend(get_errors)
        burst.get_retries += sum(get_retries)


def _send(method, url: str, **options) -> tuple[requests.Response, bool]:  # noqa: ANN001
    """Send once, and once more if the connection was reset before any answer, as browsers do.

    A kept-alive connection the server closes just as the client reuses it (gunicorn closes idle
    ones after 2 s) fails this way; browsers then send the request again, even a POST. The form's
    idempotency token makes that safe: a submission that did arrive the first time is stored once.
    """
    try:
        return method(url, timeout=60, **options), False
    except requests.ConnectionError as error:
        if "Connection aborted" not in str(error):
            raise
    return method(url, timeout=60, **options), True


def _run_burst(base: str, sites: list[str], args: argparse.Namespace, min_seconds: float) -> Burst:
    burst, lock = Burst(), threading.Lock()
    n = args.submissions // args.clients
    lead = min_seconds + 0.5
    spacing = (args.seconds - lead) / n
    run_byte = random.randrange(1, 255)
    t0 = time.monotonic() + 0.5
    threads = [threading.Thread(target=_client, args=(i, args.clients, base, sites[i % len(sites)], f"10.{run_byte}.{i // 200}.{i % 200 + 1}",
                                                      n, t0, lead, spacing, burst, lock)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    burst.started = t0
    for thread in threads:
        thread.join()
    burst.finished = time.monotonic()
    return burst


def _import(url: str, path: Path, result: dict, nice: list[str]) -> None:
    started = time.monotonic()
    done = subprocess.run([*nice, sys.executable, str(ROOT / "bench" / "ingest" / "run.py"), "--case", "ours", "--file", str(path),
                           "--url", url], capture_output=True, text=True, cwd=ROOT, check=False)
    result.update(seconds=time.monotonic() - started, returncode=done.returncode, stderr=done.stderr[-2000:])
    if done.returncode == 0:
        result.update(json.loads(done.stdout.strip().splitlines()[-1]))


def _exports(env: dict[str, str], folder: Path, stop: threading.Event, results: list[dict], nice: list[str]) -> None:
    voice = shutil.which("voice", path=str(Path(sys.executable).parent)) or "voice"
    stop.wait(2.0)  # let the burst and the import get going first
    while not stop.is_set():
        out = folder / f"sna_{len(results) + 1}.xlsx"
        started = time.monotonic()
        done = subprocess.run([*nice, voice, "export", "sna", "--year", "2023", "--format", "xlsx", "--out", str(out)],
                              capture_output=True, text=True, cwd=ROOT, env=env, check=False)
        result = {"seconds": time.monotonic() - started, "returncode": done.returncode,
                  "output": (done.stdout + done.stderr).strip()[-300:], "sheets": 0, "bytes": 0}
        if done.returncode == 0 and out.exists():
            from openpyxl import load_workbook

            workbook = load_workbook(out, read_only=True)
            result.update(sheets=len(workbook.sheetnames), bytes=out.stat().st_size)
            workbook.close()
        results.append(result)


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0] * 1000,) * 3 if values else (0.0, 0.0, 0.0)
    q = statistics.quantiles(values, n=100)
    return q[49] * 1000, q[98] * 1000, max(values) * 1000


def _check_store(url: str, burst: Burst) -> dict:
    """Look up every submission by its idempotency token: stored once, complete, not flagged."""
    engine = make_engine(url)
    with engine.connect() as connection:
        form = select(Source.id).where(Source.key == "form").scalar_subquery()
        rows = connection.execute(
            select(Response.external_id, Response.is_suspected_bot,
                   select(func.count()).where(Answer.response_id == Response.id).scalar_subquery(),
                   select(func.count()).where(FreeText.response_id == Response.id).scalar_subquery())
            .where(Response.source_id == form)).all()
    engine.dispose()
    stored: dict[str, int] = {}
    for external_id, *_ in rows:
        stored[external_id] = stored.get(external_id, 0) + 1
    accepted = {f"form-{s.nonce}" for s in burst.submissions if s.status == 303}
    refused = {f"form-{s.nonce}" for s in burst.submissions if s.nonce and s.status != 303}
    expected_answers = sum(1 for k in ("safe_here", "feel_safer", "happened") if ANSWER.get(k))
    return {
        "accepted": len(accepted),
        "lost": len(accepted - set(stored)),
        "duplicated": sum(n - 1 for n in stored.values()),
        "stored_not_accepted": len(set(stored) & refused),
        "stored_unknown": len(set(stored) - accepted - refused),
        "incomplete": sum(1 for _, _, n_answers, n_texts in rows if n_answers != expected_answers or n_texts != 1),
        "flagged_as_bots": sum(1 for _, is_bot, _, _ in rows if is_bot),
    }


def _count_source(url: str, key: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        n = connection.scalar(select(func.count()).select_from(Response).join(Source).where(Source.key == key))
    engine.dispose()
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL SQLAlchemy URL; a fresh schema is used and dropped")
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients (devices)")
    parser.add_argument("--submissions", type=int, default=2000, help="submissions in all, spread evenly over the clients")
    parser.add_argument("--seconds", type=float, default=60, help="the burst's length: every POST is due within it")
    parser.add_argument("--import-rows", type=int, default=50_000, help="rows of the generated CSV imported meanwhile")
    parser.add_argument("--sites", type=int, default=5, help="QR sites the clients are spread over")
    parser.add_argument("--nice", type=int, default=0,
                        help="run the import and export processes at this nice level (their PostgreSQL backends are not)")
    parser.add_argument("--alone", action="store_true", help="the burst without the import and the exports (for comparison)")
    parser.add_argument("--limits-storage", default="redis://127.0.0.1:6379/0",
                        help="rate-limit storage shared by the gunicorn workers (memory:// counts per worker)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="voice-burst-"))
    url, drop = _fresh_database(args.database)
    env = {**os.environ, "VOICE_SECRET_KEY": "burst-" + uuid.uuid4().hex, "VOICE_DATABASE_URL": url,
           "VOICE_BEHIND_PROXY": "true", "VOICE_LIMITS_STORAGE_URI": args.limits_storage,
           "VOICE_SOURCES_CSS_PATH": str(folder / "css"), "VOICE_SOURCES_SHOUT_PATH": str(folder / "shout"),
           "VOICE_INSTANCE_PATH": str(folder / "instance")}
    for name in ("css", "shout", "instance", "exports"):
        (folder / name).mkdir()
    server = None
    try:
        print("set-up: schema, demo surveys, sites, CSV ...", flush=True)
        sites = _prepare(url, env, folder, args.sites)
        csv_path = folder / "import" / "burst_import.csv"
        csv_path.parent.mkdir()
        write_csv(csv_path, args.import_rows)
        config = load_config(environ=env)
        port = _free_port()
        server = _serve("bench.form.apps:form_app()", url, port, env)
        base = f"http://127.0.0.1:{port}"
        load_before = os.getloadavg()
        meanwhile = "alone" if args.alone else f"import of {args.import_rows:,} rows and SNA exports meanwhile"
        print(f"burst: {args.submissions} submissions from {args.clients} clients over {args.seconds:.0f} s, {meanwhile}; "
              f"load average {load_before[0]:.2f}", flush=True)
        imported: dict = {}
        exports: list[dict] = []
        stop = threading.Event()
        nice = ["nice", "-n", str(args.nice)] if args.nice else []
        importer = threading.Thread(target=_import, args=(url, csv_path, imported, nice))
        exporter = threading.Thread(target=_exports, args=(env, folder / "exports", stop, exports, nice))
        if not args.alone:
            importer.start()
            exporter.start()
        burst = _run_burst(base, sites, args, config.form.min_seconds)
        stop.set()
        burst_end_load = os.getloadavg()
        if not args.alone:
            exporter.join()
            importer.join()
        checks = _check_store(url, burst)
        n_bench = _count_source(url, "bench") if not args.alone else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        drop()
        shutil.rmtree(folder, ignore_errors=True)
    return _report(args, burst, checks, imported, n_bench, exports, load_before, burst_end_load)


def _report(args, burst: Burst, checks: dict, imported: dict, n_bench: int, exports: list[dict],  # noqa: ANN001
            load_before: tuple, load_after: tuple) -> int:
    posts = [s for s in burst.submissions if s.status is not None]
    statuses: dict[str, int] = {}
    for s in burst.submissions:
        key = str(s.status) if s.status is not None else ("no answer" if s.nonce else "form not opened")
        statuses[key] = statuses.get(key, 0) + 1
    p50, p99, worst = _quantiles([s.seconds for s in posts])
    g50, g99, gworst = _quantiles(burst.get_seconds)
    seconds = burst.finished - burst.started
    lags = sorted(s.lag for s in posts)
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} at the end of the burst")
    print(f"submissions: {checks['accepted']} accepted of {len(burst.submissions)} in {seconds:.1f} s = "
          f"{checks['accepted'] / seconds:.1f}/s; statuses {statuses}")
    print(f"POST latency: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms; GET (form page): p50 {g50:.0f} ms, "
          f"p99 {g99:.0f} ms, max {gworst:.0f} ms; POSTs sent late against schedule: p99 {lags[int(len(lags) * 0.99)] * 1000:.0f} ms"
          if lags else "no POST was sent")
    errors = [s.error for s in burst.submissions if s.status != 303] + burst.get_errors
    for text in sorted(set(errors))[:10]:
        print(f"  error ({errors.count(text)}x): {text}")
    print(f"sent again after a connection reset (as browsers do; same token): {sum(s.retried for s in burst.submissions)} POSTs, "
          f"{burst.get_retries} GETs")
    print(f"store: lost {checks['lost']}, duplicated {checks['duplicated']}, stored without a 303 "
          f"{checks['stored_not_accepted']}, stored but never sent {checks['stored_unknown']}, incomplete "
          f"{checks['incomplete']}, flagged as bots {checks['flagged_as_bots']}")
    if args.alone:
        ok = (checks["lost"] == checks["duplicated"] == checks["stored_not_accepted"] == checks["stored_unknown"]
              == checks["incomplete"] == 0 and checks["accepted"] > 0)
        print("the burst alone (no import, no export): " + ("all checks passed" if ok else "A CHECK FAILED"))
        return 0 if ok else 1
    expected_new, expected_duplicate = args.import_rows - args.import_rows // 1000, args.import_rows // 1000
    import_ok = (imported.get("returncode") == 0 and imported.get("status") == "finished" and imported.get("new") == expected_new
                 and imported.get("duplicate") == expected_duplicate and n_bench == expected_new)
    print(f"import: {imported.get('status', 'failed')} in {imported.get('seconds', 0):.1f} s "
          f"({args.import_rows / max(imported.get('seconds', 1), 1e-9):,.0f} rows/s): new {imported.get('new')}, duplicate "
          f"{imported.get('duplicate')}, quarantined {imported.get('quarantined')}; in the database {n_bench:,} "
          f"(expected new {expected_new:,}, duplicate {expected_duplicate}): {'right' if import_ok else 'WRONG'}"
          + ("" if imported.get("returncode") == 0 else f"; {imported.get('stderr', '')[-500:]}"))
    exports_ok = bool(exports) and all(e["returncode"] == 0 and e["sheets"] > 0 for e in exports)
    durations = ", ".join(f"{e['seconds']:.1f}" for e in exports)
    print(f"exports: {len(exports)} run, {sum(e['returncode'] == 0 and e['sheets'] > 0 for e in exports)} completed "
          f"with a readable workbook ({exports[0]['sheets'] if exports else 0} sheets, "
          f"{exports[0]['bytes'] if exports else 0:,} bytes); seconds each: {durations}")
    for e in exports:
        if e["returncode"] != 0:
            print(f"  export failed: {e['output']}")
    ok = (checks["lost"] == checks["duplicated"] == checks["stored_not_accepted"] == checks["stored_unknown"]
          == checks["incomplete"] == 0 and import_ok and exports_ok and checks["accepted"] > 0)
    print("all checks passed" if ok else "A CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
