"""Rate limits (Flask-Limiter) and CSRF protection (Flask-WTF), set up once per app."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage

# Client addresses are used as rate-limit keys only; they are never stored with responses.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
csrf = CSRFProtect()


class ThreadSafeMemoryStorage(MemoryStorage):
    """The in-memory counters of ``limits``, safe and cheap under threaded web servers.

    ``limits`` 5 drops expired counters from a timer thread that it starts again, after a short
    delay, whenever the previous one has ended: about once per request under load. Starting a
    thread and waiting for it to run cost about 3 ms of a form POST (bench/RESULTS.md, "form"),
    and two request threads could start the same timer, failing one request with "threads can
    only be started once". Expired counters only take memory (every read checks the expiry
    itself), so here whichever request comes first drops them, at most once per
    :attr:`expiry_interval` seconds, and no request waits for another to do it.
    """

    STORAGE_SCHEME = ["voice-memory"]
    #: Seconds between two sweeps of expired counters.
    expiry_interval = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self._sweep_lock = threading.Lock()
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (overrides the parent's private method)
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.expiry_interval
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()


def storage_uri(configured: str) -> str:
    """The limiter storage for a configured URI: ``memory://`` means the thread-safe memory storage."""
    return "voice-memory://" if configured.startswith("memory://") else configured


def init_limits(app: Flask) -> None:
    """Attach the limiter (memory or Redis storage, from config) and CSRF checks to ``app``."""
    config = app.config["VOICE"]
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(config.limits.storage_uri)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    csrf.init_app(app)
