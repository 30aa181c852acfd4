"""safeguarding workflow: statuses new/acknowledged/referred/closed, an owner, referrals, an event per change

Revision ID: 0010
Revises: 0009

Old statuses map as: open -> new, referred -> referred (to a service not recorded), no_action ->
closed. A flag someone had already reviewed gets one event carrying that reviewer, time and note,
so its history starts with what was known.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD_TO_NEW = {"open": "new", "referred": "referred", "no_action": "closed"}


def upgrade() -> None:
    with op.batch_alter_table("safeguarding_flags") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), sa.ForeignKey(
            "users.id", ondelete="SET NULL", name="fk_safeguarding_flags_owner_id_users"), nullable=True))
        batch.add_column(sa.Column("referred_to", sa.String(40), nullable=True))
        batch.add_column(sa.Column("alerted_at", sa.DateTime(), nullable=True))
    op.create_table(
        "safeguarding_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flag_id", sa.Integer(), sa.ForeignKey("safeguarding_flags.id", ondelete="CASCADE",
                                                         name="fk_safeguarding_events_flag_id_safeguarding_flags"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("referred_to", sa.String(40), nullable=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL",
                                                          name="fk_safeguarding_events_owner_id_users"), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL",
                                                         name="fk_safeguarding_events_user_id_users"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_safeguarding_events_flag_id", "safeguarding_events", ["flag_id"])
    for old, new in OLD_TO_NEW.items():
        op.execute(sa.text("UPDATE safeguarding_flags SET status = :new WHERE status = :old").bindparams(new=new, old=old))
    op.execute(sa.text("UPDATE safeguarding_flags SET referred_to = 'not_recorded' WHERE status = 'referred'"))
    op.execute(sa.text(
        "INSERT INTO safeguarding_events (flag_id, status, referred_to, user_id, note, at) "
        "SELECT id, status, referred_to, reviewer_id, note, reviewed_at FROM safeguarding_flags "
        "WHERE reviewed_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_safeguarding_events_flag_id", table_name="safeguarding_events")
    op.drop_table("safeguarding_events")
    op.execute(sa.text("UPDATE safeguarding_flags SET status = CASE status WHEN 'closed' THEN 'no_action' "
                       "WHEN 'referred' THEN 'referred' ELSE 'open' END"))
    with op.batch_alter_table("safeguarding_flags") as batch:
        batch.drop_column("alerted_at")
        batch.drop_column("referred_to")
        batch.drop_column("owner_id")
