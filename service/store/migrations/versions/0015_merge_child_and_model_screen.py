"""merge the flags' child signal with the queued detector step

Revision ID: 0015
Revises: 0014, 0014_model_screen

0014 (``safeguarding_flags.is_child``) and 0014_model_screen (``free_texts.is_model_screen_pending``)
were built on 0013 side by side; this joins them so the schema has a single head again.
"""

from __future__ import annotations

revision = "0015"
down_revision = ("0014", "0014_model_screen")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
