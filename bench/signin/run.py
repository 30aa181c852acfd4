"""Benchmark: does sign-in take as long for an unknown account as for a real one? (issue 19, finding 9)

    /work/venv/bin/python bench/signin/run.py [--n 20]

Posts a wrong password ``--n`` times for unknown e-mail addresses and for one real (synthetic)
account, each from its own client address so no pause applies, through the app in process on a
fresh SQLite file, and prints the median time of each. Before issue 19 the probe measured
121-137 ms for real accounts against 6-10 ms for unknown ones; now both verify an argon2 hash.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.config import load_config  # noqa: E402
from service.store.accounts import add_user  # noqa: E402
from service.store.db import make_engine, transaction, upgrade  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="sign-in attempts of each kind")
    n = parser.parse_args().n
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder}/voice.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    base = load_config(ROOT / "config.toml", environ={})
    app = create_app(replace(base, app=replace(base.app, instance_path=folder / "instance", secret_key="x" * 32),
                             database=replace(base.database, url=url)))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with transaction(app.extensions["voice_sessions"]) as session:
        add_user(session, "real@council.example", "Real Person", "viewer", "tram kettle orbit mango")
    times: dict[str, list[float]] = {"unknown account": [], "real account, wrong password": []}
    for i in range(n):
        for label, email in (("unknown account", f"nobody{i}@council.example"),
                             ("real account, wrong password", "real@council.example")):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.{i // 250}.{i % 250 + 1}"
            started = time.perf_counter()
            client.post("/sign-in", data={"email": email, "password": "not the right one"})
            times[label].append(time.perf_counter() - started)
    for label, values in times.items():
        print(f"{label}: median {statistics.median(values) * 1000:.0f} ms (n={len(values)})")


if __name__ == "__main__":
    main()
