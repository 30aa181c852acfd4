"""Staff accounts: password hashing (argon2) and creating users."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import ROLES, User
from service.passwords import check_password

_hasher = PasswordHasher()
MIN_PASSWORD = 12


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Say whether ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(session: Session, email: str, name: str, role: str, password: str) -> User:
    """Create a staff account; raise ``ValueError`` naming the problem for a bad role, e-mail or password."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if "@" not in email:
        raise ValueError(f"e-mail {email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password has {len(password)} characters; use at least {MIN_PASSWORD}")
    check_password(password)  # a common or guessable password is refused too (issue 8)
    if session.scalar(select(User).where(User.email == email)):
        raise ValueError(f"a user with e-mail {email!r} already exists")
    user = User(email=email, name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user
