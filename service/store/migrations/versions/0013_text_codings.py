"""text codings: who coded each free text (coder, model, prompt and codeframe versions)

Revision ID: 0013
Revises: 0012

* ``text_codings``: one row per free text and coder in a topics run: the coder ("builtin" or
  "chat"), its model name or hash, the prompt version (chat), the codeframe version, the topics it
  gave, whether those topics feed findings (``[nlp] findings_coder``) and a note when a text meant
  for the chat coder fell back to the built-in model. The coder-comparison page and the briefing's
  methods box read it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_codings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("free_text_id", sa.Integer(), sa.ForeignKey("free_texts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("analysis_runs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("coder", sa.String(20), nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("prompt_version", sa.String(60), nullable=False),
        sa.Column("codeframe_version", sa.String(40), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("feeds_findings", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_text_codings_free_text_id", "text_codings", ["free_text_id"])
    op.create_index("ix_text_codings_run_id", "text_codings", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_text_codings_run_id", table_name="text_codings")
    op.drop_index("ix_text_codings_free_text_id", table_name="text_codings")
    op.drop_table("text_codings")
