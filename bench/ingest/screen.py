"""Benchmark: the intake screen (redaction and safeguarding, ``screen_text``) in texts per second,
on real public texts (``shared/data/realtext/comments.csv``, for measurement only) or any CSV with
a ``text`` column. Every ingested free text passes through it, so it bounds ingest's rows per second.

    /work/venv/bin/python bench/ingest/screen.py [--file PATH] [--repeats 3] [--rules-only] [--synthetic N]

``--rules-only`` screens as bulk ingest does (``use_model=False``: redaction and the safeguarding
rules; the trained detector runs later in its own step). ``--synthetic N`` screens N texts of the
ingest bench's generator (``bench/ingest/run.py``, team-written) instead of the file. Wall time and
CPU time (``time.process_time``) are both printed: on a shared machine the CPU figure is the fairer.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

REALTEXT = ROOT.parent / "shared" / "data" / "realtext" / "comments.csv"


def main() -> None:
    """Screen every text of the file ``--repeats`` times after one warm-up call; print texts per second."""
    from service.pipeline.screening import screen_text

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=REALTEXT)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rules-only", action="store_true", help="use_model=False, as bulk ingest screens")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help="N texts of the ingest bench's generator")
    args = parser.parse_args()
    texts = synthetic_texts(args.synthetic) if args.synthetic else read_texts(args.file)
    use_model = not args.rules_only
    screen_text("warm up: the models load here", use_model=use_model)
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.repeats):
        for text in texts:
            screen_text(text, use_model=use_model)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    n = len(texts) * args.repeats
    print(f"{n} texts (mean {sum(map(len, texts)) / len(texts):.0f} characters) in {seconds:.2f} s wall, {cpu:.2f} s CPU: "
          f"{n / seconds:,.0f} texts/s wall, {n / cpu:,.0f} texts/s CPU")


def read_texts(path: Path) -> list[str]:
    """The ``text`` column of a CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def synthetic_texts(n: int) -> list[str]:
    """``n`` free texts of the ingest bench's generated file (two a row, as ingest meets them)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import run as bench  # bench/ingest/run.py

    with tempfile.TemporaryDirectory(prefix="bench_screen_") as folder:
        path = Path(folder) / "survey.csv"
        bench.write_csv(path, (n + 1) // 2)
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))[1:]
    return [text for row in rows for text in row[-2:]][:n]


if __name__ == "__main__":
    main()
