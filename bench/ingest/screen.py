"""Benchmark: the intake screen (redaction and safeguarding, ``screen_text``) in texts per second,
on real public texts (``shared/data/realtext/comments.csv``, for measurement only) or any CSV with
a ``text`` column. Every ingested free text passes through it, so it bounds ingest's rows per second.

    /work/venv/bin/python bench/ingest/screen.py [--file PATH] [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import sys
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
    args = parser.parse_args()
    with args.file.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    screen_text("warm up: the models load here")
    started = time.perf_counter()
    for _ in range(args.repeats):
        for text in texts:
            screen_text(text)
    seconds = time.perf_counter() - started
    n = len(texts) * args.repeats
    print(f"{n} texts (mean {sum(map(len, texts)) / len(texts):.0f} characters) in {seconds:.2f} s: {n / seconds:,.0f} texts/s")


if __name__ == "__main__":
    main()
