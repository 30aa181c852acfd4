"""Benchmark the nlp package: throughput of redaction + classification, training time, and accuracy.

Run on one core from the project root:

    taskset -c 0 python bench/nlp/run.py --write

Throughput is reported against a plain spaCy ``nlp.pipe`` pass (blank English + lookup
lemmatizer + sentencizer) over the same texts, measured in the same run. With ``--write`` the
"## nlp" section of bench/RESULTS.md is replaced (other sections are left alone).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import platform
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nlp import (  # noqa: E402
    TEST_PATH,
    KeywordClassifier,
    TopicClassifier,
    check_safeguarding,
    clear_token_cache,
    evaluate_classifier,
    load_codeframe,
    load_labelled,
    load_pipeline,
    redact,
    score_predictions,
)
from nlp.analyse import analyse_texts  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
EXTRAS = ["my neighbour John says", "call me on 07700 900123,", "at 12 Hill Road", "lol", "tbh", "Honestly,",
          "the car AB12 CDE", "in Romford", "near Upminster station", "after school", "every night"]


def make_texts(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    """Synthetic comments recombined from the bundled labelled texts (one or two per comment)."""
    labelled = load_labelled()
    rng = random.Random(seed)
    texts, topics = [], []
    for _ in range(n):
        picks = rng.sample(range(len(labelled.texts)), rng.choice([1, 1, 2]))
        parts = [labelled.texts[i] for i in picks]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(EXTRAS))
        text = " ".join(parts)
        if rng.random() < 0.2:
            text = re.sub(r"\bthe\b", "teh", text.lower())
        texts.append(text)
        topics.append(sorted({t for i in picks for t in labelled.topics[i]}))
    return texts, topics


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="Comments for the throughput run.")
    parser.add_argument("--n-train", type=int, default=10_000, help="Labelled comments for the training-time run.")
    parser.add_argument("--write", action="store_true", help="Replace the '## nlp' section of bench/RESULTS.md.")
    args = parser.parse_args()
    speed = measure_speed(args.n, args.n_train)
    section = format_section(args.n, args.n_train, speed, measure_accuracy())
    print(section)
    if args.write:
        write_section(section)


def measure_speed(n: int, n_train: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds for the spaCy baseline, redaction + classification, full analysis, and training."""
    labelled = load_labelled()
    version = load_codeframe().version
    model = TopicClassifier(codeframe_version=version).fit(labelled.texts, labelled.topics)
    texts, _ = make_texts(n, seed=1)
    seconds: dict[str, tuple[float, float]] = {}
    with timed(seconds, "baseline"):
        for _ in load_pipeline().pipe(texts, batch_size=1000):
            pass
    # Each timed run starts cold: no memoised tokens, and a model copy without cached n-gram columns.
    clear_token_cache()
    cold = pickle.loads(pickle.dumps(model))
    with timed(seconds, "redact_classify"):
        redacted = [redact(text).text for text in texts]
        predicted = cold.predict(texts)
    assert len(redacted) == len(predicted)
    clear_token_cache()
    cold = pickle.loads(pickle.dumps(model))
    with timed(seconds, "full"):
        analyse_texts(texts, cold)
    train_texts, train_topics = make_texts(n_train, seed=2)
    with timed(seconds, "train"):
        TopicClassifier(codeframe_version=version).fit(train_texts, train_topics)
    return seconds


@contextlib.contextmanager
def timed(seconds: dict[str, tuple[float, float]], name: str) -> Iterator[None]:
    """Record wall-clock and CPU seconds of the block under ``name``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    seconds[name] = (time.perf_counter() - wall, time.process_time() - cpu)


def measure_accuracy() -> dict[str, Any]:
    """Cross-validated and held-out macro-F1 of the model and the keyword baseline."""
    labelled = load_labelled()
    version = load_codeframe().version
    model = TopicClassifier(codeframe_version=version).fit(labelled.texts, labelled.topics)
    held_out = load_labelled(TEST_PATH)
    topics = list(model.classes_)
    return {
        "cv_model": evaluate_classifier(TopicClassifier(codeframe_version=version), labelled.texts,
                                        labelled.topics, n_splits=5, name="TopicClassifier, 5-fold CV on training.csv"),
        "cv_keywords": evaluate_classifier(KeywordClassifier(), labelled.texts, labelled.topics, n_splits=5),
        "held_model": score_predictions(model.predict(held_out.texts), held_out.topics, topics=topics),
        "held_keywords": score_predictions(KeywordClassifier().fit().predict(held_out.texts), held_out.topics,
                                           topics=topics),
        "n_held_out": len(held_out.texts),
        "n_training": len(labelled.texts),
        "n_flagged": sum(check_safeguarding(text).is_flagged for text in labelled.texts),
    }


def format_section(n: int, n_train: int, seconds: dict[str, tuple[float, float]], accuracy: dict[str, Any]) -> str:
    """The Markdown for RESULTS.md."""
    base, base_cpu = seconds["baseline"]
    cv_model = accuracy["cv_model"]

    def row(label: str, key: str) -> str:
        wall, cpu = seconds[key]
        return f"| {label} | {rate(n, wall):,.0f} | {base / wall:.2f} | {rate(n, cpu):,.0f} | {base_cpu / cpu:.2f} |"

    lines = [
        "## nlp",
        "",
        f"Reproduce: `taskset -c 0 python bench/nlp/run.py --n {n} --n-train {n_train} --write` "
        f"(Python {platform.python_version()}, {platform.machine()}, one core; the machine was shared with "
        "other jobs, so absolute rates are noisy; ratios are from the same run). CPU columns use the "
        "process's CPU time, which other jobs on the machine disturb less than wall-clock time.",
        "",
        "| measure | comments/s (wall) | vs spaCy `nlp.pipe` | comments/s (CPU) | vs spaCy (CPU) |",
        "|---|---:|---:|---:|---:|",
        row("baseline: spaCy `nlp.pipe` (blank en + lemmatizer + sentencizer)", "baseline"),
        row("redaction + classification", "redact_classify"),
        row("full `analyse_texts` (clean + redact + safeguarding + classify)", "full"),
        "",
        f"Training on {n_train:,} labelled comments: {seconds['train'][0]:.1f} s wall, {seconds['train'][1]:.1f} s CPU.",
        "",
        "Goal: at least 5,000 comments/s end to end; training under 30 s. Accuracy on synthetic, "
        "team-written data (real comments will score lower):",
        "",
        f"- macro-F1 by 5-fold CV on training.csv: model **{cv_model.macro_f1:.3f}**, keyword baseline "
        f"{accuracy['cv_keywords'].macro_f1:.3f}",
        f"- macro-F1 on the held-out test.csv ({accuracy['n_held_out']} texts): model "
        f"**{accuracy['held_model'].macro_f1:.3f}**, keyword baseline {accuracy['held_keywords'].macro_f1:.3f}",
        f"- safeguarding flags raised on the {accuracy['n_training']} training comments: {accuracy['n_flagged']}",
        "",
        cv_model.to_markdown().replace("### ", "#### "),
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Replace the '## nlp' section of RESULTS.md, keeping every other section."""
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## nlp\n.*?(?=^## |\Z)", re.S | re.M)
    updated = pattern.sub(lambda _: section + "\n", existing) if pattern.search(existing) else (
        existing.rstrip("\n") + "\n\n" + section)
    RESULTS.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
