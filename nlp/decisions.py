"""Turning per-topic probabilities into topic lists: per-topic thresholds, chosen to maximise F1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Candidate cut-offs tried for each topic.
THRESHOLDS = np.round(np.arange(0.10, 0.80, 0.05), 2)


def choose_topics(probabilities: np.ndarray, classes: Sequence[str], thresholds: np.ndarray,
                  fallback: str | None) -> list[list[str]]:
    """Topic ids whose probability reaches their threshold, most probable first.

    A row passing no threshold gets ``[fallback]`` (or stays empty when ``fallback`` is None).
    """
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1, len(classes))
    order = np.argsort(-probabilities, axis=1, kind="stable")
    rows, ranks = np.nonzero(np.take_along_axis(probabilities >= thresholds, order, axis=1))
    names = [str(topic) for topic in classes]
    results: list[list[str]] = [[] for _ in range(len(probabilities))]
    for row, column in zip(rows.tolist(), order[rows, ranks].tolist()):
        results[row].append(names[column])
    if fallback is not None:
        for chosen in results:
            if not chosen:
                chosen.append(fallback)
    return results


def best_threshold(probabilities: np.ndarray, target: np.ndarray, candidates: np.ndarray = THRESHOLDS) -> float:
    """The candidate cut-off with the highest F1 on these (out-of-fold) probabilities; ties go to the lowest."""
    best, best_f1 = 0.5, -1.0
    positives = target.sum()
    for threshold in candidates:
        predicted = probabilities >= threshold
        true_positive = float(np.sum(predicted & (target == 1)))
        f1 = 2 * true_positive / (predicted.sum() + positives) if predicted.sum() + positives else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(threshold), f1
    return best
