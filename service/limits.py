"""Rate limits (Flask-Limiter) and CSRF protection (Flask-WTF), set up once per app."""

from __future__ import annotations

import threading
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
    """The in-memory counters of ``limits``, safe under threaded web servers.

    ``limits`` 5 replaces and starts its expiry timer without a lock, so two request threads can
    start the same timer and one request fails with "threads can only be started once" (seen
    under gunicorn threads in bench/form). This takes a lock around that step.
    """

    STORAGE_SCHEME = ["voice-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self._timer_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (overrides the parent's private method)
        with self._timer_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
                self.timer.daemon = True
                self.timer.start()


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
