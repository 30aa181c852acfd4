"""Multi-label topic classifier on sentence embeddings (all-MiniLM-L6-v2, :mod:`nlp.encoder`).

Each topic gets its own logistic regression on the 384-dimensional embedding (one-vs-rest).
A text of several sentences is also cut into segments (sentences, short ones joined to reach six
words) and each topic's probability is the highest of the whole text's and its segments': a
mean-pooled embedding of a long comment that names five problems sits between all five, so the
whole text alone under-scores each (on held-out real comments, taking the maximum raised
macro-F1 from 0.58 to 0.62; see ``bench/RESULTS.md``).
Each topic's probability cut-off is the one that maximised F1 on out-of-fold probabilities
from cross-validation on the training data only. Fitting needs scikit-learn; predicting a loaded
model needs only numpy, ``tokenizers`` and the encoder weights.

A fitted model is saved as two files: ``<name>.npz`` (coefficients, intercepts, thresholds,
topic ids; no pickled objects) and ``<name>.json`` (the npz file's SHA-256, the encoder's, the
codeframe version, what it was trained on). :func:`load_sentence_model` refuses an npz file whose
hash differs from its manifest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.decisions import best_threshold, choose_topics
from nlp.encoder import DIMENSION, MODEL_SHA256, SentenceEncoder
from nlp.errors import NotFittedError, TrainingDataError
from nlp.manifests import read_checked_manifest
from nlp.spans import embed_comments

logger = logging.getLogger(__name__)

_FORMAT = 1
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_SEGMENT_WORDS = 6
_ENCODERS: dict[str, SentenceEncoder] = {}  # one loaded encoder per weights folder and process
_LOADING = threading.Lock()


def shared_encoder(model_dir: Path | str | None = None) -> SentenceEncoder:
    """The process's encoder for ``model_dir`` (loaded on first use: about 160 MB with ONNX Runtime, 230 MB with numpy)."""
    key = str(model_dir)
    encoder = _ENCODERS.get(key)
    if encoder is None:
        with _LOADING:  # a threaded server's first requests: one thread loads, the others wait
            if key not in _ENCODERS:
                _ENCODERS[key] = SentenceEncoder(model_dir)
            encoder = _ENCODERS[key]
    return encoder


def split_segments(text: str, *, min_words: int = _SEGMENT_WORDS) -> list[str]:
    """Sentences of ``text``, each short one joined to the next until it has ``min_words`` words.

    Returns ``[]`` when there is only one segment (the whole text is scored anyway).
    """
    segments: list[str] = []
    pending = ""
    for part in _SENTENCE_END.split(text):
        pending = f"{pending} {part}".strip()
        if len(pending.split()) >= min_words:
            segments.append(pending)
            pending = ""
    if pending:
        if segments:
            segments[-1] = f"{segments[-1]} {pending}"
        else:
            segments.append(pending)
    return segments if len(segments) > 1 else []


@dataclass(frozen=True)
class Embedded:
    """Embeddings of texts (``texts``, one row each) and of their segments (``owners[k]`` = text of row k)."""

    texts: np.ndarray
    owners: np.ndarray
    segments: np.ndarray

    def subset(self, rows: np.ndarray) -> Embedded:
        """The same for texts ``rows`` only (segments renumbered to match)."""
        position = np.full(len(self.texts), -1)
        position[rows] = np.arange(len(rows))
        keep = position[self.owners] >= 0 if len(self.owners) else np.zeros(0, dtype=bool)
        return Embedded(self.texts[rows], position[self.owners[keep]], self.segments[keep])


