"""analysis results: weighting runs, weights, topic codes, reviews, safeguarding flags

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("source_key", sa.String(40), nullable=True),
        sa.Column("period_start", sa.DateTime(), nullable=True),
        sa.Column("period_end", sa.DateTime(), nullable=True),
        sa.Column("method", sa.String(60), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(120), nullable=True),
        sa.Column("codeframe_version", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_analysis_runs_kind_source", "analysis_runs", ["kind", "source_key", "created_at"])
    op.create_table(
        "response_weights",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("analysis_runs.id", ondelete="CASCADE", name="fk_response_weights_run_id_analysis_runs"), primary_key=True),
        sa.Column("response_id", sa.Integer(), sa.ForeignKey("responses.id", ondelete="CASCADE", name="fk_response_weights_response_id_responses"), primary_key=True),
        sa.Column("weight", sa.Float(), nullable=False),
    )
    op.create_index("ix_response_weights_response_id", "response_weights", ["response_id"])
    op.create_table(
        "topic_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("free_text_id", sa.Integer(), sa.ForeignKey("free_texts.id", ondelete="CASCADE", name="fk_topic_codes_free_text_id_free_texts"), nullable=False),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("analysis_runs.id", ondelete="SET NULL", name="fk_topic_codes_run_id_analysis_runs"), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_topic_codes_reviewer_id_users"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("free_text_id", "topic", "origin", name="uq_topic_codes_free_text_id"),
    )
    op.create_index("ix_topic_codes_free_text_id", "topic_codes", ["free_text_id"])
    op.create_index("ix_topic_codes_topic", "topic_codes", ["topic"])
    op.create_table(
        "text_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("free_text_id", sa.Integer(), sa.ForeignKey("free_texts.id", ondelete="CASCADE", name="fk_text_reviews_free_text_id_free_texts"), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_text_reviews_reviewer_id_users"), nullable=True),
        sa.Column("model_topics", sa.JSON(), nullable=False),
        sa.Column("confirmed_topics", sa.JSON(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("free_text_id", name="uq_text_reviews_free_text_id"),
    )
    op.create_table(
        "safeguarding_flags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("free_text_id", sa.Integer(), sa.ForeignKey("free_texts.id", ondelete="CASCADE", name="fk_safeguarding_flags_free_text_id_free_texts"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_safeguarding_flags_reviewer_id_users"), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("free_text_id", name="uq_safeguarding_flags_free_text_id"),
    )
    with op.batch_alter_table("free_texts") as batch:
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("is_english", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("free_texts") as batch:
        batch.drop_column("is_english")
        batch.drop_column("confidence")
    op.drop_table("safeguarding_flags")
    op.drop_table("text_reviews")
    op.drop_index("ix_topic_codes_topic", table_name="topic_codes")
    op.drop_index("ix_topic_codes_free_text_id", table_name="topic_codes")
    op.drop_table("topic_codes")
    op.drop_index("ix_response_weights_response_id", table_name="response_weights")
    op.drop_table("response_weights")
    op.drop_index("ix_analysis_runs_kind_source", table_name="analysis_runs")
    op.drop_table("analysis_runs")
