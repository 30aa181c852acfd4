"""Time `voice --help` and a few subcommands' `--help` in fresh interpreters (wall and CPU seconds).

Run from the repository root:  python bench/cli/run.py --repeat 5
The tests count imported modules instead (tests/test_service_cli_startup.py); this is the timing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
COMMANDS = (["--help"], ["ingest", "--help"], ["classify", "--help"], ["weights", "rake", "--help"],
            ["briefing", "--help"], ["safeguarding", "alert", "--help"])


def time_command(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh `python -m service.cli ARGS` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from service.cli import main; main()", *args], check=True, cwd=PROJECT,
                   env={**os.environ, "PYTHONPATH": str(PROJECT)}, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Print a Markdown table: command, median wall s, median CPU s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="Runs per command (the median is shown).")
    repeat = parser.parse_args().repeat
    print("| command | median wall s | median CPU s |\n|---|---:|---:|")
    for args in COMMANDS:
        runs = [time_command(args) for _ in range(repeat)]
        print(f"| voice {' '.join(args)} | {statistics.median(r[0] for r in runs):.2f} | "
              f"{statistics.median(r[1] for r in runs):.2f} |")


if __name__ == "__main__":
    main()
