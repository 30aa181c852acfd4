"""A trained disclosure detector beside the safeguarding rules: logistic regression on MiniLM embeddings.

The rules in :mod:`nlp.safeguarding_rules` find the wording they were written for; this model finds
disclosures worded in ways the rules have not seen. A text is cut into pieces (the whole text, each
sentence, and windows of about a dozen words over long unpunctuated runs: :mod:`nlp.spans`); each
piece is embedded with all-MiniLM-L6-v2 (:mod:`nlp.encoder`, the process's one shared encoder) and
scored by a binary logistic regression. The text's score is its highest piece score, so a
disclosure buried in a long comment about street lights still counts.

Encoding every piece on its own cost most of the screening time, so a comment is first *screened*
from one encoder pass: the whole text's embedding (scored by the regression above) and each
piece's embedding pooled from its own word pieces in that pass (scored by a second regression,
the *piece head*, trained on pieces pooled in context: the ordinary comments' pieces and
disclosures buried in ordinary comments). Only a comment of several pieces whose screen reaches
:data:`SCREEN_FLOOR`, or that a rule flags, has its pieces encoded on their own and scored as
before; the rest keep the screen's score, which is below the cut. Pooled in context alone the
pieces lost recall on the team's sets (``bench/RESULTS.md``), hence the two steps.
A second, multinomial regression names the most
likely category of the highest-scoring piece, so a flag always names a category. A third, binary
regression on the whole text's embedding says whether the writer seems to be a child (trained on
the ``writer`` column of the team's sets); its threshold is set low, for high recall of child
writers, because a child treated as an adult is the worse error.

The weights ship as ``nlp/data/safeguarding_model.npz`` (numpy arrays only, no pickle) with a
manifest ``safeguarding_model.json`` giving its SHA-256, checked at load, the encoder's hash and the
hashes of the files it was trained on. ``python -m nlp.safeguarding_training`` rebuilds both.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.encoder import MODEL_SHA256, SentenceEncoder
from nlp.errors import ModelError
from nlp.manifests import read_checked_manifest
from nlp.spans import FEATURES, CommentVectors, comment_spans, embed_comments

MODEL_PATH = Path(__file__).resolve().parent / "data" / "safeguarding_model.npz"
FORMAT = "safeguarding-lr-3"  # 3: pieces pooled in context from one pass per text (manifest "features")
#: A rule's hit stands unless the model is this sure the text is not a disclosure: a category word
#: with nobody in it ("FGM is child abuse and should be taught about") scores near 0, while the
#: disclosures the rules found in the development sets all scored 0.13 or more.
RULE_FLOOR = 0.05
#: The screen's cut: a comment of several pieces whose whole text and in-context pieces all score
#: below it (and that no rule flags) is not scored piece by piece. On the development sets
#: (dev2 and fresh, alone and buried between two ordinary comments) every disclosure that the
#: piece-by-piece score flags screened at 0.60 or more; 0.2 leaves a margin of three.
SCREEN_FLOOR = 0.2


def pieces(text: str) -> list[str]:
    """The parts of ``text`` that are scored: the text, its sentences, and word windows over long ones
    (the words of the detector's spans, :func:`nlp.spans.comment_spans`)."""
    return [text[start:end] for start, end in comment_spans(text).spans]


@dataclass(frozen=True)
class ModelScore:
    """The model's view of one text: highest piece probability, its category and the piece, and the
    probability that the writer is a child (from the whole text)."""

    probability: float
    category: str
    piece: str
    threshold: float
    child_probability: float = 0.0
    child_threshold: float = 1.0

    @property
    def seems_child(self) -> bool:
        """True when the child-writer probability reaches its threshold (chosen for high recall)."""
        return self.child_probability >= self.child_threshold

    @property
    def is_flagged(self) -> bool:
        """True when the probability reaches the threshold chosen on the development set."""
        return self.probability >= self.threshold


@dataclass(frozen=True)
class DisclosureModel:
    """Fitted weights: disclosure regression, category regression, child-writer regression, thresholds."""

    coef: np.ndarray  # (384,)
    intercept: float
    category_coef: np.ndarray  # (n_categories, 384)
    category_intercept: np.ndarray  # (n_categories,)
    categories: tuple[str, ...]
    threshold: float
    child_coef: np.ndarray  # (384,)
    child_intercept: float
    child_threshold: float
    piece_coef: np.ndarray  # (384,): the piece head, on sentences and windows pooled in context
    piece_intercept: float

    def probability(self, embeddings: np.ndarray) -> np.ndarray:
        """Disclosure probability of each embedded whole text (or piece encoded on its own)."""
        return 1.0 / (1.0 + np.exp(-(embeddings @ self.coef + self.intercept)))

    def piece_probability(self, embeddings: np.ndarray) -> np.ndarray:
        """Disclosure probability of each piece pooled in the context of its comment."""
        return 1.0 / (1.0 + np.exp(-(embeddings @ self.piece_coef + self.piece_intercept)))

    def child_probability(self, embeddings: np.ndarray) -> np.ndarray:
        """Probability that the writer of each embedded text is a child."""
        return 1.0 / (1.0 + np.exp(-(embeddings @ self.child_coef + self.child_intercept)))

    def category_of(self, embedding: np.ndarray) -> str:
        """The most likely category id of one embedded piece."""
        return self.categories[int(np.argmax(self.category_coef @ embedding + self.category_intercept))]

    def score_many(self, texts: Sequence[str]) -> list[ModelScore]:
        """Score each text by its highest-scoring piece: one encoder pass per text screens all its
        pieces; only a text that the screen cannot clear also has its pieces encoded on their own."""
        from nlp.sentence_topics import shared_encoder

        encoder = shared_encoder()
        return [self.score_vectors(comment, encoder) for comment in embed_comments(encoder, list(texts))]

    def score_vectors(self, comment: CommentVectors, encoder: SentenceEncoder) -> ModelScore:
        """Score one embedded comment (see the module's notes on the screen)."""
        from nlp.safeguarding import rules_result

        embeddings = comment.vectors
        # The first span is the whole text, read by the whole-text head; its pieces by the piece head.
        probabilities = np.concatenate([self.probability(embeddings[:1]), self.piece_probability(embeddings[1:])])
        if len(embeddings) > 1 and (probabilities.max() >= SCREEN_FLOOR or rules_result(comment.text).is_flagged):
            # The whole text's row is already its stand-alone embedding; the other pieces are encoded alone.
            alone = encoder.encode([comment.piece(row) for row in range(1, len(embeddings))])
            embeddings = np.concatenate([embeddings[:1], alone])
            probabilities = self.probability(embeddings)
        best = int(np.argmax(probabilities))
        # The writer's voice is read from the whole text (the first row either way).
        child = float(self.child_probability(embeddings[:1])[0])
        return ModelScore(float(probabilities[best]), self.category_of(embeddings[best]), comment.piece(best),
                          self.threshold, child, self.child_threshold)

    def save(self, path: Path, trained_on: dict[str, str]) -> None:
        """Write ``path`` (.npz) and its manifest (.json) with the npz's SHA-256."""
        arrays = {"coef": self.coef.astype(np.float32), "intercept": np.array([self.intercept], dtype=np.float32),
                  "category_coef": self.category_coef.astype(np.float32),
                  "category_intercept": self.category_intercept.astype(np.float32),
                  "categories": np.array(self.categories), "threshold": np.array([self.threshold]),
                  "child_coef": self.child_coef.astype(np.float32),
                  "child_intercept": np.array([self.child_intercept], dtype=np.float32),
                  "child_threshold": np.array([self.child_threshold]),
                  "piece_coef": self.piece_coef.astype(np.float32),
                  "piece_intercept": np.array([self.piece_intercept], dtype=np.float32)}
        # Written by hand with a fixed timestamp, so the same weights give the same bytes and hash.
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, array, allow_pickle=False)
                archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())
        manifest = {"format": FORMAT, "model_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                    "encoder_sha256": MODEL_SHA256, "features": FEATURES, "threshold": self.threshold,
                    "child_threshold": self.child_threshold, "trained_on": trained_on}
        path.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def load_model(path: Path = MODEL_PATH) -> DisclosureModel:
    """Read the shipped weights, refusing a file whose SHA-256 differs from its manifest.

    Raises
    ------
    ModelError
        If the file or manifest is missing, or the hash, format or encoder does not match.
    """
    manifest = read_checked_manifest(path, what="safeguarding model", expected_format=FORMAT,
                                     rebuild="python -m nlp.safeguarding_training")
    if manifest.get("features") != FEATURES:
        raise ModelError(f"{path.with_suffix('.json')}: trained on features {manifest.get('features')!r}, but the "
                         f"encoder now gives {FEATURES!r}; rebuild it with python -m nlp.safeguarding_training")
    with np.load(path, allow_pickle=False) as data:
        return DisclosureModel(coef=data["coef"].astype(np.float32), intercept=float(data["intercept"][0]),
                               category_coef=data["category_coef"].astype(np.float32),
                               category_intercept=data["category_intercept"].astype(np.float32),
                               categories=tuple(str(c) for c in data["categories"]),
                               threshold=float(data["threshold"][0]),
                               child_coef=data["child_coef"].astype(np.float32),
                               child_intercept=float(data["child_intercept"][0]),
                               child_threshold=float(data["child_threshold"][0]),
                               piece_coef=data["piece_coef"].astype(np.float32),
                               piece_intercept=float(data["piece_intercept"][0]))


_LOADED: dict[str, DisclosureModel] = {}
# A threaded web server's first requests may all arrive before the model is loaded: one thread loads
# it while the others wait (two loads at once failed inside numpy's header parser on Python 3.11).
_LOADING = threading.Lock()


def shared_model() -> DisclosureModel:
    """The process's one loaded model (read and hash-checked on first use, by one thread)."""
    model = _LOADED.get("default")
    if model is None:
        with _LOADING:
            if "default" not in _LOADED:
                _LOADED["default"] = load_model()
            model = _LOADED["default"]
    return model
