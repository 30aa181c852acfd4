"""Multi-label topic classifier for free-text answers, following scikit-learn estimator rules.

Features (:class:`nlp.features.TextFeatures`) are TF-IDF over spaCy lemmas (word uni- and
bi-grams) plus TF-IDF over character n-grams inside words, which copes with misspellings and
text-speak. Each topic gets its own
logistic regression (one-vs-rest). Probabilities are calibrated with Platt scaling fitted on
out-of-fold scores, and each topic's decision threshold is the one that maximised F1 on those
same out-of-fold probabilities (Platt 1999; the same scheme as scikit-learn's
``CalibratedClassifierCV(method="sigmoid", ensemble=False)``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from nlp.decisions import best_threshold, choose_topics
from nlp.errors import ModelError, NotFittedError, TrainingDataError
from nlp.features import TextFeatures

logger = logging.getLogger(__name__)

_FORMAT = 1
_DEFAULT_CV, _LARGE_CV, _LARGE_N_TEXTS = 5, 3, 5000  # folds when cv=None (see TopicClassifier)
_BATCH = 4096  # texts featurised at a time when predicting, to bound memory


class TopicClassifier(ClassifierMixin, BaseEstimator):
    """Assign zero or more codeframe topics to each text.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of each topic's logistic regression.
    word_ngram_range : tuple of int
        Lemma n-gram range for the word TF-IDF.
    char_ngram_range : tuple of int or None
        Character n-gram range (``char_wb``); None turns character features off. Starting at 3
        rather than 2 scores as well on the bundled data and cuts features, and so training
        and prediction time, by about a quarter.
    min_df : int
        Minimum document frequency for both vectorizers.
    cv : int or None
        Folds used to calibrate probabilities and tune thresholds. None: 5, or 3 from
        5,000 texts up, where out-of-fold scores are plentiful and each fold costs a full
        set of fits (on 10,000 texts it saves a third of the training time).
    min_positive : int
        Topics with fewer positive examples are left out of ``classes_`` (never predicted).
    fallback : str or None
        Topic given to a text that passes no threshold (None: leave it empty).
    codeframe_version : str
        Recorded in ``version_`` so stored codes can be traced to the codeframe.
    random_state : int
        Seed for fold assignment and the solver.

    Attributes
    ----------
    classes_ : ndarray of str
        Topic ids the model can predict, in column order of ``predict_proba``.
    pipeline_ : Pipeline
        Fitted features + one-vs-rest logistic regression.
    calibration_ : ndarray of shape (n_classes, 2)
        Platt slope and intercept per topic.
    thresholds_ : ndarray of shape (n_classes,)
        Probability cut-off per topic.
    skipped_topics_ : tuple of str
        Labels seen in training but with too few examples to learn.
    n_folds_ : int
        Folds actually used for the out-of-fold scores (``cv`` resolved).
    version_ : str
        ``"<codeframe_version>+<model hash>"``.
    """

    def __init__(
        self,
        *,
        C: float = 8.0,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = (3, 5),
        min_df: int = 1,
        cv: int | None = None,
        min_positive: int = 3,
        fallback: str | None = "other",
        codeframe_version: str = "",
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.cv = cv
        self.min_positive = min_positive
        self.fallback = fallback
        self.codeframe_version = codeframe_version
        self.random_state = random_state

    def fit(self, texts: Sequence[str], topics: Sequence[Sequence[str]]) -> TopicClassifier:
        """Learn topics from texts and their label lists; return ``self``.

        Raises
        ------
        TrainingDataError
            If lengths differ, there are fewer than twice as many texts as folds, or no topic has
            ``min_positive`` examples.
        """
        texts, label_lists = _check_training(texts, topics, self.cv)
        self.n_folds_ = _n_folds(self.cv, len(texts))
        counts: dict[str, int] = {}
        for labels in label_lists:
            for label in set(labels):
                counts[label] = counts.get(label, 0) + 1
        learnable = sorted(t for t, n in counts.items() if self.min_positive <= n < len(texts))
        if not learnable:
            raise TrainingDataError(
                f"no topic has at least min_positive={self.min_positive} examples among {len(texts)} texts; "
                f"counts: {counts!r}. Add examples or lower min_positive."
            )
        self.classes_ = np.array(learnable, dtype=object)
        self.skipped_topics_ = tuple(sorted(set(counts) - set(learnable)))
        targets = np.array([[label in labels for label in learnable] for labels in label_lists], dtype=int)
        features = self._make_features()
        matrix = features.fit_transform(texts)
        scores = self._out_of_fold_scores(matrix, targets)
        self.calibration_ = np.array([_fit_platt(scores[:, j], targets[:, j]) for j in range(len(learnable))])
        probabilities = _sigmoid(scores, self.calibration_)
        self.thresholds_ = np.array([best_threshold(probabilities[:, j], targets[:, j]) for j in range(len(learnable))])
        model = OneVsRestClassifier(self._make_regression())
        model.fit(matrix, targets)
        self.pipeline_ = Pipeline([("features", features), ("model", model)])
        self.version_ = f"{self.codeframe_version or 'none'}+{self._hash()}"
        logger.debug("fitted TopicClassifier %s on %d texts, %d topics", self.version_, len(texts), len(learnable))
        return self

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Raw linear scores, shape (n_texts, n_classes).

        The same numbers as ``pipeline_.decision_function``, computed in batches with one sparse
        product against all topics' coefficients instead of one per topic.
        """
        self._check_fitted()
        text_list = list(texts)
        features = self.pipeline_.named_steps["features"]
        coefficients, intercepts = self._stacked_coefficients()
        scores = np.empty((len(text_list), len(self.classes_)), dtype=float)
        for start in range(0, len(text_list), _BATCH):
            batch = text_list[start : start + _BATCH]
            scores[start : start + len(batch)] = features.transform(batch) @ coefficients + intercepts
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probability of each topic (columns follow ``classes_``); rows need not sum to 1."""
        return _sigmoid(self.decision_function(texts), self.calibration_)

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """Topic ids whose probability reaches their threshold, most probable first."""
        return self.labels_from_proba(self.predict_proba(texts))

    def labels_from_proba(self, probabilities: np.ndarray) -> list[list[str]]:
        """Turn a ``predict_proba`` matrix into topic lists (lets callers keep the probabilities)."""
        self._check_fitted()
        return choose_topics(probabilities, self.classes_, self.thresholds_, self.fallback)

    def save(self, path: Path | str) -> Path:
        """Write the fitted model to ``path`` with joblib (atomically); return the path."""
        self._check_fitted()
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        joblib.dump({"format": _FORMAT, "sklearn": sklearn.__version__, "model": self}, partial)
        partial.replace(target)
        return target

    def _make_features(self) -> TextFeatures:
        return TextFeatures(word_ngram_range=self.word_ngram_range, char_ngram_range=self.char_ngram_range,
                            min_df=self.min_df)

    def _make_regression(self) -> LogisticRegression:
        # The dual liblinear solver is several times faster when features outnumber texts, as here.
        # tol=1e-3 (default 1e-4) saves a fifth of training time and left every F1 on the bundled
        # data unchanged to three decimals.
        return LogisticRegression(C=self.C, solver="liblinear", dual=True, tol=1e-3, max_iter=1000,
                                  random_state=self.random_state)

    def _out_of_fold_scores(self, matrix: sparse.csr_matrix, targets: np.ndarray) -> np.ndarray:
        # The vectorizers saw every text (idf only, no labels), so these scores are very slightly
        # optimistic; refitting them per fold costs more than it changes thresholds.
        scores = np.zeros(targets.shape, dtype=float)
        folds = KFold(n_splits=self.n_folds_, shuffle=True, random_state=self.random_state)
        base = self._make_regression()
        for train, test in folds.split(matrix):
            train_matrix, test_matrix = matrix[train], matrix[test]  # sliced once per fold, not per topic
            for j in range(targets.shape[1]):
                column = targets[train, j]
                if column.min() == column.max():
                    scores[test, j] = 10.0 if column[0] else -10.0
                    continue
                scores[test, j] = clone(base).fit(train_matrix, column).decision_function(test_matrix)
        return scores

    def _stacked_coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        # Derived from pipeline_ on first use (not pickled), so models saved earlier still load.
        stacked = self.__dict__.get("_stacked")
        if stacked is None:
            estimators = self.pipeline_.named_steps["model"].estimators_
            coefficients = np.ascontiguousarray(np.vstack([estimator.coef_ for estimator in estimators]).T)
            intercepts = np.array([float(estimator.intercept_[0]) for estimator in estimators])
            stacked = self.__dict__["_stacked"] = (coefficients, intercepts)
        return stacked

    def __getstate__(self) -> dict[str, object]:
        state = dict(super().__getstate__())
        state.pop("_stacked", None)
        return state

    def _hash(self) -> str:
        digest = hashlib.sha256()
        for estimator in self.pipeline_.named_steps["model"].estimators_:
            digest.update(np.ascontiguousarray(estimator.coef_).tobytes())
        digest.update(self.calibration_.tobytes())
        digest.update(self.thresholds_.tobytes())
        digest.update("\n".join(self.classes_).encode())
        return digest.hexdigest()[:12]

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError("this TopicClassifier is not fitted yet; call fit(texts, topics) or load_model(path)")


def load_model(path: Path | str) -> TopicClassifier:
    """Load a model written by :meth:`TopicClassifier.save`.

    Only load files this service wrote: joblib files can run code when loaded.

    Raises
    ------
    ModelError
        If the file is missing, unreadable, not a topic model, or from another scikit-learn version.
    """
    source = Path(path)
    if not source.is_file():
        raise ModelError(f"topic model file {source} does not exist; train one with load_or_train_model(cache_dir)")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        try:
            payload = joblib.load(source)
        except InconsistentVersionWarning as warning:
            raise ModelError(f"topic model {source} was saved with another scikit-learn version ({warning}); "
                             "delete it and retrain") from warning
        except Exception as error:  # joblib/pickle raise many types for a corrupt file
            raise ModelError(f"topic model {source} cannot be read ({type(error).__name__}: {error}); "
                             "delete it and retrain") from error
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT or not isinstance(payload.get("model"), TopicClassifier):
        raise ModelError(f"{source} is not a topic model of format {_FORMAT}; delete it and retrain")
    if payload.get("sklearn") != sklearn.__version__:
        raise ModelError(f"topic model {source} was saved with scikit-learn {payload.get('sklearn')!r}, "
                         f"this is {sklearn.__version__!r}; delete it and retrain")
    return payload["model"]


def _n_folds(cv: int | None, n_texts: int) -> int:
    if cv is not None:
        return cv
    return _LARGE_CV if n_texts >= _LARGE_N_TEXTS else _DEFAULT_CV


def _check_training(texts: Sequence[str], topics: Sequence[Sequence[str]],
                    cv: int | None) -> tuple[list[str], list[list[str]]]:
    text_list = list(texts)
    label_lists = [list(labels) for labels in topics]
    if len(text_list) != len(label_lists):
        raise TrainingDataError(f"fit got {len(text_list)} texts but {len(label_lists)} topic lists; they must align")
    folds = _n_folds(cv, len(text_list))
    if len(text_list) < 2 * folds:
        raise TrainingDataError(f"fit needs at least {2 * folds} texts for cv={folds}, got {len(text_list)}")
    for row, (text, labels) in enumerate(zip(text_list, label_lists)):
        if not isinstance(text, str):
            raise TrainingDataError(f"text #{row} must be a str, got {type(text).__name__}: {text!r}")
        if isinstance(topics[row], str) or any(not isinstance(label, str) for label in labels):
            raise TrainingDataError(f"topics #{row} must be a list of topic ids, got {topics[row]!r}")
    return text_list, label_lists


def _fit_platt(scores: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    if target.min() == target.max():
        return 1.0, 0.0
    model = LogisticRegression(C=1e4, solver="lbfgs").fit(scores.reshape(-1, 1), target)
    slope = float(model.coef_[0, 0])
    # With very few examples the out-of-fold scores can carry no signal; never invert the ranking.
    return (slope, float(model.intercept_[0])) if slope > 0 else (1.0, 0.0)


def _sigmoid(scores: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(scores * calibration[:, 0] + calibration[:, 1])))
