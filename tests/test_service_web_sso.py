"""Staff single sign-on, end to end against a small OpenID provider on 127.0.0.1 (issue 19, finding 13).

The provider serves discovery and JWKS, checks the PKCE verifier at its token endpoint and signs
ID tokens (RS256); the tests also make it sign the tokens a hostile or broken provider would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from service.config import OidcConfig
from service.store.models import AuditEvent, User

CLIENT_ID, SECRET = "voice-test-client", "provider-secret-test-only"


class Provider:
    """Discovery, JWKS and a token endpoint; ``codes`` maps a code to (nonce, challenge, claims changes)."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.codes: dict[str, tuple[str, str, dict]] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/.well-known/openid-configuration":
                    self._send(200, {"issuer": provider.url, "authorization_endpoint": provider.url + "/authorize",
                                     "token_endpoint": provider.url + "/token", "jwks_uri": provider.url + "/jwks",
                                     "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["RS256"],
                                     "code_challenge_methods_supported": ["S256"]})
                elif self.path == "/jwks":
                    self._send(200, {"keys": [provider.key.as_dict(private=False)]})
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                nonce, challenge, changes = provider.codes.pop(form.get("code", ""), (None, None, None))
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
                if nonce is None or digest != challenge or self.headers.get("Authorization") != f"Basic {basic}":
                    return self._send(400, {"error": "invalid_grant"})
                now = int(time.time())
                claims = {"iss": provider.url, "aud": CLIENT_ID, "sub": "user-1", "iat": now, "exp": now + 300,
                          "nonce": nonce, "email": "Sam.Lead@council.example", "name": "Sam Lead", "groups": ["g-analysts"]}
                claims.update(changes)
                id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, provider.key)
                self._send(200, {"access_token": "at-test", "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sso(config, monkeypatch):
    from service import create_app

    provider = Provider()
    monkeypatch.setenv("VOICE_TEST_OIDC_SECRET", SECRET)
    oidc = OidcConfig(enabled=True, discovery_url=provider.url + "/.well-known/openid-configuration", client_id=CLIENT_ID,
                      client_secret_env="VOICE_TEST_OIDC_SECRET", roles={"g-analysts": "analyst", "g-admins": "admin"},
                      allowed_domains=("council.example",))
    app = create_app(replace(config, oidc=oidc))
    app.config.update(TESTING=True)
    yield app, provider
    provider.close()
    app.extensions["voice_engine"].dispose()


def _sign_in(app, provider, **changes):
    """Go to the provider, 'log in' there (the test plays the user), and come back with a code."""
    client = app.test_client()
    start = client.get("/sign-in/sso")
    assert start.status_code == 302
    sent = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
    assert sent["code_challenge_method"] == "S256" and sent["client_id"] == CLIENT_ID and "nonce" in sent
    nonce = changes.pop("nonce", sent["nonce"])
    provider.codes["code-1"] = (nonce, sent["code_challenge"], changes)
    return client, client.get(f"/sign-in/sso/callback?code=code-1&state={sent['state']}")


def test_single_sign_on_creates_the_user_with_the_mapped_role(sso):
    app, provider = sso
    client, answer = _sign_in(app, provider)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 200
    with app.extensions["voice_sessions"]() as session:
        user = session.scalar(select(User).where(User.email == "sam.lead@council.example"))
        assert user.role == "analyst"
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in")).detail["via"] == "sso"


@pytest.mark.parametrize("changes", [{"aud": "someone-else"}, {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
                                     {"nonce": "not-the-nonce-we-sent"}, {"iss": "https://evil.example"}],
                         ids=["wrong audience", "expired", "wrong nonce", "wrong issuer"])
def test_a_bad_id_token_is_refused(sso, changes):
    app, provider = sso
    client, answer = _sign_in(app, provider, **changes)
    assert answer.status_code == 401
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.parametrize(("changes", "message"), [({"groups": ["g-other"]}, "no group"),
                                                  ({"email": "someone@elsewhere.example"}, "not from an organisation")])
def test_a_user_outside_the_mapped_groups_or_domains_is_refused(sso, changes, message):
    app, provider = sso
    _client, answer = _sign_in(app, provider, **changes)
    assert answer.status_code == 401 and message in answer.get_data(as_text=True)


def test_a_replayed_code_or_state_is_refused(sso):
    app, provider = sso
    client, first = _sign_in(app, provider)
    assert first.status_code == 302
    again = client.get("/sign-in/sso/callback?code=code-1&state=whatever")
    assert again.status_code == 401


def test_single_sign_on_is_off_by_default(client):
    assert client.get("/sign-in/sso").status_code == 404


def test_passwords_can_be_switched_off_beside_single_sign_on(sso):
    app, _provider = sso
    off = app.config["VOICE"]
    app.config["VOICE"] = replace(off, oidc=replace(off.oidc, allow_passwords=False))
    app.config.update(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with your organisation" in page and 'type="password"' not in page
    assert client.post("/sign-in", data={"email": "a@council.example", "password": "whatever it is"}).status_code == 403


def test_enabling_single_sign_on_without_its_secret_stops_start_up(tmp_path):
    from service.config import PROJECT_ROOT, ConfigError, load_config

    text = (PROJECT_ROOT / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace('[auth.oidc]\n# Staff single sign-on with OpenID Connect, e.g. Microsoft Entra ID (issue 19). Off by default.\nenabled = false',
                                 '[auth.oidc]\nenabled = true'), encoding="utf-8")
    with pytest.raises(ConfigError, match="auth.oidc.enabled"):
        load_config(path, environ={})
