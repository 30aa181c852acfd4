"""Staff single sign-on with OpenID Connect (Microsoft Entra ID style), through Authlib (issue 19, finding 13).

The provider is found from its discovery document; sign-in uses the authorisation code flow with
PKCE (S256), a state and a nonce; Authlib checks the ID token's signature against the provider's
JWKS, and its issuer, audience, expiry and nonce. The role comes from the provider's groups claim
through ``[auth.oidc] roles``: the highest mapped role wins, and a user in no mapped group, or with
an e-mail outside ``allowed_domains``, is refused.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from service.config import OidcConfig
from service.store.models import ROLES

logger = logging.getLogger(__name__)
#: Seconds to wait for the provider (discovery, keys, token) before giving up.
PROVIDER_TIMEOUT = 10


class SsoError(Exception):
    """A single sign-on that is refused; the message is safe to show the person signing in."""


def init_sso(app: Flask) -> None:
    """Register the provider as Authlib's ``oidc`` client when ``[auth.oidc] enabled`` is true."""
    config: OidcConfig = app.config["VOICE"].oidc
    if not config.enabled:
        return
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register("oidc", client_id=config.client_id, client_secret=os.environ.get(config.client_secret_env, ""),
                   server_metadata_url=config.discovery_url,
                   client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                                  "default_timeout": PROVIDER_TIMEOUT})
    app.extensions["voice_oidc"] = oauth.oidc


def role_for(config: OidcConfig, claims: dict[str, Any]) -> str:
    """Our role for a provider user: the highest role any of their groups maps to.

    Raises
    ------
    SsoError
        When the e-mail is missing or outside the allowed domains, or no group maps to a role.
    """
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    if "@" not in email:
        raise SsoError("Your organisation's sign-in did not give an e-mail address; ask an admin.")
    if config.allowed_domains and email.rpartition("@")[2] not in config.allowed_domains:
        raise SsoError("Your e-mail address is not from an organisation that may use this service.")
    groups = claims.get(config.groups_claim) or []
    mapped = {config.roles[g] for g in groups if isinstance(g, str) and g in config.roles}
    if not mapped:
        raise SsoError("Your account is in no group that has access to this service; ask an admin to add you.")
    return min(mapped, key=ROLES.index)  # ROLES runs from most to least privileged