class SentenceTopicClassifier:
    """Assign zero or more codeframe topics to each text from its sentence embedding.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of each topic's logistic regression.
    class_weight : str or None
        ``"balanced"`` weighs a topic's few positive examples up to match its negatives.
    cv : int
        Folds used to choose the thresholds.
    min_positive : int
        Topics with fewer positive examples are not learned (never predicted).
    fallback : str or None
        Topic given to a text that passes no threshold (None: leave it empty).
    codeframe_version : str
        Recorded in ``version_``.
    model_dir : path or None
        Encoder weights folder (None: the float16 copy shipped in ``nlp/data/minilm``, hash-checked).
    random_state : int
        Seed for fold assignment.

    Attributes
    ----------
    classes_ : ndarray of str
        Topic ids, in column order of ``predict_proba``.
    coef_ : ndarray of shape (384, n_classes)
    intercept_, thresholds_ : ndarray of shape (n_classes,)
    skipped_topics_ : tuple of str
    version_ : str
        ``"<codeframe_version>+<model hash>"``.
    """

    def __init__(self, *, C: float = 4.0, class_weight: str | None = "balanced", cv: int = 5, min_positive: int = 3,
                 fallback: str | None = "other", codeframe_version: str = "", model_dir: Path | str | None = None,
                 random_state: int = 0) -> None:
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.min_positive = min_positive
        self.fallback = fallback
        self.codeframe_version = codeframe_version
        self.model_dir = model_dir
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (for ``sklearn.base.clone`` and cache keys)."""
        return {name: getattr(self, name) for name in ("C", "class_weight", "cv", "min_positive", "fallback",
                                                         "codeframe_version", "model_dir", "random_state")}

    def set_params(self, **params: Any) -> SentenceTopicClassifier:
        """Set constructor parameters; return ``self``."""
        for name, value in params.items():
            if name not in self.get_params():
                raise ValueError(f"SentenceTopicClassifier has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def embed(self, texts: Sequence[str]) -> Embedded:
        """Embeddings of ``texts`` and of their segments (:func:`split_segments`, each encoded on its own).

        The whole text's embedding comes from :func:`nlp.spans.embed_comments`, the pass that also
        gives the disclosure detector its pieces, so screening a comment runs the whole text once.
        """
        text_list = list(texts)
        encoder = shared_encoder(self.model_dir)
        owners: list[int] = []
        pieces: list[str] = []
        for row, text in enumerate(text_list):
            for segment in split_segments(text):
                owners.append(row)
                pieces.append(segment)
        whole = [comment.vectors[0] for comment in embed_comments(encoder, text_list)]
        return Embedded(np.array(whole, dtype=np.float32).reshape(len(text_list), DIMENSION),
                        np.array(owners, dtype=int), encoder.encode(pieces))

    def fit(self, texts: Sequence[str], topics: Sequence[Sequence[str]]) -> SentenceTopicClassifier:
        """Embed the texts and learn their topics; return ``self``."""
        text_list = list(texts)
        for row, text in enumerate(text_list):
            if not isinstance(text, str):
                raise TrainingDataError(f"text #{row} must be a str, got {type(text).__name__}: {text!r}")
        return self.fit_embeddings(self.embed(text_list), topics)

    def fit_embeddings(self, embedded: Embedded, topics: Sequence[Sequence[str]]) -> SentenceTopicClassifier:
        """Learn topics from ready embeddings (rows aligned with ``topics``); return ``self``.

        Raises
        ------
        TrainingDataError
            If lengths differ, there are fewer than two texts per fold, or no topic has
            ``min_positive`` examples.
        """
        label_lists = [list(labels) for labels in topics]
        matrix = np.asarray(embedded.texts, dtype=np.float64)
        if len(matrix) != len(label_lists):
            raise TrainingDataError(f"fit got {len(matrix)} texts but {len(label_lists)} topic lists; they must align")
        if len(matrix) < 2 * self.cv:
            raise TrainingDataError(f"fit needs at least {2 * self.cv} texts for cv={self.cv}, got {len(matrix)}")
        for row, labels in enumerate(label_lists):
            if isinstance(topics[row], str) or any(not isinstance(label, str) for label in labels):
                raise TrainingDataError(f"topics #{row} must be a list of topic ids, got {topics[row]!r}")
        counts: dict[str, int] = {}
        for labels in label_lists:
            for label in set(labels):
                counts[label] = counts.get(label, 0) + 1
        learnable = sorted(t for t, n in counts.items() if self.min_positive <= n < len(matrix))
        if not learnable:
            raise TrainingDataError(f"no topic has at least min_positive={self.min_positive} examples among "
                                    f"{len(matrix)} texts; counts: {counts!r}")
        targets = np.array([[label in labels for label in learnable] for labels in label_lists], dtype=int)
        out_of_fold = self._out_of_fold(embedded, targets)
        self.classes_ = np.array(learnable, dtype=object)
        self.skipped_topics_ = tuple(sorted(set(counts) - set(learnable)))
        self.thresholds_ = np.array([best_threshold(out_of_fold[:, j], targets[:, j]) for j in range(len(learnable))])
        self.coef_, self.intercept_ = _fit_all(self._regression, matrix, targets)
        self.version_ = f"{self.codeframe_version or 'none'}+{self._hash()}"
        return self

    def predict_proba_embeddings(self, embedded: Embedded) -> np.ndarray:
        """Probability of each topic: the highest of the whole text's and its segments' (columns follow ``classes_``)."""
        self._check_fitted()
        return _combined_proba(self.coef_, self.intercept_, embedded)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each topic (columns follow ``classes_``); rows need not sum to 1."""
        self._check_fitted()
        return self.predict_proba_embeddings(self.embed(texts)).astype(float)

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """Topic ids whose probability reaches their threshold, most probable first."""
        return self.labels_from_proba(self.predict_proba(texts))

    def labels_from_proba(self, probabilities: np.ndarray) -> list[list[str]]:
        """Turn a ``predict_proba`` matrix into topic lists."""
        self._check_fitted()
        return choose_topics(probabilities, self.classes_, self.thresholds_, self.fallback)

    def save(self, path: Path | str, *, trained_on: dict[str, Any] | None = None) -> Path:
        """Write ``path`` (.npz) and its manifest (same name, .json); return the npz path."""
        self._check_fitted()
        target = Path(path).with_suffix(".npz")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial.npz")
        np.savez(partial, coef=self.coef_, intercept=self.intercept_, thresholds=self.thresholds_,
                 classes=np.array([str(c) for c in self.classes_]))
        partial.replace(target)
        manifest = {"format": _FORMAT, "model_sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                    "encoder_sha256": MODEL_SHA256, "version": self.version_,
                    "params": {k: v for k, v in self.get_params().items() if k != "model_dir"},
                    "skipped_topics": list(self.skipped_topics_), "trained_on": trained_on or {}}
        target.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return target

    def _regression(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000)

    def _out_of_fold(self, embedded: Embedded, targets: np.ndarray) -> np.ndarray:
        from sklearn.model_selection import KFold

        scores = np.zeros(targets.shape, dtype=float)
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(embedded.texts):
            coef, intercept = _fit_all(self._regression, np.asarray(embedded.texts[train], dtype=np.float64), targets[train])
            scores[test] = _combined_proba(coef, intercept, embedded.subset(test))
        return scores

    @property
    def coder_version(self) -> str:
        """``version_`` and the encoder backend that makes its embeddings ("onnx" or "numpy"): the two
        differ slightly (cosine >= 0.99), so codes cached or recorded under one are not taken for
        the other's."""
        return f"{self.version_}+{shared_encoder(self.model_dir).backend}"

    def _hash(self) -> str:
        digest = hashlib.sha256()
        for array in (self.coef_, self.intercept_, self.thresholds_):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update("\n".join(str(c) for c in self.classes_).encode())
        return digest.hexdigest()[:12]

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("this SentenceTopicClassifier is not fitted; call fit(texts, topics) "
                                 "or load_sentence_model(path)")


