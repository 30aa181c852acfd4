"""Measure topic models: per-topic precision, recall and F1 by cross-validation, and agreement with reviewers."""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import KFold
from sklearn.preprocessing import MultiLabelBinarizer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicScore:
    """Precision, recall and F1 of one topic; ``support`` is the number of true positives + false negatives."""

    topic: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvaluationReport:
    """Scores per topic plus macro- and micro-averaged F1 over topics with support."""

    name: str
    per_topic: tuple[TopicScore, ...]
    macro_f1: float
    micro_f1: float
    n_texts: int
    n_splits: int

    def to_markdown(self) -> str:
        """Render the report as a Markdown table, worst F1 first."""
        split = f"{self.n_splits}-fold cross-validation" if self.n_splits else "held-out texts"
        lines = [
            f"### {self.name}",
            "",
            f"{self.n_texts} texts, {split}. Macro-F1 **{self.macro_f1:.3f}**, micro-F1 {self.micro_f1:.3f}.",
            "",
            "| topic | precision | recall | F1 | support |",
            "|---|---:|---:|---:|---:|",
        ]
        for score in sorted(self.per_topic, key=lambda s: (s.f1, s.topic)):
            lines.append(f"| {score.topic} | {score.precision:.2f} | {score.recall:.2f} | {score.f1:.2f} | {score.support} |")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TopicAgreement:
    """Agreement between model and reviewers on one topic."""

    topic: str
    kappa: float
    f1: float
    n_model: int
    n_reviewer: int
    n_both: int


@dataclass(frozen=True)
class AgreementResult:
    """Per-topic agreement and the mean Cohen's kappa over topics either side used."""

    per_topic: tuple[TopicAgreement, ...]
    mean_kappa: float
    n_texts: int


def score_predictions(
    predicted: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    *,
    topics: Sequence[str] | None = None,
    name: str = "model",
    n_splits: int = 0,
) -> EvaluationReport:
    """Score predicted topic lists against gold lists (topics default to those in ``gold``)."""
    if len(predicted) != len(gold):
        raise ValueError(f"score_predictions got {len(predicted)} predictions for {len(gold)} gold label lists")
    classes = sorted(topics if topics is not None else {t for labels in gold for t in labels})
    binarizer = MultiLabelBinarizer(classes=classes)
    truth = binarizer.fit_transform([[t for t in labels if t in classes] for labels in gold])
    guess = binarizer.transform([[t for t in labels if t in classes] for labels in predicted])
    precision, recall, f1, support = precision_recall_fscore_support(truth, guess, average=None, zero_division=0)
    scores = tuple(
        TopicScore(topic, float(p), float(r), float(f), int(s))
        for topic, p, r, f, s in zip(classes, precision, recall, f1, support)
    )
    with_support = [score.f1 for score in scores if score.support > 0]
    true_positive = float(np.sum(truth & guess))
    denominator = float(truth.sum() + guess.sum())
    return EvaluationReport(
        name=name,
        per_topic=scores,
        macro_f1=float(np.mean(with_support)) if with_support else 0.0,
        micro_f1=2 * true_positive / denominator if denominator else 0.0,
        n_texts=len(gold),
        n_splits=n_splits,
    )


def evaluate_classifier(
    estimator: object,
    texts: Sequence[str],
    topics: Sequence[Sequence[str]],
    *,
    n_splits: int = 5,
    random_state: int = 0,
    name: str | None = None,
) -> EvaluationReport:
    """Cross-validate any estimator with ``fit(texts, topics)`` and ``predict(texts) -> lists``.

    Each fold fits a fresh clone on the other folds and predicts the held-out one; the report
    scores the pooled out-of-fold predictions.
    """
    text_list = list(texts)
    label_lists = [list(labels) for labels in topics]
    if len(text_list) != len(label_lists):
        raise ValueError(f"evaluate_classifier got {len(text_list)} texts but {len(label_lists)} topic lists")
    predicted: list[list[str]] = [[] for _ in text_list]
    for train, test in KFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(text_list):
        model = clone(estimator).fit([text_list[i] for i in train], [label_lists[i] for i in train])
        for index, labels in zip(test, model.predict([text_list[i] for i in test])):
            predicted[index] = list(labels)
    return score_predictions(predicted, label_lists, name=name or type(estimator).__name__, n_splits=n_splits)


