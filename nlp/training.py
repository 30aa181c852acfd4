"""The bundled labelled training set, and a topic model trained from it and cached on disk."""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sklearn

from nlp.codeframe import Codeframe, load_codeframe
from nlp.errors import ModelError, TrainingDataError
from nlp.sentence_topics import SentenceTopicClassifier, load_sentence_model
from nlp.topics import TopicClassifier, load_model

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
TRAINING_PATH = DATA_DIR / "training.csv"
TEST_PATH = DATA_DIR / "test.csv"
#: Openly licensed real comments (UK Parliament petitions and evidence, Pol.is), trained on beside TRAINING_PATH.
OPEN_TRAINING_PATH = DATA_DIR / "training_open.csv"
#: The shipped sentence-embedding topic model (its manifest is the same name with .json).
SENTENCE_MODEL_PATH = DATA_DIR / "topic_model.npz"
SHIPPED_MODEL_DIR = DATA_DIR / "model"
VOICES = ("adult", "young")


@dataclass(frozen=True)
class LabelledTexts:
    """Texts with their topic lists (and, where known, the writer's voice)."""

    texts: tuple[str, ...]
    topics: tuple[tuple[str, ...], ...]
    voices: tuple[str, ...]


def load_labelled(path: Path | str | None = None, *, codeframe: Codeframe | None = None) -> LabelledTexts:
    """Read a labelled CSV (columns ``text``, ``topics`` as ids joined by ';', ``voice``).

    Raises
    ------
    TrainingDataError
        If the file is missing, a column is absent, or a row has an empty text, no topics, a
        topic id not in the codeframe, or an unknown voice; the message names file, row and column.
    """
    file = Path(path) if path is not None else TRAINING_PATH
    frame = codeframe or load_codeframe()
    known = set(frame.ids)
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"text", "topics"} - set(reader.fieldnames or ())
            if missing:
                raise TrainingDataError(f"labelled file {file} lacks column(s) {sorted(missing)}; "
                                        f"found {reader.fieldnames!r}, expected text, topics, voice")
            rows = list(reader)
    except FileNotFoundError as error:
        raise TrainingDataError(f"labelled file {file} does not exist") from error
    texts, topics, voices = [], [], []
    for number, row in enumerate(rows, start=2):
        where = f"labelled file {file}, row {number}"
        text = (row.get("text") or "").strip()
        labels = tuple(label.strip() for label in (row.get("topics") or "").split(";") if label.strip())
        voice = (row.get("voice") or "adult").strip()
        if not text:
            raise TrainingDataError(f"{where}, column 'text': empty text; remove the row or write the answer")
        if not labels:
            raise TrainingDataError(f"{where}, column 'topics': no topic ids; use 'other' if none fits")
        unknown = [label for label in labels if label not in known]
        if unknown:
            raise TrainingDataError(f"{where}, column 'topics': {unknown!r} not in codeframe version "
                                    f"{frame.version} ({frame.path})")
        if voice not in VOICES:
            raise TrainingDataError(f"{where}, column 'voice': {voice!r}, expected one of {VOICES}")
        texts.append(text)
        topics.append(labels)
        voices.append(voice)
    return LabelledTexts(tuple(texts), tuple(topics), tuple(voices))


def combine_with_confirmed(base: LabelledTexts, texts: Sequence[str], topics: Sequence[Sequence[str]]) -> LabelledTexts:
    """Add reviewer-confirmed codes to a labelled set; a confirmed text replaces the same text in ``base``."""
    if len(texts) != len(topics):
        raise TrainingDataError(f"got {len(texts)} confirmed texts but {len(topics)} topic lists; they must align")
    confirmed = {text: tuple(labels) for text, labels in zip(texts, topics)}
    keep = [i for i, text in enumerate(base.texts) if text not in confirmed]
    return LabelledTexts(
        texts=tuple(base.texts[i] for i in keep) + tuple(confirmed),
        topics=tuple(base.topics[i] for i in keep) + tuple(confirmed.values()),
        voices=tuple(base.voices[i] for i in keep) + ("unknown",) * len(confirmed),
    )


def load_training_set(codeframe: Codeframe | None = None) -> LabelledTexts:
    """The bundled training texts: the team's synthetic ``training.csv`` plus the open real rows."""
    frame = codeframe or load_codeframe()
    parts = [load_labelled(path, codeframe=frame) for path in (TRAINING_PATH, OPEN_TRAINING_PATH)]
    return LabelledTexts(*(tuple(item for part in parts for item in getattr(part, field))
                           for field in ("texts", "topics", "voices")))


