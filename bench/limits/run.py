"""Benchmark: the three speed limits that used to be wall-clock assertions in unit tests (issue 14).

    /work/venv/bin/python bench/limits/run.py [--repeat 3]

Goals (the old test limits): a 5 MB CSV line without a newline read in under 3 s; an XLSX zip bomb
refused in under 1 s; 200 bootstrap replicates of a 10,000-row raking in under 2 s (goal 1 s).
Prints the best of ``--repeat`` runs of each, in seconds, on synthetic inputs built here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ingest import SourceUnavailable, read_file_records  # noqa: E402
from weights import bootstrap_replicates, rake  # noqa: E402

LIMITS = {"csv_long_line": 3.0, "xlsx_zip_bomb": 1.0, "bootstrap_200": 2.0}


def _best(case, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        case()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    """Time each case and print it beside its limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case; the best is reported")
    repeat = parser.parse_args().repeat
    from test_ingest_hostile import _raw_workbook, _row  # the test's own hostile workbook

    with tempfile.TemporaryDirectory() as folder:
        long_csv = Path(folder) / "long.csv"
        long_csv.write_bytes(b"id,text\nR1," + b"z" * 5_000_000)
        bomb = Path(folder) / "bomb.xlsx"
        bomb.write_bytes(_raw_workbook(_row("R", "b" * 40) * 1_000, repeat=50))

        def refuse_bomb() -> None:
            try:
                list(read_file_records(bomb, "id"))
            except SourceUnavailable:
                return
            raise AssertionError("the zip bomb was opened")

        rng = np.random.default_rng(7)
        n = 10_000
        frame = pd.DataFrame({"g": rng.choice(list("abcdefghi"), n), "s": rng.choice(["f", "m"], n, p=[0.66, 0.34]),
                              "e": rng.choice(list("12345"), n, p=[0.05, 0.05, 0.05, 0.8, 0.05])})
        margins = {"g": dict.fromkeys("abcdefghi", 100.0), "s": {"f": 450.0, "m": 450.0},
                   "e": {"1": 100.0, "2": 100.0, "3": 100.0, "4": 500.0, "5": 100.0}}
        result = rake(frame, margins)
        cases = {"csv_long_line": lambda: list(read_file_records(long_csv, "id")),
                 "xlsx_zip_bomb": refuse_bomb,
                 "bootstrap_200": lambda: bootstrap_replicates(frame, result, margins, n_replicates=200, seed=1)}
        for name, case in cases.items():
            seconds = _best(case, repeat)
            print(f"{name:15s} {seconds:7.3f} s  (limit {LIMITS[name]:.1f} s) {'ok' if seconds < LIMITS[name] else 'OVER'}")


if __name__ == "__main__":
    main()