def measure_agreement(
    model_labels: Sequence[Sequence[str]],
    reviewer_labels: Sequence[Sequence[str]],
    *,
    topics: Sequence[str] | None = None,
) -> AgreementResult:
    """Cohen's kappa and F1 per topic between the model's and reviewers' topic lists for the same texts.

    Kappa compares observed agreement on "topic applies / does not" with agreement expected by
    chance (Cohen 1960). A topic neither side ever (or always) used has kappa and F1 NaN and is
    left out of ``mean_kappa``.
    """
    if len(model_labels) != len(reviewer_labels):
        raise ValueError(f"measure_agreement got {len(model_labels)} model label lists but "
                         f"{len(reviewer_labels)} reviewer label lists; they must describe the same texts")
    classes = sorted(topics if topics is not None else {t for labels in (*model_labels, *reviewer_labels) for t in labels})
    rows: list[TopicAgreement] = []
    for topic in classes:
        model = np.array([topic in labels for labels in model_labels], dtype=int)
        reviewer = np.array([topic in labels for labels in reviewer_labels], dtype=int)
        both = int(np.sum(model & reviewer))
        total = int(model.sum() + reviewer.sum())
        rows.append(TopicAgreement(topic, _kappa(model, reviewer), 2 * both / total if total else float("nan"),
                                   int(model.sum()), int(reviewer.sum()), both))
    used = [row.kappa for row in rows if not np.isnan(row.kappa)]
    return AgreementResult(tuple(rows), float(np.mean(used)) if used else float("nan"), len(model_labels))


def _kappa(first: np.ndarray, second: np.ndarray) -> float:
    """Cohen's kappa of two 0/1 vectors; NaN when chance agreement is 1 (both constant and equal)."""
    observed = float(np.mean(first == second))
    p_first, p_second = float(first.mean()), float(second.mean())
    expected = p_first * p_second + (1 - p_first) * (1 - p_second)
    return float("nan") if expected >= 1.0 else (observed - expected) / (1 - expected)


#: Real-text sources whose rows are openly licensed and so may be trained on; every other row is held out.
OPEN_SOURCES = frozenset({"uk_parliament_petitions", "parliament_evidence_uk", "polis_march_on", "polis_bg2050"})


@dataclass(frozen=True)
class LabelledSet:
    """A named set of texts with gold topic lists, for :func:`compare_models`."""

    name: str
    texts: tuple[str, ...]
    topics: tuple[tuple[str, ...], ...]


def read_realtext(folder: Path | str, *, held_out: bool = True, known_topics: Sequence[str] | None = None) -> LabelledSet:
    """Rows of the real-text development set ``folder/comments.csv``.

    ``held_out=True`` keeps the rows whose source is not in :data:`OPEN_SOURCES` (never trained on);
    False keeps the open rows. Raises ``FileNotFoundError`` if the file is absent and
    ``ValueError`` naming row and value for a missing column or a topic outside ``known_topics``.
    """
    file = Path(folder) / "comments.csv"
    with file.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts: list[str] = []
    topics: list[tuple[str, ...]] = []
    for number, row in enumerate(rows, start=2):
        if not {"text", "topics", "source_id"} <= set(row):
            raise ValueError(f"{file}, row {number}: expected columns text, topics, source_id; found {sorted(row)}")
        if (row["source_id"] not in OPEN_SOURCES) != held_out:
            continue
        labels = tuple(label for label in row["topics"].split(";") if label)
        unknown = [label for label in labels if known_topics is not None and label not in known_topics]
        if unknown or not labels:
            raise ValueError(f"{file}, row {number}, column 'topics': {row['topics']!r} has no or unknown topic ids {unknown}")
        texts.append(row["text"])
        topics.append(labels)
    which = "held out (not openly licensed, never trained on)" if held_out else "openly licensed"
    return LabelledSet(f"real comments, {which}", tuple(texts), tuple(topics))


