"""merge the intake screening revision with the security and safeguarding branch

Revision ID: 0012
Revises: 0011, 0010_intake

0010_intake (redaction and safeguarding at intake, the audit sample, field-level quarantine) was
built on 0009 beside 0010 and 0010_security (issues 15 and 16); this joins them so the schema has
a single head again.
"""

from __future__ import annotations

revision = "0012"
down_revision = ("0011", "0010_intake")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