def train_sentence_model(labelled: LabelledTexts | None = None, *, random_state: int = 0) -> SentenceTopicClassifier:
    """Fit the sentence-embedding topic model on ``labelled`` (default :func:`load_training_set`)."""
    codeframe = load_codeframe()
    data = labelled if labelled is not None else load_training_set(codeframe)
    model = SentenceTopicClassifier(codeframe_version=codeframe.version, random_state=random_state)
    return model.fit(data.texts, data.topics)


def load_shipped_sentence_model(path: Path | str = SENTENCE_MODEL_PATH) -> SentenceTopicClassifier:
    """The shipped sentence-embedding topic model (hash-checked); see :func:`load_sentence_model`."""
    return load_sentence_model(path)


def _training_fingerprint() -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in (TRAINING_PATH, OPEN_TRAINING_PATH, load_codeframe().path)}


def main(argv: Sequence[str] | None = None) -> None:
    """Retrain the shipped sentence-embedding model from the bundled files.

    ``python -m nlp.training [--backend onnx|numpy]``: the embeddings are made by the backend the
    model runs on in use (ONNX Runtime int8 by default); the manifest's ``trained_on`` names it.
    """
    import argparse

    from nlp.encoder import configure

    parser = argparse.ArgumentParser(prog="python -m nlp.training", description=main.__doc__)
    parser.add_argument("--backend", choices=("onnx", "numpy"), default="onnx",
                        help="how the sentence encoder makes the training embeddings (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    configure(backend=args.backend)
    model = train_sentence_model()
    trained_on = {**_training_fingerprint(), "encoder_backend": args.backend}
    written = model.save(SENTENCE_MODEL_PATH, trained_on=trained_on)
    logger.info("wrote %s (version %s, %d topics; skipped %s; embeddings from %s)", written, model.version_,
                len(model.classes_), list(model.skipped_topics_) or "none", args.backend)


def load_or_train_model(
    cache_dir: Path | str,
    *,
    training_path: Path | str | None = None,
    codeframe_path: Path | str | None = None,
    confirmed_texts: Sequence[str] = (),
    confirmed_topics: Sequence[Sequence[str]] = (),
    random_state: int = 0,
    shipped_dir: Path | str | None = SHIPPED_MODEL_DIR,
) -> TopicClassifier:
    """Return a topic model for these inputs: a shipped or cached one if present, else train and cache it.

    The file name carries a hash of the training file, the codeframe, the confirmed codes, the
    seed and the scikit-learn version, so changing any of them trains a new model. A cached file
    that cannot be loaded is retrained and overwritten.

    Parameters
    ----------
    cache_dir : path
        Directory for trained models; created if missing.
    training_path, codeframe_path : path, optional
        Default to the bundled files.
    confirmed_texts, confirmed_topics : sequences
        Extra reviewer-confirmed codes to train on.
    random_state : int
        Seed passed to :class:`TopicClassifier`.
    shipped_dir : path or None
        Directory searched first for a ready model with the same name.
    """
    codeframe = load_codeframe(codeframe_path)
    training = Path(training_path) if training_path is not None else TRAINING_PATH
    name = f"topic_model-{_cache_key(training, codeframe, confirmed_texts, confirmed_topics, random_state)}.joblib"
    for folder in (shipped_dir, cache_dir):
        if folder is not None and (Path(folder) / name).is_file():
            try:
                return load_model(Path(folder) / name)
            except ModelError as error:
                logger.warning("ignoring unusable topic model: %s", error)
    labelled = combine_with_confirmed(load_labelled(training, codeframe=codeframe), confirmed_texts, confirmed_topics)
    model = TopicClassifier(codeframe_version=codeframe.version, random_state=random_state)
    model.fit(labelled.texts, labelled.topics)
    model.save(Path(cache_dir) / name)
    logger.info("trained topic model %s on %d texts into %s", model.version_, len(labelled.texts), cache_dir)
    return model


def _cache_key(training: Path, codeframe: Codeframe, texts: Sequence[str], topics: Sequence[Sequence[str]],
               random_state: int) -> str:
    digest = hashlib.sha256()
    try:
        digest.update(training.read_bytes())
    except FileNotFoundError as error:
        raise TrainingDataError(f"labelled file {training} does not exist") from error
    digest.update(codeframe.path.read_bytes())
    for text, labels in zip(texts, topics):
        digest.update(f"{text}\x1f{';'.join(labels)}\x1e".encode())
    digest.update(f"{random_state}|{sklearn.__version__}|{TopicClassifier().get_params()}".encode())
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    main()
