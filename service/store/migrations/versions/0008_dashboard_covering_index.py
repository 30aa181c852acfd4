"""dashboard: a covering index of the response columns the dashboard filters and groups by

Revision ID: 0008
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ["source_id", "submitted_at", "site_id", "ward", "age_band", "sex", "ethnic_group"]


def upgrade() -> None:
    # Overview counts, filter choices, topic prevalence by group and who each site reaches read only
    # these columns: scanning this narrow index avoids reading the wide rows (raw records) of 100k+
    # responses per aggregate.
    op.create_index("ix_responses_dashboard", "responses", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_responses_dashboard", table_name="responses")
