"""HTTP hardening, set up once by ``create_app``: security headers, proxy trust and cookie flags.

Every response gets the headers of :data:`HEADERS` from one ``after_request`` hook, including
error pages and static files. The Content-Security-Policy allows scripts, styles and images only
from our own origin, so an injected ``<script>`` or ``onclick=`` does not run; templates therefore
carry no inline script or event handler (``tests/test_service_security.py`` scans them).
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: Sent only on HTTPS requests (behind a proxy: when it says X-Forwarded-Proto: https).
HSTS = "max-age=31536000; includeSubDomains"


def init_security(app: Flask) -> None:
    """Trust the reverse proxy when configured, set cookie flags, and add the headers to every response."""
    config = app.config["VOICE"]
    if config.app.behind_proxy:
        # One proxy hop: its X-Forwarded-For becomes remote_addr (rate limits, audit log) and its
        # X-Forwarded-Proto makes request.is_secure true for HTTPS.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=config.app.secure_cookies)
    app.after_request(add_security_headers)
    app.session_interface = SessionCookies()


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signer built once per app and secret, not per request.

    Building an ``itsdangerous`` serializer encodes a test value to learn its JSON module; per
    request that was about 1% of a form submission's CPU (bench/RESULTS.md, "form").
    """

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("voice_session_signer")
        if cached is None or cached[0] != key:
            cached = (key, super().get_signing_serializer(app))
            app.extensions["voice_session_signer"] = cached
        return cached[1]


def add_security_headers(response: Response) -> Response:
    """Add :data:`HEADERS` (and HSTS over HTTPS); staff pages are also kept out of shared caches."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if g.get("user") is not None and "Cache-Control" not in response.headers:
        # Staff pages may show original free text; a shared or back-button cache must not keep them.
        response.headers["Cache-Control"] = "no-store"
    return response
