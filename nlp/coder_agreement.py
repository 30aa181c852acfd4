"""How well each coder agrees with reviewers: per-topic F1 with its n and a bootstrap interval."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TopicAgreementScore:
    """One coder's F1 on one topic against reviewers, with a 95% bootstrap interval."""

    topic: str
    f1: float
    lower: float
    upper: float
    n_reviewed: int
    n_positive: int


@dataclass(frozen=True)
class CoderComparison:
    """One coder's agreement with reviewers on the same comments."""

    coder: str
    n_reviewed: int
    macro_f1: float
    macro_lower: float
    macro_upper: float
    per_topic: tuple[TopicAgreementScore, ...]

    def to_text(self) -> str:
        """A plain table for a terminal or a methods appendix."""
        lines = [f"{self.coder}: macro-F1 {self.macro_f1:.2f} (95% CI {self.macro_lower:.2f}-"
                 f"{self.macro_upper:.2f}), n = {self.n_reviewed} reviewed comments",
                 f"  {'topic':<24} {'F1':>5}  {'95% CI':<11} {'n with topic':>12}"]
        for score in self.per_topic:
            lines.append(f"  {score.topic:<24} {score.f1:>5.2f}  {score.lower:.2f}-{score.upper:.2f}"
                         f"   {score.n_positive:>12}")
        return "\n".join(lines)


def compare_coders(
    gold: Sequence[Sequence[str]],
    predictions: Mapping[str, Sequence[Sequence[str]]],
    topics: Sequence[str],
    *,
    n_boot: int = 500,
    random_state: int = 0,
) -> list[CoderComparison]:
    """Score each coder's topics against reviewers' on the same comments.

    F1 per topic is computed over all reviewed comments; its interval is a percentile bootstrap
    over comments (Efron and Tibshirani 1993, ch. 13), resampling the same comments for every
    coder so the intervals are comparable. Topics no reviewer used are left out of the macro mean.
    """
    truth = _binary(gold, topics)
    rng = np.random.default_rng(random_state)
    draws = rng.integers(0, len(gold), size=(n_boot, len(gold))) if len(gold) else np.zeros((0, 0), int)
    results = []
    for coder, predicted in predictions.items():
        if len(predicted) != len(gold):
            raise ValueError(f"coder {coder!r} gave {len(predicted)} answers for {len(gold)} reviewed comments")
        guess = _binary(predicted, topics)
        used = truth.sum(axis=0) > 0
        point = _f1(truth, guess)
        boot = np.array([_f1(truth[rows], guess[rows]) for rows in draws]) if len(draws) else np.zeros((0, len(topics)))
        per_topic = tuple(
            TopicAgreementScore(topic, float(point[j]), *_percentiles(boot[:, j]), len(gold), int(truth[:, j].sum()))
            for j, topic in enumerate(topics) if used[j]
        )
        macro = float(point[used].mean()) if used.any() else float("nan")
        macro_boot = boot[:, used].mean(axis=1) if used.any() and len(boot) else np.zeros(0)
        results.append(CoderComparison(coder, len(gold), macro, *_percentiles(macro_boot), per_topic))
    return results


def _binary(labels: Sequence[Sequence[str]], topics: Sequence[str]) -> np.ndarray:
    index = {topic: j for j, topic in enumerate(topics)}
    out = np.zeros((len(labels), len(topics)), dtype=bool)
    for i, row in enumerate(labels):
        for topic in row:
            if topic in index:
                out[i, index[topic]] = True
    return out


def _f1(truth: np.ndarray, guess: np.ndarray) -> np.ndarray:
    tp = (truth & guess).sum(axis=0)
    denominator = truth.sum(axis=0) + guess.sum(axis=0)
    return np.divide(2 * tp, denominator, out=np.zeros(truth.shape[1]), where=denominator > 0)


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)
