"""Coders: anything that assigns codeframe topics to redacted comments, behind one interface.

Two implementations exist: :class:`BuiltinCoder` (the shipped topic model, the default) and
:class:`nlp.chat_coder.ChatCoder` (a council's own OpenAI-compatible language-model endpoint,
off unless configured). Every coded comment records which coder, model, prompt version and
codeframe version produced it, so a figure can always say where its codes came from.

This module holds what both share: the result type, the versioned prompt template, the answer
validator and the answer cache. It does no network I/O.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nlp.codeframe import Codeframe

logger = logging.getLogger(__name__)

PROMPT_PATH = Path(__file__).parent / "data" / "prompts" / "coder-v1.txt"
MAX_REASON_CHARS = 300


@dataclass(frozen=True)
class CodedComment:
    """The topics one coder gave one comment, with where they came from.

    ``confidence`` is the built-in model's highest topic probability (None for the chat coder).
    """

    topics: tuple[str, ...]
    reason: str
    coder: str
    model: str
    prompt_version: str
    codeframe_version: str
    note: str = ""
    confidence: float | None = None


class Coder(Protocol):
    """Assigns topics to already-redacted comments."""

    name: str

    def code(self, texts: Sequence[str]) -> list[CodedComment]:
        """Return one :class:`CodedComment` per text, in order."""


class _Predictor(Protocol):
    def predict(self, texts: Sequence[str]) -> list[list[str]]: ...


class BuiltinCoder:
    """The shipped topic model behind the :class:`Coder` interface.

    Identical texts are coded once per call. With a ``cache`` (any string mapping, e.g. a
    :class:`JsonFileCache`), each distinct text's topics and confidence are kept under
    (text hash, model version), so coding the same text again, in this run or a later one,
    costs no encoder pass; a retrained model has another version and so misses the cache.
    """

    name = "builtin"

    def __init__(self, model: _Predictor, codeframe: Codeframe, *,
                 cache: MutableMapping[str, str] | None = None) -> None:
        self.model = model
        self.codeframe = codeframe
        self.cache = cache
        self.version = str(getattr(model, "coder_version", None) or getattr(model, "version_", type(model).__name__))
        self.n_encoded = 0  # distinct texts the model had to code (not found in the cache)

    def code(self, texts: Sequence[str]) -> list[CodedComment]:
        """Code ``texts`` with the shipped model."""
        if not texts:
            return []
        keys = [cache_key(text, "", self.version) for text in texts]
        known: dict[str, tuple[tuple[str, ...], float | None]] = {}
        if self.cache is not None:
            for key in dict.fromkeys(keys):
                cached = self.cache.get(key)
                if cached is not None:
                    topics, confidence = json.loads(cached)
                    known[key] = (tuple(topics), confidence)
        todo = {key: text for key, text in zip(keys, texts) if key not in known}
        fresh = dict(zip(todo, self._predict(list(todo.values())), strict=True))
        self.n_encoded += len(fresh)
        if self.cache is not None and fresh:
            self.cache.update({key: json.dumps([list(topics), confidence]) for key, (topics, confidence) in fresh.items()})
        known.update(fresh)
        return [CodedComment(known[key][0], "", self.name, self.version, "", self.codeframe.version,
                             confidence=known[key][1]) for key in keys]

    def _predict(self, texts: list[str]) -> list[tuple[tuple[str, ...], float | None]]:
        if not texts:
            return []
        if hasattr(self.model, "predict_proba") and hasattr(self.model, "labels_from_proba"):
            probabilities = self.model.predict_proba(texts)
            maxima = probabilities.max(axis=1).tolist() if probabilities.size else [0.0] * len(texts)
            labels = self.model.labels_from_proba(probabilities)
            return [(tuple(topics), float(best)) for topics, best in zip(labels, maxima, strict=True)]
        return [(tuple(topics), None) for topics in self.model.predict(texts)]


@dataclass(frozen=True)
class Prompt:
    """The versioned instructions sent with every batch."""

    version: str
    system: str

    @classmethod
    def load(cls, codeframe: Codeframe, path: Path = PROMPT_PATH) -> Prompt:
        """Fill the template at ``path`` with ``codeframe``.

        The version is the template's file name plus the first 10 hex digits of its SHA-256, so an
        edited template can never pass for the old one in the cache or in a methods box.
        """
        template = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(template.encode("utf-8")).hexdigest()[:10]
        return cls(f"{path.stem}+{digest}", template.replace("{codeframe}", describe_codeframe(codeframe)))


def describe_codeframe(codeframe: Codeframe) -> str:
    """The codeframe as the prompt lists it: id, label, description, include and exclude examples."""
    lines = []
    for topic in codeframe.topics:
        lines.append(f"- {topic.id}: {topic.label}. {topic.description}")
        if topic.include:
            lines.append(f"  typical words: {', '.join(topic.include)}")
        if topic.exclude:
            lines.append(f"  not this topic: {'; '.join(topic.exclude)}")
    return "\n".join(lines)


class AnswerError(ValueError):
    """A language model's answer did not match the expected JSON shape."""