def _fit_all(make: Any, matrix: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (features x topics) and intercepts of one regression per target column.

    A column with one value only gets zero weights and an intercept of +-20 (probability 1 or 0).
    """
    coef = np.zeros((matrix.shape[1], targets.shape[1]), dtype=np.float32)
    intercept = np.zeros(targets.shape[1], dtype=np.float32)
    for j in range(targets.shape[1]):
        column = targets[:, j]
        if column.min() == column.max():
            intercept[j] = 20.0 if column[0] else -20.0
            continue
        model = make().fit(matrix, column)
        coef[:, j], intercept[j] = model.coef_[0], model.intercept_[0]
    return coef, intercept


def _combined_proba(coef: np.ndarray, intercept: np.ndarray, embedded: Embedded) -> np.ndarray:
    probabilities = 1.0 / (1.0 + np.exp(-(np.asarray(embedded.texts, dtype=np.float32) @ coef + intercept)))
    if len(embedded.owners):
        segment = 1.0 / (1.0 + np.exp(-(np.asarray(embedded.segments, dtype=np.float32) @ coef + intercept)))
        np.maximum.at(probabilities, embedded.owners, segment)
    return probabilities


def load_sentence_model(path: Path | str, *, model_dir: Path | str | None = None) -> SentenceTopicClassifier:
    """Load a model written by :meth:`SentenceTopicClassifier.save`, checking its hash against the manifest.

    Raises
    ------
    ModelError
        If either file is missing or unreadable, the hash differs, or the manifest names another
        encoder or format.
    """
    source = Path(path).with_suffix(".npz")
    manifest = read_checked_manifest(source, what="sentence topic model", expected_format=_FORMAT,
                                     rebuild="'python -m nlp.training'")
    with np.load(source, allow_pickle=False) as arrays:
        params = dict(manifest.get("params", {}))
        model = SentenceTopicClassifier(**params, model_dir=model_dir)
        model.coef_ = arrays["coef"]
        model.intercept_ = arrays["intercept"]
        model.thresholds_ = arrays["thresholds"]
        model.classes_ = np.array([str(c) for c in arrays["classes"]], dtype=object)
    model.skipped_topics_ = tuple(manifest.get("skipped_topics", ()))
    model.version_ = str(manifest.get("version"))
    return model
