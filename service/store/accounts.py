"""Accounts: staff users (argon2 passwords, roles, deactivation) and API clients (bearer tokens).

One home for who may sign in or call the API. Tokens are shown once and stored hashed; the web
layer finds a request's client with :func:`find_api_client`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store.models import ROLES, ApiClient, User, utcnow
from service.store.passwords import MIN_LENGTH, check_password

TOKEN_PREFIX = "cv_"
_hasher = PasswordHasher()
_stand_in_hash: str | None = None
MIN_PASSWORD = MIN_LENGTH


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are long and random, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_api_client(session: Session, name: str, role: str, expires_at: datetime | None = None) -> tuple[ApiClient, str]:
    """Create an API client and return it with its token (the only time the token is seen).

    Raises
    ------
    ValueError
        For an unknown role, an empty name, a name already in use, or an expiry in the past.
    """
    name = name.strip()
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name:
        raise ValueError("an API client needs a name, e.g. the partner system that will use it")
    if session.scalar(select(ApiClient).where(ApiClient.name == name)):
        raise ValueError(f"an API client called {name!r} already exists; choose another name")
    if expires_at is not None and expires_at <= utcnow():
        raise ValueError(f"the expiry {expires_at:%Y-%m-%d %H:%M} UTC is in the past; give a later one")
    token = _new_token()
    client = ApiClient(name=name, role=role, token_hash=hash_token(token), expires_at=expires_at)
    session.add(client)
    session.flush()
    return client, token


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def list_api_clients(session: Session) -> list[ApiClient]:
    """Every API client, active ones first, by name (tokens themselves are never kept)."""
    return list(session.scalars(select(ApiClient).order_by(ApiClient.is_active.desc(), ApiClient.name)))


def get_api_client(session: Session, name: str) -> ApiClient:
    """The API client called ``name``; ``LookupError`` naming the known ones when there is none."""
    client = session.scalar(select(ApiClient).where(ApiClient.name == name.strip()))
    if client is None:
        known = ", ".join(c.name for c in list_api_clients(session)) or "none yet"
        raise LookupError(f"there is no API client called {name!r} (known: {known})")
    return client


def revoke_api_client(session: Session, name: str) -> ApiClient:
    """Stop the client's token working at once; the caller commits (and audits)."""
    client = get_api_client(session, name)
    client.is_active = False
    return client


def rotate_api_client(session: Session, name: str, expires_at: datetime | None = None) -> tuple[ApiClient, str]:
    """Give the client a new token (the old one stops working) and return it, seen only now.

    ``expires_at`` replaces the expiry when given. A revoked client is made active again by rotating.
    """
    client = get_api_client(session, name)
    if expires_at is not None and expires_at <= utcnow():
        raise ValueError(f"the expiry {expires_at:%Y-%m-%d %H:%M} UTC is in the past; give a later one")
    token = _new_token()
    client.token_hash, client.is_active = hash_token(token), True
    if expires_at is not None:
        client.expires_at = expires_at
    session.flush()
    return client, token


def is_api_client_usable(client: ApiClient, now: datetime) -> bool:
    """Say whether the client is active and its token not past its expiry."""
    expires_at = client.expires_at
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    return client.is_active and (expires_at is None or expires_at > now)


def find_api_client(session: Session, token: str) -> ApiClient | None:
    """The active, unexpired client holding ``token``, with its last use recorded; ``None`` when unknown."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))
    now = utcnow()
    if client is None or not is_api_client_usable(client, now):
        return None
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        client.last_used_at = now  # at most once a minute, so reads stay cheap
        session.commit()
    return client


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Say whether ``password`` matches ``password_hash``.

    With no hash (an unknown or inactive account) a stand-in hash of a random secret is verified
    instead and the answer is always no: it takes as long as for a real account, so timing does
    not tell the two apart (issue 19, finding 9).
    """
    global _stand_in_hash
    is_stand_in = password_hash is None
    if password_hash is None:
        if _stand_in_hash is None:
            _stand_in_hash = _hasher.hash(secrets.token_urlsafe(24))
        password_hash = _stand_in_hash
    try:
        return _hasher.verify(password_hash, password) and not is_stand_in
    except (VerificationError, InvalidHashError):
        return False


def end_sessions(user: User) -> None:
    """End every signed-in session of ``user`` (the cookies carry the old generation); the caller commits."""
    user.session_generation = (user.session_generation or 0) + 1


def change_password(user: User, password: str) -> None:
    """Set a new password after the policy checks, and end the user's other sessions; the caller commits.

    Raises
    ------
    ValueError
        When the password breaks the policy (:func:`service.store.passwords.check_password`).
    """
    check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    end_sessions(user)


def add_user(session: Session, email: str, name: str, role: str, password: str) -> User:
    """Create a staff account; raise ``ValueError`` naming the problem for a bad role, e-mail or password."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if "@" not in email:
        raise ValueError(f"e-mail {email!r} is not an e-mail address")
    check_password(password, email=email, name=name)  # the one password policy (issue 19)
    if session.scalar(select(User).where(User.email == email)):
        raise ValueError(f"a user with e-mail {email!r} already exists")
    user = User(email=email, name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    """Every staff account, active ones first, by name."""
    return list(session.scalars(select(User).order_by(User.is_active.desc(), User.name)))


def update_user(session: Session, user_id: int, role: str | None = None, is_active: bool | None = None) -> User:
    """Change a user's role or active state; an admin cannot demote or deactivate the last active admin.

    Raises
    ------
    LookupError
        When the user does not exist.
    ValueError
        For an unknown role, or a change that would leave no active admin.
    """
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    if role is not None and role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    loses_admin = user.role == "admin" and user.is_active and ((role and role != "admin") or is_active is False)
    if loses_admin:
        n_admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True)))
        if n_admins <= 1:
            raise ValueError("this is the last active admin; make someone else an admin first")
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
        user.failed_sign_ins, user.locked_until = 0, None
    session.flush()
    return user


def sign_in_from_provider(session: Session, email: str, name: str, role: str) -> User | None:
    """The account of a user the single sign-on provider vouched for, created or given ``role``.

    ``None`` for an account deactivated here (an admin's decision outranks the provider's). A new
    account gets no usable password: it signs in through the provider only.
    """
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role, password_hash="!sso-only")
        session.add(user)
    elif not user.is_active:
        return None
    else:
        user.role = role
    session.flush()
    return user
