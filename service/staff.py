"""Staff accounts for the admin's users page: list, change role, deactivate and reactivate."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import ROLES, User


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
