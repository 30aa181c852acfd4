"""Rate limits (Flask-Limiter) and CSRF protection (Flask-WTF), set up once per app."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

# Client addresses are used as rate-limit keys only; they are never stored with responses.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
csrf = CSRFProtect()


def init_limits(app: Flask) -> None:
    """Attach the limiter (memory or Redis storage, from config) and CSRF checks to ``app``."""
    config = app.config["VOICE"]
    app.config["RATELIMIT_STORAGE_URI"] = config.limits.storage_uri
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    csrf.init_app(app)
