"""Benchmark the intake screen: redaction plus safeguarding per comment, on one core.

Run from the project root:

    taskset -c 0 python bench/nlp/screen.py

The comments are the bundled synthetic training texts (written by the team), each repeated
with a planted personal detail so the redactor has work to do. Prints comments per second for
``redact`` + ``check_safeguarding`` (and ``assess_redaction`` when it exists), best of 5 rounds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import nlp  # noqa: E402
from nlp import check_safeguarding, load_labelled, redact  # noqa: E402

PLANTED = ["my neighbour John says", "call me on 07700 900123,", "at 12 Hill Road", "snap me at jay_xo",
           "Mr Patel said", "the car AB12 CDE", "in Romford", "ahmed khan from the flats"]


def make_texts() -> list[str]:
    """The training texts, then each again with a planted detail in front."""
    texts = list(load_labelled().texts)
    return texts + [f"{PLANTED[i % len(PLANTED)]} {text}" for i, text in enumerate(texts)]


def rate(texts: list[str], rounds: int) -> float:
    """Best comments per second over ``rounds`` passes of redact + screen."""
    assess = getattr(nlp, "assess_redaction", None) if "assess_redaction" in dir(nlp) else None
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            (assess or redact)(text)
            check_safeguarding(text)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def main() -> None:
    """Print the rate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = make_texts()
    redact("warm up Mr Patel 07700 900123")
    check_safeguarding("warm up")
    print(f"{len(texts)} comments, redact + safeguarding: {rate(texts, args.rounds):,.0f} comments/s (one core)")


if __name__ == "__main__":
    main()
