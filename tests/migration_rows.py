"""A database at revision 0013 holding one source, question, response, free text and flag (with one
event), for tests that upgrade it and check that no flag or history is lost on the way."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from service.store.db import alembic_config, make_engine

ROWS_AT_0013 = (
    "INSERT INTO sources (id, key, name, kind, created_at) VALUES (1, 's', 'S', 'file', '2024-01-01')",
    "INSERT INTO questions (id, source_id, key, wording, type, options) VALUES (1, 1, 'q', '', 'free_text', '[]')",
    "INSERT INTO responses (id, source_id, external_id, content_hash, raw, is_synthetic, is_suspected_bot, "
    "ingested_at, updated_at) VALUES (1, 1, 'r1', 'h1', '{}', 0, 0, '2024-01-01', '2024-01-01')",
    "INSERT INTO free_texts (id, response_id, question_id, original) VALUES (1, 1, 1, 'text 1')",
    "INSERT INTO safeguarding_flags (id, free_text_id, reason, status, created_at) "
    "VALUES (1, 1, 'r', 'acknowledged', '2024-01-01')",
    "INSERT INTO safeguarding_events (flag_id, status, at) VALUES (1, 'acknowledged', '2024-01-02')",
)


def upgraded_from_0013(path: str) -> Engine:
    """A SQLite database at ``path`` made at 0013 with :data:`ROWS_AT_0013`, then upgraded to the head."""
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0013")
    with engine.begin() as connection:
        for statement in ROWS_AT_0013:
            connection.execute(text(statement))
    command.upgrade(alembic_config(engine), "heads")
    return engine