def parse_answer(content: str, ids: Sequence[str], codeframe: Codeframe) -> dict[str, tuple[tuple[str, ...], str]]:
    """Validate one batch's answer and return ``{comment id: (topics, reason)}`` for the valid items.

    The answer must be a JSON object ``{"results": [{"id": ..., "topics": [...], "reason": ...}]}``
    (a Markdown code fence around it is tolerated). Items with an id that was not sent, a topic id
    not in the codeframe, a missing field or a duplicate id are left out, so the caller retries or
    falls back for exactly those comments. Raises :class:`AnswerError` when the answer is not such
    an object at all.
    """
    text = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", content)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnswerError(f"answer is not JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise AnswerError('answer is not an object with a "results" list')
    known, sent, valid = set(codeframe.ids), set(ids), {}
    for item in data["results"]:
        parsed = _parse_item(item, sent, known)
        if parsed is None:
            continue
        key, topics, reason = parsed
        if key in valid:
            logger.warning("chat coder answered comment %s twice; both answers ignored", key)
            valid[key] = None
        else:
            valid[key] = (topics, reason)
    return {key: value for key, value in valid.items() if value is not None}


def _parse_item(item: Any, sent: set[str], known: set[str]) -> tuple[str, tuple[str, ...], str] | None:
    if not isinstance(item, dict):
        return None
    key, topics, reason = item.get("id"), item.get("topics"), item.get("reason", "")
    if not isinstance(key, str) or key not in sent or not isinstance(topics, list) or not isinstance(reason, str):
        return None
    if not topics or not all(isinstance(topic, str) and topic in known for topic in topics):
        logger.info("chat coder gave comment %s an unknown or empty topic list %r; rejected", key, topics)
        return None
    ordered = tuple(dict.fromkeys(topics))
    if "other" in ordered and len(ordered) > 1:
        ordered = tuple(topic for topic in ordered if topic != "other")
    return key, ordered, reason[:MAX_REASON_CHARS]


def cache_key(text: str, prompt_version: str, model: str) -> str:
    """The cache key of one comment's answer: (text hash, prompt version, model)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{digest}|{prompt_version}|{model}"


def forget_texts(paths: Iterable[Path], texts: Iterable[str]) -> int:
    """Remove every cached answer of ``texts`` (any prompt version or model) from the cache files
    at ``paths`` that exist; return how many entries went. Erasing a response calls this, so no
    hash of an erased comment stays behind."""
    prefixes = tuple(hashlib.sha256(text.encode("utf-8")).hexdigest() + "|" for text in texts if text)
    removed = 0
    for path in paths:
        if not prefixes or not Path(path).is_file():
            continue
        cache = JsonFileCache(path)
        removed += cache.discard([key for key in cache if key.startswith(prefixes)])
    return removed


class JsonFileCache(MutableMapping[str, str]):
    """Answers kept in one JSON file, written whole after each change (a re-run costs nothing)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._data: dict[str, str] = {}
        if self.path.exists():
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError(f"chat coder cache {self.path} is not a JSON object; delete it to start afresh")
            self._data = {str(k): str(v) for k, v in loaded.items()}

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._data[key] = value
        self._write()

    def update(self, other: Any = (), /, **extra: str) -> None:
        """Add many answers and write the file once (one batch, one write)."""
        self._data.update(dict(other), **extra)
        self._write()

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._write()

    def discard(self, keys: Iterable[str]) -> int:
        """Remove ``keys`` that are present, writing the file once; return how many were."""
        gone = [key for key in dict.fromkeys(keys) if self._data.pop(key, None) is not None]
        if gone:
            self._write()
        return len(gone)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=".cache-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self._data, out, sort_keys=True)
        os.replace(name, self.path)
