"""Run the atheris fuzz targets (bench/fuzz/targets.py), each in its own process for a time budget.

    /work/venv/bin/python bench/fuzz/run.py --seconds 60 [--targets csv webhook ...]

Needs the `bench` extra (atheris). Prints, per target, the inputs tried, the coverage reached
(libFuzzer's "cov" and "ft" counters) and whether anything crashed; a crashing input is saved in
bench/fuzz/findings/ under the target's name. The hypothesis tests in tests/test_*_hostile.py run
the same properties in CI with a bounded number of examples; this is the longer, coverage-guided run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ("csv", "xlsx", "webhook", "vocabulary", "redaction")


def fuzz(target: str, seconds: int, findings: Path) -> dict:
    """Fuzz one target for ``seconds``; return its figures from libFuzzer's output."""
    findings.mkdir(exist_ok=True)
    corpus = HERE / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        seeding = "import sys, targets; [open(f'{sys.argv[2]}/seed{i}', 'wb').write(b) for i, b in enumerate(targets.seeds(sys.argv[1]))]"
        subprocess.run([sys.executable, "-c", seeding, target, str(corpus)], check=True, cwd=HERE, capture_output=True)
    command = [sys.executable, str(HERE / "targets.py"), target, f"-max_total_time={seconds}", "-rss_limit_mb=2048",
               "-timeout=20", f"-artifact_prefix={findings}/{target}-", "-print_final_stats=1", str(corpus)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent.parent, timeout=seconds + 120)
    log = done.stdout + done.stderr
    runs = re.findall(r"stat::number_of_executed_units:\s+(\d+)", log)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
    crashed = done.returncode != 0
    return {"target": target, "runs": int(runs[-1]) if runs else 0, "cov": cov[-1][0] if cov else "?",
            "ft": cov[-1][1] if cov else "?", "crashed": crashed,
            "detail": next((line for line in log.splitlines() if "Error" in line or "Exception" in line), "") if crashed else ""}


def main() -> None:
    """Fuzz each chosen target in turn and print a table for bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="time budget per target")
    parser.add_argument("--targets", nargs="+", default=list(TARGETS), choices=TARGETS)
    args = parser.parse_args()
    print("| target | inputs tried | coverage (cov / ft) | result |\n|---|---:|---|---|", flush=True)
    for target in args.targets:
        found = fuzz(target, args.seconds, HERE / "findings")
        result = f"crash: {found['detail'][:120]}" if found["crashed"] else "no crash"
        print(f"| {target} | {found['runs']:,} | {found['cov']} / {found['ft']} | {result} |", flush=True)


if __name__ == "__main__":
    main()
