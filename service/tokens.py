"""API clients: creating bearer tokens (shown once, stored hashed) and finding a request's client."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import ROLES, ApiClient, utcnow

TOKEN_PREFIX = "cv_"


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are long and random, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_api_client(session: Session, name: str, role: str) -> tuple[ApiClient, str]:
    """Create an API client and return it with its token (the only time the token is seen).

    Raises
    ------
    ValueError
        For an unknown role, an empty name, or a name already in use.
    """
    name = name.strip()
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name:
        raise ValueError("an API client needs a name, e.g. the partner system that will use it")
    if session.scalar(select(ApiClient).where(ApiClient.name == name)):
        raise ValueError(f"an API client called {name!r} already exists; choose another name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(name=name, role=role, token_hash=hash_token(token))
    session.add(client)
    session.flush()
    return client, token


def find_api_client(session: Session, token: str) -> ApiClient | None:
    """The active client holding ``token``, with its last use recorded; ``None`` when unknown."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))
    if client is None or not client.is_active:
        return None
    now = utcnow()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        client.last_used_at = now  # at most once a minute, so reads stay cheap
        session.commit()
    return client


def client_for_request() -> ApiClient | None:
    """The API client named by the request's ``Authorization: Bearer`` header, if any."""
    from flask import request

    from service import get_session

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return find_api_client(get_session(), token.strip())
