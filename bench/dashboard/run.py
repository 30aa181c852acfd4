"""Dashboard benchmark: 100,000 responses over three sources and two years, served by gunicorn,
timed with a real HTTP client (p50 and p95 per page and main API call).

    /work/venv/bin/python bench/dashboard/run.py [--responses 100000] [--repeats 30] [--database URL]

Builds (or reuses) bench/dashboard/bench.db; prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service.store.accounts import add_user  # noqa: E402
from service.config import load_config  # noqa: E402
from service.store.db import make_engine, make_session_factory, transaction, upgrade  # noqa: E402
from service.store.models import (  # noqa: E402
    AnalysisRun,
    FreeText,
    Question,
    Response,
    ResponseWeight,
    Site,
    Source,
    TopicCode,
)
from service.pipeline.ingest_runs import register_sources  # noqa: E402
from service.store.accounts import add_api_client  # noqa: E402

PASSWORD = "benchmark password 1"
PAGES = ["/dashboard/", "/dashboard/?period=2024Q2&source=qr", "/dashboard/representativeness/",
         "/dashboard/voices/", "/dashboard/voices/?source=css&compare=age_band", "/dashboard/responses",
         "/dashboard/responses?ward=E05013983&page=3", "/review/", "/review/safeguarding", "/review/quarantine"]
API = ["/api/v1/sources", "/api/v1/responses?per_page=100", "/api/v1/responses?source=qr&period=2024Q1",
       "/api/v1/topics", "/api/v1/topics?source=css", "/api/v1/representativeness?source=qr"]
TOPICS = ("drugs", "police_presence", "antisocial_behaviour", "lighting", "transport_safety", "gangs_violence")
AGES, SEXES, ETHNIC = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+"), ("female", "male"), ("H1", "H2", "H3", "H4", "H5")


def build(url: str, n: int, seed: int = 1) -> str:
    """Fill a fresh database with ``n`` synthetic responses, runs, users and an API token; return the token."""
    rng = random.Random(seed)
    config = load_config(environ={})
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    register_sources(factory, config)
    wards = list(__import__("service.reports.dashboard", fromlist=["ward_names"]).ward_names(config.app.borough))
    with transaction(factory) as session:
        sources = {s.key: s.id for s in session.scalars(select(Source))}
        sites = [Site(code=f"s{i:05d}", name=f"Bench site {i}", kind="station", ward=rng.choice(wards)) for i in range(40)]
        session.add_all(sites)
        questions = {k: Question(source_id=v, key="bench_comment", wording="Comment", type="free_text") for k, v in sources.items()}
        session.add_all(questions.values())
        session.flush()
        site_ids, question_ids = [s.id for s in sites], {k: q.id for k, q in questions.items()}
        weighting = {k: AnalysisRun(kind="weighting", source_key=k, method="rake", result={}) for k in sources}
        session.add_all(weighting.values())
        session.flush()
        weighting_ids = {k: r.id for k, r in weighting.items()}
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    with engine.begin() as connection:
        for offset in range(0, n, 10_000):
            rows = []
            for i in range(offset, min(offset + 10_000, n)):
                key = ("css", "shout", "qr")[i % 3]
                rows.append({"source_id": sources[key], "external_id": f"b{i}", "content_hash": "x", "raw": {},
                             "site_id": rng.choice(site_ids) if key == "qr" else None, "is_synthetic": True,
                             "submitted_at": start + timedelta(minutes=rng.randrange(730 * 24 * 60)),
                             "age_band": rng.choice(AGES), "sex": rng.choice(SEXES), "ethnic_group": rng.choice(ETHNIC),
                             "ward": rng.choice(wards), "ingested_at": start, "updated_at": start, "is_suspected_bot": False})
            connection.execute(insert(Response), rows)
        ids = connection.execute(select(Response.id, Source.key).join(Source, Response.source_id == Source.id)).all()
        texted = [(rid, key) for rid, key in ids if rng.random() < 0.6]
        connection.execute(insert(FreeText), [{"response_id": rid, "question_id": question_ids[key], "original": "original text",
                                              "redacted": "redacted text", "confidence": rng.random()} for rid, key in texted])
        text_ids = connection.execute(select(FreeText.id)).scalars().all()
        connection.execute(insert(TopicCode), [{"free_text_id": t, "topic": rng.choice(TOPICS), "origin": "model",
                                               "probability": 0.5, "created_at": start} for t in text_ids])
        connection.execute(insert(ResponseWeight), [{"run_id": weighting_ids[key], "response_id": rid, "weight": rng.uniform(0.5, 3)}
                                                   for rid, key in ids])
    with transaction(factory) as session:
        add_user(session, "bench@example.org", "Bench", "admin", PASSWORD)
        _client, token = add_api_client(session, "bench", "analyst")
        _copy_demo_runs(session)
    engine.dispose()
    return token


def _copy_demo_runs(session) -> None:
    """Representativeness runs shaped as the pipeline writes them (from the demo database when present)."""
    demo = ROOT / "instance" / "demo.db"
    if not demo.exists():
        return
    engine = make_engine(f"sqlite:///{demo}")
    with engine.connect() as connection:
        for row in connection.execute(select(AnalysisRun.__table__).where(AnalysisRun.kind == "representativeness")):
            session.add(AnalysisRun(**{k: v for k, v in row._mapping.items() if k != "id"}))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_urls(base: str, http: requests.Session, urls: list[str], repeats: int, headers=None) -> list[tuple[str, float, float]]:
    out = []
    for url in urls:
        http.get(base + url, headers=headers, timeout=60)  # warm
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            response = http.get(base + url, headers=headers, timeout=60)
            times.append((time.perf_counter() - t0) * 1000)
            response.raise_for_status()
        times.sort()
        out.append((url, statistics.median(times), times[max(int(0.95 * len(times)) - 1, 0)]))
    return out


@contextmanager
def serve(database: str) -> Iterator[tuple[str, requests.Session]]:
    """gunicorn (2 workers) on a free loopback port; yields its base URL and a signed-in session."""
    port = free_port()
    env = {**os.environ, "VOICE_DATABASE_URL": database, "VOICE_SECRET_KEY": "bench" * 8}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "service:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/health", timeout=10).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.2)
        http = requests.Session()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', http.get(base + "/sign-in", timeout=10).text).group(1)
        http.post(base + "/sign-in", data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": csrf}, timeout=30)
        yield base, http
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'bench' / 'dashboard' / 'out' / 'bench.db'}")
    args = parser.parse_args()
    if args.database.startswith("sqlite:///"):
        Path(args.database.removeprefix("sqlite:///")).unlink(missing_ok=True)
    t0 = time.perf_counter()
    token = build(args.database, args.responses)
    print(f"built {args.responses:,} responses in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    with serve(args.database) as (base, http):
        pages = time_urls(base, http, PAGES, args.repeats)
        api = time_urls(base, requests.Session(), API, args.repeats, {"Authorization": f"Bearer {token}"})
    print("| request | p50 ms | p95 ms |\n|---|---:|---:|")
    for url, p50, p95 in pages + api:
        print(f"| `{url}` | {p50:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
