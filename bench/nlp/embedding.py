"""Benchmark end-to-end text analysis with the sentence-embedding topic model, beside spaCy and TF-IDF.

    python bench/nlp/embedding.py [--n 1000] [--n-two 10000] [--realtext ../shared/data/realtext]

Measures, in one run and on the same comments: spaCy ``nlp.pipe`` with a blank English pipeline
(the named peer), ``analyse_texts`` (clean, redact, safeguarding, classify) with the TF-IDF model,
and the same with the MiniLM model with the encoder's ONNX Runtime path and its numpy path. Each
runs on one core (this process pinned to CPU 0; BLAS and ONNX Runtime limited to one thread), on
two sets of comments: synthetic ones recombined from nlp/data/training.csv (team-written; every
text distinct, so the encoder's de-duplication saves nothing) and, with ``--realtext``, the real
comments of the development set (not written by the team; measurement only; median 51 word
pieces against the synthetic set's 21). Then two cores for ``--n-two`` synthetic comments: one
process with ONNX Runtime using two threads (how ``voice classify`` runs), and two processes
pinned one per CPU. Prints wall and CPU rates and peak resident memory; the machine is shared,
so CPU-time rates and ratios within the run are the figures to read.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
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
    """``n`` distinct synthetic comments: one or two bundled training texts joined (team-written)."""
    pool = load_labelled().texts
    rng = random.Random(seed)
    texts: dict[str, None] = {}
    while len(texts) < n:
        texts[" ".join(rng.sample(pool, rng.choice([1, 2, 2])))] = None
    return list(texts)


def real_texts(folder: Path) -> list[str]:
    """The real development comments (``comments.csv``; not written by the team)."""
    with (folder / "comments.csv").open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def timed(function, *args) -> tuple[float, float]:
    """Wall and CPU seconds of ``function(*args)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def with_backend(backend: str):  # type: ignore[no-untyped-def]
    """The shipped MiniLM model with a fresh encoder of the given backend (one thread)."""
    from nlp import sentence_topics
    from nlp.encoder import SentenceEncoder

    sentence_topics._ENCODERS.clear()
    sentence_topics._ENCODERS[str(None)] = SentenceEncoder(backend=backend, threads=1)
    return load_shipped_sentence_model()


def one_core(texts: list[str], label: str) -> None:
    """Every one-core row for ``texts``, printed as a markdown table."""
    import spacy

    from nlp.topics import TopicClassifier

    blank = spacy.blank("en")
    training = load_training_set()
    tfidf = TopicClassifier().fit(training.texts, training.topics)
    rows = {"spaCy blank en `nlp.pipe` (peer)": timed(lambda: list(blank.pipe(texts, batch_size=1000)))}
    analyse_texts(texts[:20], tfidf)
    rows["`analyse_texts` + TF-IDF"] = timed(analyse_texts, texts, tfidf)
    for backend in ("onnx", "numpy"):
        model = with_backend(backend)
        analyse_texts(texts[:5], model)  # the session and weights are loaded; the texts below are not cached
        rows[f"`analyse_texts` + MiniLM, {backend}"] = timed(analyse_texts, texts, model)
        model = with_backend(backend)  # a fresh encoder: its memo holds none of these texts
        model.predict(texts[:5])
        rows[f"MiniLM classify only, {backend}"] = timed(model.predict, texts)
    peer_wall, peer_cpu = rows["spaCy blank en `nlp.pipe` (peer)"]
    print(f"\none core (CPU 0), {len(texts)} {label}, load average {os.getloadavg()[0]:.1f}\n")
    print("| run | comments/s wall | comments/s CPU | vs spaCy (CPU) |\n|---|---:|---:|---:|")
    for name, (wall, cpu) in rows.items():
        print(f"| {name} | {len(texts) / wall:,.0f} | {len(texts) / cpu:,.0f} | {peer_cpu / cpu:.4f} |")


def _worker(cpu: int, texts: list[str]) -> tuple[float, float, int]:
    from nlp import sentence_topics

    os.sched_setaffinity(0, {cpu})
    sentence_topics._ENCODERS.clear()  # a forked worker must not inherit the parent's last (numpy) encoder
    model = load_shipped_sentence_model()
    analyse_texts(texts[:5], model)
    wall, cpu_seconds = timed(analyse_texts, texts, model)
    return wall, cpu_seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def two_threads(n: int) -> None:
    """Child process: all of ``n`` comments in one process on CPUs 0 and 1, ONNX Runtime with two threads."""
    os.sched_setaffinity(0, {0, 1})
    from nlp.encoder import configure

    configure(threads=2)
    texts = make_texts(n, seed=1)
    model = load_shipped_sentence_model()
    analyse_texts(texts[:5], model)
    wall, cpu = timed(analyse_texts, texts, model)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"two cores, one process, ONNX Runtime 2 threads, {n} comments: {wall:.1f} s wall "
          f"({n / wall:,.0f}/s), {cpu:.1f} s CPU; peak RSS {peak} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="synthetic comments for the one-core runs")
    parser.add_argument("--n-two", type=int, default=10000, help="synthetic comments for the two-core runs")
    parser.add_argument("--realtext", type=Path, default=None, help="folder with the real comments.csv")
    parser.add_argument("--two-threads-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.two_threads_child:
        two_threads(args.two_threads_child)
        return
    os.sched_setaffinity(0, {0})
    one_core(make_texts(args.n), "synthetic comments (team-written, distinct)")
    if args.realtext is not None:
        one_core(real_texts(args.realtext), "real comments (development set, not written by the team)")
    print(f"\npeak RSS of the one-core process (spaCy, TF-IDF and both MiniLM paths loaded): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    environment = {**os.environ, "OMP_NUM_THREADS": "2"}
    subprocess.run([sys.executable, __file__, "--two-threads-child", str(args.n_two)], env=environment, check=True)
    many = make_texts(args.n_two, seed=1)
    halves = [many[: len(many) // 2], many[len(many) // 2 :]]
    wall = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_worker, [0, 1], halves))
    total = time.perf_counter() - wall
    slowest_cpu = max(cpu for _, cpu, _ in results)
    print(f"two cores, two pinned processes (ONNX Runtime), {args.n_two} comments: {total:.1f} s wall including "
          f"start-up ({args.n_two / total:,.0f}/s); busiest worker {slowest_cpu:.1f} s CPU "
          f"({args.n_two / slowest_cpu:,.0f}/s if each had its core); peak RSS per worker "
          f"{max(mb for _, _, mb in results)} MB")


if __name__ == "__main__":
    main()
