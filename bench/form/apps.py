"""The two WSGI apps the form benchmark serves with gunicorn: the real form, and a bare insert.

Both read VOICE_DATABASE_URL (and the rest of the configuration) from the environment, so they
write to the same database.
"""

from __future__ import annotations

import gc
import secrets
from datetime import datetime, timezone

from flask import Flask, request
from sqlalchemy import insert, select

from service.config import load_config
from service.store.db import make_engine
from service.store.models import Response, Source


def form_app() -> Flask:
    """The service as production serves it (``service.wsgi``), every guard on (CSRF, tokens, honeypot, time check, limits, size)."""
    from service.wsgi import app

    return app


def bare_app() -> Flask:
    """A Flask endpoint that inserts one response row per POST, with nothing else: the baseline."""
    config = load_config()
    engine = make_engine(config.database.url)
    app = Flask(__name__)
    with engine.connect() as connection:
        source_id = connection.scalar(select(Source.id).where(Source.key == config.form.source))

    @app.post("/insert")
    def add_row():
        now = datetime.now(timezone.utc)
        with engine.begin() as connection:
            connection.execute(insert(Response).values(
                source_id=source_id, external_id="bare-" + secrets.token_urlsafe(12), submitted_at=now,
                ingested_at=now, updated_at=now, consent=True, is_suspected_bot=False, is_synthetic=False,
                content_hash="", raw={"safe_here": request.form.get("safe_here", "")}))
        return "", 204

    gc.freeze()  # as service.wsgi does for the form, so both servers are set up alike
    return app
