"""model screen pending: bulk-ingested free texts wait for the trained disclosure detector

Revision ID: 0014_model_screen
Revises: 0013

* ``free_texts.is_model_screen_pending``: the text was redacted and screened by the safeguarding
  rules in the transaction that stored it (a file, a REST pull or a webhook delivery in bulk), and
  the trained detector has not read it yet. The scheduler's classify job (every minute) and
  ``voice ingest`` itself run the detector on such texts, add any flag it raises and clear the
  marker. Quotes skip a pending text, so "pending" is never taken for "not flagged". Texts stored
  before this revision were screened by the detector when stored, so none is pending.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_model_screen"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch copy: on SQLite a batch drops and re-creates free_texts, and
    # dropping it deletes every safeguarding flag (ON DELETE CASCADE) with foreign keys on.
    op.add_column("free_texts", sa.Column("is_model_screen_pending", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.create_index("ix_free_texts_is_model_screen_pending", "free_texts", ["is_model_screen_pending"])


def downgrade() -> None:
    op.drop_index("ix_free_texts_is_model_screen_pending", table_name="free_texts")
    op.drop_column("free_texts", "is_model_screen_pending")  # SQLite 3.35+ drops a column in place
