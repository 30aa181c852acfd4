"""security: session generations for users, expiry for API tokens (issue 19)

Revision ID: 0010_security
Revises: 0009

``users.session_generation`` is written into each staff session cookie at sign-in; signing out,
changing the password or "sign out other sessions" adds one, so every older cookie stops
working even if someone copied it. ``api_clients.expires_at`` ends a token at a set time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_security"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("api_clients") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_clients") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
