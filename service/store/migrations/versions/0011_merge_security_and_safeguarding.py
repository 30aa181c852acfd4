"""merge the security revision (session generations, token expiry) with the safeguarding workflow

Revision ID: 0011
Revises: 0010, 0010_security

Both were built on 0009 side by side (issues 17 and 19); this joins them so the schema has a
single head again.
"""

from __future__ import annotations

revision = "0011"
down_revision = ("0010", "0010_security")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
