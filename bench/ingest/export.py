"""Benchmark: ingest.read_export on a synthetic Citizen Space-shaped CSV (demographics, write-ins,
a joined multi-select, 18 scale questions), rows per second of reading and mapping, no database.

    /work/venv/bin/python bench/ingest/export.py --rows 20000

The file is synthetic (written here); the figure depends on the machine and its load.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ingest import FileOptions, QuestionSpec, SourceMapping, read_export  # noqa: E402

ETHNICITY = ["White: English, Welsh, Scottish, Northern Irish or British", "Asian, Asian British or Asian Welsh: Indian",
             "Black, Black British, Black Welsh, Caribbean or African: African", "Other ethnic group", "British"]
WORRIES = ["Poor lighting, e.g. alleys", "Drug dealing", "Groups hanging around"]


def write_file(path: Path, rows: int) -> None:
    """A CSV of ``rows`` synthetic responses."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Response ID", "Submitted on", "Sex", "Ethnic group", "Other", "Age", "Worries",
                      *[f"Q{i}" for i in range(18)]])
        for i in range(rows):
            out.writerow([f"ANON-{i}", f"2024-04-{1 + i % 28:02d} 10:{i % 60:02d}:00", rng.choice(["Female", "Male"]),
                          rng.choice(ETHNICITY), rng.choice(["", "", "Nigerian", "Polish"]), str(rng.randint(16, 90)),
                          ", ".join(rng.sample(WORRIES, rng.randint(0, 3))), *[str(rng.randint(1, 5)) for _ in range(18)]])


def main() -> None:
    """Write the file, read it once, print rows per second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    rows = parser.parse_args().rows
    mapping = SourceMapping(
        id_column="Response ID", submitted_at="Submitted on", date_formats=("iso",), sex_column="Sex",
        ethnicity_column="Ethnic group", ethnicity_other_column="Other", age_column="Age", min_age=16, max_age=110,
        questions=(QuestionSpec("worries", "Worries", "multiple_choice", options=tuple(WORRIES), separator=", "),
                   *[QuestionSpec(f"q{i}", f"Q{i}", "scale", minimum=1, maximum=5) for i in range(18)]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        write_file(path, rows)
        started = time.perf_counter()
        result = read_export(path, "bench", mapping, FileOptions(), now=datetime(2025, 1, 1, tzinfo=timezone.utc))
        seconds = time.perf_counter() - started
    print(f"read_export: {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
          f"({len(result.responses)} kept, {len(result.quarantined)} quarantined)")


if __name__ == "__main__":
    main()
