"""Rate limits and CSRF protection (Flask-WTF), set up once per app.

Limits are counted with ``limits``, the library Flask-Limiter is built on, used directly: each
limited view asks :func:`wait_seconds` before it does anything else. Flask-Limiter's own hooks ran
on every request, limited or not, and its decorators resolved and parsed their limits each time:
together about a sixth of a QR form submission's CPU (bench/RESULTS.md, "form"). The counters
live in memory by default, or in Redis when ``[limits] storage_uri`` names it, so that several
workers share them. Client addresses are used as keys only; they are never stored with responses.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)
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


class RateLimits:
    """The app's named limits, parsed once, counted with the fixed-window strategy in one storage."""

    #: Seconds between two log lines about a failing storage (every request would log otherwise).
    failure_log_interval = 60.0

    def __init__(self, storage: Storage, rates: Mapping[str, str]) -> None:
        self.strategy = FixedWindowRateLimiter(storage)
        self.failure_logged_at: float | None = None
        self.items: dict[str, tuple[RateLimitItem, ...]] = {name: tuple(parse_many(rate)) for name, rate in rates.items()}

    def wait_seconds(self, name: str, key: str) -> int | None:
        """Count one request against limit ``name`` for ``key``; the seconds to wait when over it, else None."""
        for item in self.items[name]:
            if not self.strategy.hit(item, "voice", name, key):
                reset = self.strategy.get_window_stats(item, "voice", name, key).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None


    def is_over(self, name: str, key: str) -> bool:
        """Say whether ``key`` has used up limit ``name`` (without counting this request)."""
        return any(not self.strategy.test(item, "voice", name, key) for item in self.items[name])

    def clear(self, name: str, key: str) -> None:
        """Forget what ``key`` has used of limit ``name`` (a self-service unlock)."""
        for item in self.items[name]:
            self.strategy.clear(item, "voice", name, key)


def client_address() -> str:
    """The request's client address (the proxy's X-Forwarded-For when configured), as a counting key only."""
    return request.remote_addr or "127.0.0.1"


def wait_seconds(*checks: tuple[str, str]) -> int | None:
    """Count the current request against each ``(limit name, key)``; seconds to wait when over one, else None.

    When the storage cannot be reached (Redis down), the request is let through and the error
    logged: a resident's answers or a webhook delivery lost would be worse than a minute without
    limits, and sign-in still locks an account after repeated failures.
    """
    limits: RateLimits | None = current_app.extensions.get("voice_limits")
    if limits is None or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    try:
        for name, key in checks:
            wait = limits.wait_seconds(name, key)
            if wait is not None:
                return wait
    except Exception as error:  # noqa: BLE001 - any storage failure: count nothing, let the request through
        now = time.monotonic()
        if limits.failure_logged_at is None or now - limits.failure_logged_at >= limits.failure_log_interval:
            limits.failure_logged_at = now
            logger.error("rate limits not counted, the limits storage failed (said at most once a minute): %s",
                         str(error).splitlines()[0])
    return None


def init_limits(app: Flask) -> None:
    """Attach the rate limits (memory or Redis storage, from config) and CSRF checks to ``app``."""
    config = app.config["VOICE"].limits
    app.config.setdefault("RATELIMIT_ENABLED", True)
    rates = {"sign_in": config.sign_in, "sign_in_failures": config.sign_in_failures, "sign_in_unlock_mail": "1 per 15 minutes", "form_client": config.form_per_client, "form_site": config.form_per_site,
             "webhook": config.webhook_per_source}
    uri = storage_uri(config.storage_uri)
    # A Redis that does not answer must not hold requests: give up on it after a second.
    options = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0} if uri.startswith("redis") else {}
    app.extensions["voice_limits"] = RateLimits(storage_from_string(uri, **options), rates)
    csrf.init_app(app)


def is_limited(name: str, key: str, *, count: bool = False) -> bool:
    """Say whether ``key`` has used up limit ``name`` (counting one use first with ``count``).

    Unlike :func:`wait_seconds` this holds with ``RATELIMIT_ENABLED`` off: it guards accounts
    (failed sign-ins), not capacity. ``False`` when the storage fails, as there.
    """
    limits: RateLimits | None = current_app.extensions.get("voice_limits")
    if limits is None:
        return False
    try:
        return limits.wait_seconds(name, key) is not None if count else limits.is_over(name, key)
    except Exception as error:  # noqa: BLE001 - as in wait_seconds: a failing storage limits nothing
        logger.error("rate limit %s not checked, the limits storage failed: %s", name, str(error).splitlines()[0])
        return False


def clear_limit(name: str, key: str) -> None:
    """Forget ``key``'s use of limit ``name`` (nothing happens when limits are off)."""
    limits: RateLimits | None = current_app.extensions.get("voice_limits")
    if limits is not None:
        limits.clear(name, key)
