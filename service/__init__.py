"""The Flask service: ``create_app`` is the only place an app is assembled.

Flask, SQLAlchemy and the views are imported when an app is built, not when the package is: the
``voice`` command imports ``service.cli`` and must not pay for a web stack to print its help.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from service.config import PROJECT_ROOT, Config, ConfigError, load_config

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

__all__ = ["create_app", "get_session"]


def __getattr__(name: str) -> Any:
    # ``from service import get_session`` keeps working, importing Flask only then.
    if name == "get_session":
        from service.web.sessions import get_session

        return get_session
    raise AttributeError(f"module 'service' has no attribute {name!r}")


def create_app(config: Config | None = None, *, check: bool = True) -> Flask:
    """Build the app for ``config`` (the project's ``config.toml`` when ``None``).

    With ``check`` the database must be reachable and fully migrated, else
    :class:`service.store.db.DatabaseError` says what to run.
    """
    from flask import Flask

    from service.store.db import make_engine, make_session_factory
    from service.web.sessions import close_session

    config = config or load_config()
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(PROJECT_ROOT / "service" / "static"), instance_path=str(config.app.instance_path))
    secret = config.app.secret_key
    if len(secret) < 16:
        raise ConfigError("VOICE_SECRET_KEY is not set (or shorter than 16 characters). Every web worker needs the same "
                          "secret to sign sessions: set it in the environment, e.g. to the output of "
                          "python -c \"import secrets; print(secrets.token_hex(32))\".")
    app.config.update(SECRET_KEY=secret, VOICE=config, MAX_CONTENT_LENGTH=2 * 1024 * 1024,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    if config.database_from == "demo":
        # A recorded demo database is used only when nothing else names one: say so in the log, so
        # a production instance folder that once ran `voice demo` cannot quietly serve demo data.
        logging.getLogger(__name__).warning(
            "Using the demo database recorded by `voice demo` (synthetic data): set [database] url "
            "or VOICE_DATABASE_URL to use another.")
    engine = make_engine(config.database.url)
    if check:
        from service.store.db import check_schema

        check_schema(engine)
    app.extensions["voice_engine"] = engine
    app.extensions["voice_sessions"] = make_session_factory(engine)
    app.teardown_appcontext(close_session)
    from service.web.access import init_access
    from service.web.errors import register_error_handlers
    from service.web.limits import init_limits
    from service.web.params import init_params
    from service.web.security import init_security

    init_params(app)  # bounded ids and no NUL characters, before any route is added (issue 19)
    from service.web.sso import init_sso

    init_sso(app)  # staff single sign-on, when [auth.oidc] enabled (issue 19)
    init_security(app)  # headers, proxy trust, cookie flags (issue 8)
    init_limits(app)
    init_access(app)
    from service.web.pages import shared_context

    app.context_processor(shared_context)
    _register_blueprints(app)

    register_error_handlers(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from service.web.views import auth, form, home, sites, sso, webhooks

    for module in (home, auth, sso, webhooks, form, sites):
        app.register_blueprint(module.blueprint)
    # The engagement team's dashboard, review queues, users page and JSON API (issue 6).
    from service.web.views import admin, api, dashboard, representativeness, review, voices

    for module in (dashboard, representativeness, voices, review, admin, api):
        app.register_blueprint(module.blueprint)
    # The audit log page for admins (issue 8).
    from service.web.views import audit

    app.register_blueprint(audit.blueprint)
    # Quarterly briefings, the SNA export, their archive and the actions log (issue 7).
    from service.web.views import briefings

    app.register_blueprint(briefings.blueprint)
    # One original free text at a time, audited (issue 15 part 5).
    from service.web.views import texts

    app.register_blueprint(texts.blueprint)
    # Analysts try a sample export against a mapping, storing nothing (issue 16 part 7).
    from service.web.views import sources

    app.register_blueprint(sources.blueprint)
    # Where the next poster or outreach should go (issue 20 item 11).
    from service.web.views import where_next

    app.register_blueprint(where_next.blueprint)
