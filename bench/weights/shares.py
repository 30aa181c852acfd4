"""Time weights.estimate_share on calibrated designs (the dashboard computes one per topic and group).

Run from the repository root::

    python bench/weights/shares.py [--sizes 10000 100000] [--repeat 3]

Synthetic respondents (four raking variables with 9, 2, 5 and 20 levels) are raked, then one
calibrated share with its logit interval is timed (best of ``--repeat``); the design's cells are
computed on the first call and reused, as the dashboard reuses one design for every topic.
Prints a Markdown table. On a loaded machine set ``OPENBLAS_NUM_THREADS=1``: the least-squares
fit is tiny and BLAS threads waiting for busy cores cost far more than the work.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from weights import ShareDesign, estimate_share, rake

LEVELS = {"age_band": 9, "sex": 2, "ethnic_group": 5, "ward": 20}


def make(n: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, dict[str, float]], np.ndarray]:
    """Skewed synthetic respondents, flat margins and a 0/1 outcome."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({v: rng.choice([f"{v}{i}" for i in range(k)], n, p=rng.dirichlet(np.full(k, 3.0)))
                          for v, k in LEVELS.items()})
    margins = {v: {f"{v}{i}": 1000.0 / k for i in range(k)} for v, k in LEVELS.items()}
    return frame, margins, (rng.random(n) < 0.2).astype(float)


def best_of(repeat: int, y: np.ndarray, weights: pd.Series, design: ShareDesign | None) -> float:
    """Fastest of ``repeat`` calls of estimate_share, in seconds."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        estimate_share(y, weights, design=design)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| respondents | calibrated share (s) | fixed-weight share (s) |")
    print("|---:|---:|---:|")
    for n in args.sizes:
        frame, margins, y = make(n)
        weights = rake(frame, margins).weights
        design = ShareDesign(frame[list(LEVELS)])
        times = [best_of(args.repeat, y, weights, design), best_of(args.repeat, y, weights, None)]
        print(f"| {n:,} | {times[0]:.3f} | {times[1]:.4f} |")


if __name__ == "__main__":
    main()
