"""safeguarding flags: the intake screen's reading that the writer may be a child

Revision ID: 0014
Revises: 0013

* ``safeguarding_flags.is_child``: the screen (``nlp.check_safeguarding``) read the writer as a
  child: from the text ("my mum", school, text-speak, the child-writer model) or a stated age
  under 18. Flags raised before this revision get False: the screen's reading was not kept then,
  and the queue still shows what the stated age says.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: on SQLite batch mode copies the table and drops the old one,
# and with foreign keys on that drop would cascade to every flag's safeguarding_events.
def upgrade() -> None:
    op.add_column("safeguarding_flags", sa.Column("is_child", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("safeguarding_flags", "is_child")
