"""The residents' QR-code form: check a submission with ``ingest.form`` and store it (issue 4)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from ingest import FormResult, FormSpec, Ward, check_submission
from service.config import Config
from service.pipeline.screening import screen_text
from service.store import form_insert as form_store
from service.store.db import DatabaseError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmissionResult:
    """What :func:`accept_submission` did: ``status`` is "saved", "duplicate", "closed" or "invalid"."""

    status: str
    form: FormResult


def form_spec(config: Config, question_set: str | None, wards: tuple[Ward, ...]) -> FormSpec:
    """The form a site asks: the questions of its ``[form.question_sets]`` entry (the first when unset).

    Raises
    ------
    LookupError
        When ``question_set`` is not configured (the site's set was removed from config.toml).
    """
    sets = config.form.question_sets
    name = question_set or next(iter(sets))
    if name not in sets:
        raise LookupError(f"question set {name!r} is not in [form.question_sets] of {config.source_file}; "
                          f"configured sets: {', '.join(sets)}")
    source = config.source(config.form.source)
    questions = {q.key: q for q in source.mapping.questions}
    return FormSpec(source=source.key, mapping=source.mapping, questions=tuple(questions[k] for k in sets[name]),
                    wards=wards, max_text=config.form.max_text, asks_consent=config.privacy.lawful_basis == "consent",
                    consent_min_age=config.privacy.consent_min_age)


def accept_submission(engine: Engine, spec: FormSpec, data: Mapping[str, object], *, site: str, site_id: int,
                      external_id: str, bot_reasons: tuple[str, ...] = (), now: datetime | None = None) -> SubmissionResult:
    """Check a form submission with ``ingest.form``, screen its free text, store it in one transaction and commit.

    Each free-text answer is redacted and checked for safeguarding first (``service.pipeline.screening``);
    the redacted form and any safeguarding flag are stored with the response. The topic model
    codes it later (the scheduler's classify job, within a minute).

    The same ``external_id`` (the idempotency token issued with the form) is stored once: a
    double click, a refresh or a second worker racing on it gives "duplicate", not a second row
    (the unique constraint on (source, external id) decides). A site retired since it was looked
    up gives "closed" and stores nothing. On any failure the transaction is rolled back.

    Raises
    ------
    service.store.db.DatabaseError
        When the database cannot be used; nothing of the submission is stored then.
    """
    now = now or datetime.now(timezone.utc)
    result = check_submission(data, spec, external_id=external_id, site=site, now=now, bot_reasons=bot_reasons)
    if not result.is_valid:
        return SubmissionResult("invalid", result)
    # Redacted and screened before anything is stored, and stored with it: no page shows it otherwise.
    record = result.record
    screened = {a.question: screen_text(a.value, age=record.demographics.age) for a in record.answers if a.type == "free_text"}
    try:
        with engine.connect() as connection:  # leaving without a commit rolls back
            try:
                response_id = form_store.add_form_response(connection, spec.source, site_id, result.record, screened)
                connection.commit()
            except IntegrityError:
                # Already stored (a replayed token), or another request with it committed first.
                return SubmissionResult("duplicate", result)
    except DBAPIError as error:
        first = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise DatabaseError(f"could not store a form submission for site {site!r}: {first}") from None
    return SubmissionResult("saved" if response_id is not None else "closed", result)
