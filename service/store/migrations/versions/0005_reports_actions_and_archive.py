"""reports: the "you said, we did" actions log and the archive of generated briefings and exports

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("quarter", sa.String(6), nullable=False),
        sa.Column("topic", sa.String(60), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("ward", sa.String(12), nullable=True),
        sa.Column("you_said", sa.Text(), nullable=False),
        sa.Column("we_did", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_actions_site_id_sites"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_actions_created_by_users"), ondelete="SET NULL"),
    )
    op.create_index(op.f("ix_actions_quarter"), "actions", ["quarter"])
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_files")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_report_files_created_by_users"), ondelete="SET NULL"),
    )
    op.create_index(op.f("ix_report_files_fingerprint"), "report_files", ["fingerprint"])
    op.create_index("ix_report_files_kind_created", "report_files", ["kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_report_files_kind_created", table_name="report_files")
    op.drop_index(op.f("ix_report_files_fingerprint"), table_name="report_files")
    op.drop_table("report_files")
    op.drop_index(op.f("ix_actions_quarter"), table_name="actions")
    op.drop_table("actions")
