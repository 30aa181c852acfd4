"""Benchmark end-to-end text analysis with the sentence-embedding topic model, beside spaCy and TF-IDF.

    python bench/nlp/embedding.py [--n 1000] [--n-two 10000]

Measures, in one run and on the same synthetic comments (recombined from nlp/data/training.csv):
spaCy ``nlp.pipe`` with a blank English pipeline (the named peer), ``analyse_texts`` (clean,
redact, safeguarding, classify) with the TF-IDF model, and the same with the MiniLM model; each
on one core (this process pinned to CPU 0, BLAS limited to one thread), then the MiniLM run on
two cores (two worker processes, one pinned per CPU, half the texts each). Prints wall and CPU
rates and peak resident memory. The machine is shared, so CPU-time rates are the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nlp.analyse import analyse_texts  # noqa: E402
from nlp.training import load_labelled, load_shipped_sentence_model, load_training_set  # noqa: E402


def make_texts(n: int, seed: int = 0) -> list[str]:
    """Synthetic comments: one or two bundled training texts joined (team-written, not residents')."""
    pool = load_labelled().texts
    rng = random.Random(seed)
    return [" ".join(rng.sample(pool, rng.choice([1, 1, 2]))) for _ in range(n)]


def timed(function, *args) -> tuple[float, float]:
    """Wall and CPU seconds of ``function(*args)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def _worker(cpu: int, texts: list[str]) -> tuple[float, float, int]:
    os.sched_setaffinity(0, {cpu})
    model = load_shipped_sentence_model()
    analyse_texts(texts[:20], model)  # warm up: load the encoder weights
    wall, cpu_seconds = timed(analyse_texts, texts, model)
    return wall, cpu_seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="comments for the one-core runs")
    parser.add_argument("--n-two", type=int, default=10000, help="comments for the two-core MiniLM run")
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})
    texts = make_texts(args.n)
    import spacy

    from nlp.topics import TopicClassifier

    blank = spacy.blank("en")
    training = load_training_set()
    tfidf = TopicClassifier().fit(training.texts, training.topics)
    minilm = load_shipped_sentence_model()
    analyse_texts(texts[:20], tfidf)
    analyse_texts(texts[:20], minilm)
    rows = {
        "spaCy blank en `nlp.pipe`": timed(lambda: list(blank.pipe(texts, batch_size=1000))),
        "analyse_texts + TF-IDF": timed(analyse_texts, texts, tfidf),
        "analyse_texts + MiniLM": timed(analyse_texts, texts, minilm),
        "MiniLM classify only (encoder + regression)": timed(minilm.predict, texts),
    }
    peak_one = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    peer_wall, peer_cpu = rows["spaCy blank en `nlp.pipe`"]
    print(f"one core, {args.n} synthetic comments, load average {os.getloadavg()[0]:.1f}")
    print("| run | comments/s wall | comments/s CPU | vs spaCy (CPU) |\n|---|---:|---:|---:|")
    for name, (wall, cpu) in rows.items():
        print(f"| {name} | {args.n / wall:,.0f} | {args.n / cpu:,.0f} | {peer_cpu / cpu:.4f} |")
    print(f"peak RSS of the one-core process (all three models loaded): {peak_one} MB")
    many = make_texts(args.n_two, seed=1)
    halves = [many[: len(many) // 2], many[len(many) // 2 :]]
    wall = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_worker, [0, 1], halves))
    total = time.perf_counter() - wall
    slowest_cpu = max(cpu for _, cpu, _ in results)
    print(f"two cores, {args.n_two} comments, analyse_texts + MiniLM: {total:.1f} s wall including start-up "
          f"({args.n_two / total:,.0f}/s); busiest worker {slowest_cpu:.1f} s CPU "
          f"({args.n_two / slowest_cpu:,.0f}/s on an idle machine); peak RSS per worker "
          f"{max(mb for _, _, mb in results)} MB")


if __name__ == "__main__":
    main()
