"""Time Meta's ``balance`` rake on the benchmark data (run with the Python that has balance installed).

Usage: ``python peer_balance.py DATA_DIR OUT_WEIGHTS.npy`` -> prints JSON {seconds, cpu_seconds, peak_mb}.
Timed on one run without tracemalloc; the peak comes from a second, traced run.
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from balance.weighting_methods.rake import rake
from data import VARIABLES, load


def main() -> None:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    codes, margins = load(folder)
    frame = pd.DataFrame({v: pd.Categorical.from_codes(codes[v], list(margins[v])) for v in VARIABLES})
    frame = frame.astype(str)  # balance works on labels
    weights = pd.Series(np.ones(len(frame)))
    def call() -> dict:
        return rake(frame, weights, None, None, variables=list(VARIABLES), transformations=None,
                    na_action="drop", max_iteration=1000, convergence_rate=1e-9, rate_tolerance=0,
                    target_margins=margins)

    start, cpu = time.perf_counter(), time.process_time()
    result = call()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    tracemalloc.start()  # a second run for memory: tracemalloc slows allocation-heavy code
    call()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    np.save(out, result["weight"].to_numpy(float))
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak}))


if __name__ == "__main__":
    main()
