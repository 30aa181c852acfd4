"""Choosing and building the coder a run uses: the built-in model, or the council's chat endpoint.

Glue only: reads ``[nlp]`` / ``[nlp.llm]`` and the API key's environment variable, keeps the
coders' caches beside the models (``[analysis] model_dir``), and writes one audit event per
request sent (count, host, time, status; never content). The coders live in ``nlp``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from service.config import Config, ConfigError
from service.store import audit
from service.store.db import transaction

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from nlp.chat_coder import BatchSent

logger = logging.getLogger(__name__)


def chat_settings(config: Config):  # -> nlp.ChatSettings (imported lazily: nlp is heavy)
    """The chat coder's settings from ``[nlp.llm]``; raise :class:`ConfigError` if it is switched off."""
    from nlp import ChatSettings

    llm = config.llm
    if not llm.enabled:
        raise ConfigError(f"{config.source_file}: [nlp.llm] enabled = false, so no comment may be sent to a "
                          "language model. Set enabled = true with base_url and model to use --coder chat.")
    key = ""
    if llm.api_key_env:
        key = os.environ.get(llm.api_key_env, "")
        if not key:
            raise ConfigError(f"[nlp.llm] api_key_env names {llm.api_key_env!r}, but that environment variable "
                              "is not set; set it to the endpoint's API key (or set api_key_env = \"\").")
    return ChatSettings(base_url=llm.base_url, model=llm.model, api_key=key or None, timeout=llm.timeout,
                        max_batch=llm.max_batch, max_requests_per_minute=llm.max_requests_per_minute,
                        cost_per_1k_tokens=llm.cost_per_1k_tokens)


BUILTIN_CACHE = "builtin-codes.json"
CHAT_CACHE = "chat-answers.json"


def builtin_coder(config: Config):  # -> nlp.BuiltinCoder
    """The shipped MiniLM topic model, its codes cached by (text hash, model version) in ``model_dir``."""
    from nlp import BuiltinCoder, JsonFileCache, load_codeframe
    from nlp.training import load_shipped_sentence_model

    return BuiltinCoder(load_shipped_sentence_model(), load_codeframe(),
                        cache=JsonFileCache(Path(config.analysis.model_dir) / BUILTIN_CACHE))


def seed_builtin_cache(config: Config, codes_file: Path) -> int:
    """Add the codes in ``codes_file`` (same keys as the cache) missing from ``model_dir``'s cache; return how many."""
    import json

    from nlp import JsonFileCache

    if not codes_file.is_file():
        return 0
    codes = json.loads(codes_file.read_text(encoding="utf-8"))
    cache = JsonFileCache(Path(config.analysis.model_dir) / BUILTIN_CACHE)
    missing = {key: value for key, value in codes.items() if key not in cache}
    if missing:
        cache.update(missing)
    return len(missing)


class DeferredCoder:
    """A chat coder's fallback that codes nothing: the topics run puts in the built-in model's codes.

    The run has already coded every text's full wording with the built-in model, so a comment the
    endpoint could not code takes those codes (with the chat coder's note) instead of being coded
    again from its redacted form.
    """

    name = "builtin"

    def __init__(self, version: str, codeframe_version: str) -> None:
        self.version = version
        self.codeframe_version = codeframe_version

    def code(self, texts):  # -> list[nlp.CodedComment]
        """One empty coding per text (replaced by the caller)."""
        from nlp import CodedComment

        return [CodedComment((), "", self.name, self.version, "", self.codeframe_version) for _ in texts]


def make_chat_coder(config: Config, fallback, *, cache_path: Path,
                    on_batch: Callable | None = None, on_progress: Callable | None = None):
    """A :class:`nlp.ChatCoder` for this configuration, redacting every comment before it is sent."""
    from nlp import ChatCoder, JsonFileCache, load_codeframe, redact

    return ChatCoder(chat_settings(config), load_codeframe(), fallback=fallback,
                     redact=lambda text: redact(text).text, cache=JsonFileCache(cache_path),
                     on_batch=on_batch, on_progress=on_progress)


def audit_batch(factory: sessionmaker[Session], batch: BatchSent) -> None:
    """Record one request sent to the endpoint: how many comments, which host, when, the status."""
    with transaction(factory) as session:
        audit.record(session, "llm_batch", actor=audit.SYSTEM, target=f"host:{batch.host}",
                     detail={"n_comments": batch.n_comments, "status": batch.status, "n_tokens": batch.n_tokens,
                             "sent_at": batch.sent_at.isoformat()})
