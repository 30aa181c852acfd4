"""Benchmark the nlp package: throughput of redaction + classification, training time, and accuracy.

Run on one core from the project root:

    taskset -c 0 python bench/nlp/run.py --write

Throughput is reported against a plain spaCy ``nlp.pipe`` pass (blank English + lookup
lemmatizer + sentencizer) over the same texts, measured in the same run. With ``--write`` the
"## nlp" section of bench/RESULTS.md is replaced (other sections are left alone).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

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

    labelled = load_labelled()
    version = load_codeframe().version
    model = TopicClassifier(codeframe_version=version).fit(labelled.texts, labelled.topics)
    texts, _ = make_texts(args.n, seed=1)

    nlp = load_pipeline()
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=1000):
        pass
    baseline_s = time.perf_counter() - start

    start = time.perf_counter()
    redacted = [redact(text).text for text in texts]
    predicted = model.predict(texts)
    redact_classify_s = time.perf_counter() - start
    assert len(redacted) == len(predicted)

    start = time.perf_counter()
    analyse_texts(texts, model)
    full_s = time.perf_counter() - start

    start = time.perf_counter()
    flagged = sum(check_safeguarding(text).is_flagged for text in labelled.texts)
    train_texts, train_topics = make_texts(args.n_train, seed=2)
    start = time.perf_counter()
    TopicClassifier(codeframe_version=version).fit(train_texts, train_topics)
    train_s = time.perf_counter() - start

    cv_model = evaluate_classifier(TopicClassifier(codeframe_version=version), labelled.texts, labelled.topics,
                                   n_splits=5, name="TopicClassifier, 5-fold CV on training.csv")
    cv_keywords = evaluate_classifier(KeywordClassifier(), labelled.texts, labelled.topics, n_splits=5,
                                      name="Keyword baseline, same folds")
    held_out = load_labelled(TEST_PATH)
    topics = list(model.classes_)
    held_model = score_predictions(model.predict(held_out.texts), held_out.topics, topics=topics, name="held-out")
    held_keywords = score_predictions(KeywordClassifier().fit().predict(held_out.texts), held_out.topics,
                                      topics=topics, name="held-out keywords")

    lines = [
        "## nlp",
        "",
        f"Reproduce: `taskset -c 0 python bench/nlp/run.py --n {args.n} --n-train {args.n_train} --write` "
        f"(Python {platform.python_version()}, {platform.machine()}, one core).",
        "",
        "| measure | value | vs spaCy `nlp.pipe` baseline |",
        "|---|---:|---:|",
        f"| baseline: spaCy `nlp.pipe` (blank en + lemmatizer + sentencizer), comments/s | "
        f"{rate(args.n, baseline_s):,.0f} | 1.00 |",
        f"| redaction + classification, comments/s | {rate(args.n, redact_classify_s):,.0f} | "
        f"{baseline_s / redact_classify_s:.2f} |",
        f"| full `analyse_texts` (clean + redact + safeguarding + classify), comments/s | "
        f"{rate(args.n, full_s):,.0f} | {baseline_s / full_s:.2f} |",
        f"| training on {args.n_train:,} labelled comments, s | {train_s:.1f} | |",
        "",
        f"Goal: at least 5,000 comments/s end to end; training under 30 s. Accuracy "
        f"(synthetic, team-written data; real comments will score lower):",
        "",
        f"- macro-F1 by 5-fold CV on training.csv: model **{cv_model.macro_f1:.3f}**, keyword baseline "
        f"{cv_keywords.macro_f1:.3f}",
        f"- macro-F1 on the held-out test.csv ({len(held_out.texts)} texts): model **{held_model.macro_f1:.3f}**, "
        f"keyword baseline {held_keywords.macro_f1:.3f}",
        f"- safeguarding flags on the {len(labelled.texts)} training comments (general safety views): {flagged}",
        "",
        cv_model.to_markdown().replace("### ", "#### "),
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write:
        write_section(section)


def write_section(section: str) -> None:
    """Replace the '## nlp' section of RESULTS.md, keeping every other section."""
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## nlp\n.*?(?=^## |\Z)", re.S | re.M)
    updated = pattern.sub(lambda _: section + "\n", existing) if pattern.search(existing) else (
        existing.rstrip("\n") + "\n\n" + section)
    RESULTS.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
