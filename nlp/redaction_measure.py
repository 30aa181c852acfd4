"""Measure the redactor alone: recall and words kept on every redaction set, and what it does to real comments.

    python -m nlp.redaction_measure [-v]

Prints, for each ``tests/data/nlp/redaction_*.csv`` set, the share of planted details removed and
of words kept; then, on the public comments of the real-text set (``../shared/data/realtext``),
how many spans and tokens it redacts, how many comments it touches or judges uncertain, and the
CPU time of one pass of :func:`nlp.redact` over them (comments per second) with the load average.
The real comments are mostly free of personal details, so a rise in their redactions means
over-redaction. ``-v`` lists each leak and loss on the sets, and each kind of span on the real
comments with its length only: no resident's words are printed.

Run it as a file (``python nlp/redaction_measure.py``) with another checkout's ``nlp`` first on
``PYTHONPATH`` to measure that version on the same data.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from pathlib import Path

from nlp.evaluate_safety import read_rows, score_redaction
from nlp.redaction import redact

ROOT = Path(__file__).resolve().parents[1]
SETS = ("redaction_cases.csv", "redaction_holdout.csv", "redaction_planted_dev.csv", "redaction_planted_heldout.csv",
        "redaction_planted_fresh.csv", "redaction_kept_apart.csv", "redaction_kept_apart2.csv", "redaction_kept_apart3.csv")


def print_sets(folder: Path, verbose: bool) -> None:
    """Details removed and words kept on each redaction set in ``folder`` (scored as in
    :mod:`nlp.evaluate_safety`)."""
    for name in SETS:
        scores = score_redaction(read_rows(folder / name))
        print(f"{name}: details removed {scores.removed}, words kept {scores.kept}")
        for line in (scores.leaks + scores.lost) if verbose else ():
            print(f"  {line}")


def print_real_comments(path: Path, verbose: bool) -> None:
    """Redactions on the real comments and the CPU time of one pass over them."""
    texts = [row["text"] for row in read_rows(path)]
    redact("warm up: John on 07700 900123, me and zorbek, its alright")  # lists and tables load here
    started = time.process_time()
    results = [redact(text) for text in texts]
    cpu = time.process_time() - started
    spans = [span for result in results for span in result.spans]
    print(f"\nreal comments ({path}): {len(texts)} comments, {len(spans)} spans, "
          f"{sum(len(span.text.split()) for span in spans)} tokens redacted, "
          f"{sum(result.has_redactions for result in results)} comments touched, "
          f"{sum(result.is_uncertain for result in results)} uncertain")
    print(f"  kinds: {dict(Counter(span.kind for span in spans))}")
    print(f"  CPU {cpu:.3f} s for one pass, {len(texts) / cpu:.0f} comments/s; load average "
          f"{', '.join(f'{load:.2f}' for load in os.getloadavg())}")
    for span in spans if verbose else ():
        print(f"  {span.kind} of {len(span.text)} characters")


def main(argv: list[str] | None = None) -> None:
    """Print every figure."""
    parser = argparse.ArgumentParser(description="Measure the redactor on the labelled sets and real comments.")
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "nlp")
    parser.add_argument("--realtext", type=Path, default=ROOT.parent / "shared" / "data" / "realtext")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    print_sets(args.data, args.verbose)
    comments = args.realtext / "comments.csv"
    if comments.exists():
        print_real_comments(comments, args.verbose)
    else:
        print(f"\nreal-text set not found at {comments}; skipped")


if __name__ == "__main__":
    main()
