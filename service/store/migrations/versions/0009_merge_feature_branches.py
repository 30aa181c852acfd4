"""merge the branches built side by side (connectors, form, analysis, reports, API, audit, dashboard)

Revision ID: 0009
Revises: 0002, 0003, 0004, 0005, 0006, 0007, 0008

Each feature added its own revision on top of 0001 while they were built in parallel; this
revision joins them so the schema has a single head again (``alembic upgrade head`` works) and
later revisions build on it.
"""

from __future__ import annotations

revision = "0009"
down_revision = ("0002", "0003", "0004", "0005", "0006", "0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
