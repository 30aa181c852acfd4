"""Benchmark raking: ours versus Meta's balance, ipfn and R survey::rake, plus 200 bootstrap replicates.

Run from the repository root::

    python bench/weights/run.py [--sizes 10000 1000000] [--balance-python PATH] [--repeat 5]

``--balance-python`` is a Python with ``balance`` installed (it pins numpy<2, so it lives in its
own virtual environment; default ``/work/venv-balance/bin/python``). R needs ``Rscript`` with the
survey package. Each tool is timed on the raking call only (data preparation excluded); ours and
ipfn run in this process (best of ``--repeat``), balance and R in subprocesses (one run each).
Peak memory: tracemalloc peak during the call (Python), R's ``gc()`` max used (R).
Writes a Markdown table to stdout; paste it into bench/RESULTS.md under "## weights".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))
from data import VARIABLES, make, save

from weights import bootstrap_replicates, build_margins, load_census, rake

BANDS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-79", "80-84", "85+"]


def measure(call, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` wall and CPU seconds, and tracemalloc peak of one extra run."""
    best, best_cpu = np.inf, np.inf
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        call()
        best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, time.process_time() - cpu)
    tracemalloc.start()
    value = call()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"seconds": best, "cpu_seconds": best_cpu, "peak_mb": peak, "value": value}


def run_ipfn(codes: dict[str, np.ndarray], margins: dict[str, dict[str, float]]) -> np.ndarray:
    from ipfn import ipfn

    frame = pd.DataFrame({v: codes[v] for v in VARIABLES})
    frame["total"] = 1.0
    aggregates = [pd.Series(list(margins[v].values()), index=pd.Index(range(len(margins[v])), name=v))
                  for v in VARIABLES]
    fitted = ipfn.ipfn(frame, aggregates, [[v] for v in VARIABLES], weight_col="total", convergence_rate=1e-10,
                       max_iteration=1000).iteration()
    return fitted["total"].to_numpy()


def subprocess_json(command: list[str]) -> dict[str, float]:
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=3600).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--balance-python", default="/work/venv-balance/bin/python")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    m = build_margins(load_census("havering"), list(VARIABLES), age_bands=BANDS, min_age=16)
    margins = {v: {str(k): float(x) for k, x in m.population(v).items()} for v in VARIABLES}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = Path(tmp) / str(n)
            codes = make(n, margins)
            save(folder, codes, margins)
            cat = pd.DataFrame({v: pd.Categorical.from_codes(codes[v], list(margins[v])) for v in VARIABLES})
            text = cat.astype(str)
            ours = measure(lambda cat=cat: rake(cat, margins, tol=1e-12).weights.to_numpy(), args.repeat)
            ours_text = measure(lambda text=text: rake(text, margins, tol=1e-12).weights.to_numpy(), args.repeat)
            ip = measure(lambda codes=codes: run_ipfn(codes, margins), 1 if n > 100_000 else args.repeat)
            r_out = folder / "r.f64"
            r = subprocess_json(["Rscript", str(HERE / "peer_r.R"), str(folder), str(n), str(r_out)])
            r_w = np.fromfile(r_out, dtype="<f8")
            result = {"ours (categorical input)": ours, "ours (string input)": ours_text, "ipfn": ip, "R survey::rake": r}
            if Path(args.balance_python).exists():
                b_out = folder / "balance.npy"
                b = subprocess_json([args.balance_python, str(HERE / "peer_balance.py"), str(folder), str(b_out)])
                b["value"] = np.load(b_out) * (ours["value"].sum() / np.load(b_out).sum())
                result["balance"] = b
            for name, res in result.items():
                w = res.get("value", r_w)
                agree = float(np.max(np.abs(w / r_w - 1)))
                rows.append((n, name, res["seconds"], res["cpu_seconds"], res["peak_mb"], agree))
        boot = measure(lambda: bootstrap_replicates(text.iloc[:10_000], rake(text.iloc[:10_000], margins),
                                                   margins, n_replicates=200, seed=1).weights.shape, args.repeat)
    print_table(rows, boot)


def print_table(rows: list[tuple], boot: dict[str, float]) -> None:
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}\n")
    print("| respondents | tool | wall s | CPU s | peak MB | max rel. diff from R | wall time / ours (categorical) |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    ours = {n: s for n, name, s, *_ in rows if name == "ours (categorical input)"}
    for n, name, s, cpu, peak, agree in rows:
        print(f"| {n:,} | {name} | {s:.4f} | {cpu:.4f} | {peak:.1f} | {agree:.1e} | {s / ours[n]:.1f}x |")
    print(f"\n200 bootstrap replicates re-raked, 10,000 respondents (ours, string input, includes the "
          f"initial rake): {boot['seconds']:.3f} s wall, {boot['cpu_seconds']:.3f} s CPU, peak {boot['peak_mb']:.1f} MB")


if __name__ == "__main__":
    main()
