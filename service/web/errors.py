"""Error handlers, registered in one place: JSON for API routes, a page for everything else."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from service.store.db import CONNECTION_ERRORS, DatabaseError, first_line

logger = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/webhooks/")


def _respond(status: int, title: str, message: str, errors: list[str] | None = None):
    if _wants_json():
        body = {"ok": False, "error": message, "errors": errors or [message], "status": status}
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Attach every handler to ``app``."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _respond(error.code or 500, error.name, error.description or error.name)

    @app.errorhandler(DatabaseError)
    def database_error(error: DatabaseError):
        logger.error("database unavailable: %s", error)
        return _respond(503, "Please try again in a minute",
                        "We could not save or load that just now. Nothing was half-saved. Please try again in a minute.")

    # The database stopping under a request (a lost connection, connections refused): its
    # transaction was rolled back on the server, so this is the page above, not a 500.
    for error_class in CONNECTION_ERRORS:
        app.register_error_handler(error_class, lambda error: database_error(DatabaseError(first_line(error))))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        logger.exception("unhandled error on %s", request.path)
        return _respond(500, "Something went wrong", "Something went wrong on our side. Please try again; if it keeps happening, tell the engagement team.")