def compare_models(models: dict[str, Any], sets: Sequence[LabelledSet], topics: Sequence[str]) -> dict[str, dict[str, EvaluationReport]]:
    """Score each fitted model (``predict(texts) -> lists``) on each set: ``{set name: {model name: report}}``."""
    return {
        labelled.name: {
            name: score_predictions(model.predict(list(labelled.texts)), labelled.topics, topics=topics, name=name)
            for name, model in models.items()
        }
        for labelled in sets
    }


def format_comparison(results: dict[str, dict[str, EvaluationReport]]) -> str:
    """Markdown: per set, macro/micro-F1 per model, then one row per topic with P, R, F1 of each model and n."""
    lines: list[str] = []
    for set_name, reports in results.items():
        names = list(reports)
        first = reports[names[0]]
        lines += [f"### {set_name} ({first.n_texts} texts)", ""]
        lines += [f"- {name}: macro-F1 **{report.macro_f1:.3f}**, micro-F1 {report.micro_f1:.3f}"
                  for name, report in reports.items()]
        header = " | ".join(f"{name} P | R | F1" for name in names)
        lines += ["", f"| topic | n | {header} |", "|---|---:|" + "---:|" * (3 * len(names))]
        by_topic = {name: {score.topic: score for score in report.per_topic} for name, report in reports.items()}
        for score in sorted(first.per_topic, key=lambda s: -s.support):
            if score.support == 0:
                continue
            cells = " | ".join(f"{by_topic[n][score.topic].precision:.2f} | {by_topic[n][score.topic].recall:.2f} | "
                               f"{by_topic[n][score.topic].f1:.2f}" for n in names)
            lines.append(f"| {score.topic} | {score.support} | {cells} |")
        lines.append("")
    return "\n".join(lines)


def default_realtext_dir() -> Path:
    """``../shared/data/realtext`` relative to the repository root (pass ``--realtext`` for another place)."""
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "realtext"


def compare_standard_models(realtext: Path | str | None) -> tuple[dict[str, dict[str, EvaluationReport]], int]:
    """Keyword baseline, TF-IDF and the shipped MiniLM model scored on the real and synthetic test sets.

    Returns the :func:`compare_models` result and the number of training texts. The real-text
    held-out rows are scored only if ``realtext/comments.csv`` exists; raises ``ValueError`` (from
    :func:`read_realtext`) for a malformed file.
    """
    from nlp.baseline import KeywordClassifier
    from nlp.codeframe import load_codeframe
    from nlp.topics import TopicClassifier
    from nlp.training import (
        TEST_PATH,
        load_labelled,
        load_shipped_sentence_model,
        load_training_set,
    )

    codeframe = load_codeframe()
    training = load_training_set(codeframe)
    test = load_labelled(TEST_PATH, codeframe=codeframe)
    sets = [LabelledSet("synthetic test set (nlp/data/test.csv, written by the team)", test.texts, test.topics)]
    if realtext is not None and (Path(realtext) / "comments.csv").is_file():
        sets.insert(0, read_realtext(realtext, known_topics=codeframe.ids))
    models = {
        "keywords": KeywordClassifier().fit(),
        "TF-IDF": TopicClassifier(codeframe_version=codeframe.version).fit(training.texts, training.topics),
        "MiniLM": load_shipped_sentence_model(),
    }
    return compare_models(models, sets, codeframe.ids), len(training.texts)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the comparison table: keyword baseline, TF-IDF and sentence-embedding models on both sets.

    ``python -m nlp.evaluate [--realtext DIR] [--backend onnx|numpy]``; without the real-text folder only the synthetic
    test set is scored.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=main.__doc__)
    parser.add_argument("--realtext", type=Path, default=default_realtext_dir(),
                        help="folder holding the real-text comments.csv (default: %(default)s)")
    parser.add_argument("--backend", choices=("auto", "onnx", "numpy"), default="auto",
                        help="how the sentence encoder runs (default: ONNX Runtime when installed)")
    args = parser.parse_args(argv)
    from nlp.encoder import configure

    configure(backend=args.backend)
    if not (args.realtext / "comments.csv").is_file():
        print(f"(no {args.realtext / 'comments.csv'}: real comments not scored)")
    results, n_training = compare_standard_models(args.realtext)
    print(f"All models trained on nlp/data/training.csv + training_open.csv ({n_training} texts).\n")
    print(format_comparison(results))


if __name__ == "__main__":
    main()
