"""intake screening: free texts redacted and screened when stored, audit-sample reviews, field quarantine

Revision ID: 0010_intake
Revises: 0009

* ``free_texts.classified_at``: when the topic model coded the text. Redaction and the
  safeguarding screen now run in the transaction that stores a text (``redacted_at``); the topic
  model follows later (within a minute, by the scheduler's classify job or ``voice analyse``) and
  picks texts with ``classified_at`` NULL. Texts the nightly run already redacted were coded by it
  in the same pass, so they are marked classified at that time.
* ``free_texts.is_redaction_uncertain``: the redactor was not sure it found everything.
* ``text_reviews.is_audit_sample``: the review was of a text drawn into the random audit sample,
  so it counts towards the model's measured agreement with reviewers; ``n_copies``: how many
  identical texts the one review coded.
* ``quarantined_rows.scope`` ("record" or "field") and ``response_id``: a bad answer cell keeps
  its response and quarantines only that field.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_intake"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("free_texts") as batch:
        batch.add_column(sa.Column("classified_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("is_redaction_uncertain", sa.Boolean(), nullable=True))
    op.execute("UPDATE free_texts SET classified_at = redacted_at WHERE redacted_at IS NOT NULL")
    op.create_index("ix_free_texts_classified_at", "free_texts", ["classified_at"])
    with op.batch_alter_table("text_reviews") as batch:
        batch.add_column(sa.Column("is_audit_sample", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("n_copies", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("quarantined_rows") as batch:
        batch.add_column(sa.Column("scope", sa.String(10), nullable=False, server_default="record"))
        batch.add_column(sa.Column("response_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_quarantined_rows_response_id_responses", "responses", ["response_id"], ["id"],
                                 ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("quarantined_rows") as batch:
        batch.drop_constraint("fk_quarantined_rows_response_id_responses", type_="foreignkey")
        batch.drop_column("response_id")
        batch.drop_column("scope")
    with op.batch_alter_table("text_reviews") as batch:
        batch.drop_column("n_copies")
        batch.drop_column("is_audit_sample")
    op.drop_index("ix_free_texts_classified_at", table_name="free_texts")
    with op.batch_alter_table("free_texts") as batch:
        batch.drop_column("is_redaction_uncertain")
        batch.drop_column("classified_at")
