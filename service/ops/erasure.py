"""Erasure: remove one response, and everything derived from it, from the store.

Used when a respondent (or their parent or carer) asks for their answers to be erased. The audit
log records that a response was erased, by whom and how many rows went, but never its content:
the source's id of the response is logged only as a SHA-256 digest, so the log can show that a
particular request was carried out without keeping the id itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.store import audit
from service.store.models import (
    Answer,
    FreeText,
    QuarantinedRow,
    Response,
    ResponseVersion,
    ResponseWeight,
    SafeguardingFlag,
    Source,
    TextCoding,
    TextReview,
    TopicCode,
)

logger = logging.getLogger(__name__)


class ErasureError(LookupError):
    """The response to erase does not exist; the message says which one and where to look."""


@dataclass(frozen=True)
class ErasureResult:
    """What one erasure removed: rows per table (the response itself counts under ``responses``)."""

    response_id: int
    source_key: str
    removed: dict[str, int] = field(default_factory=dict)


def find_response(session: Session, source_key: str, external_id: str) -> Response:
    """The response that ``source_key`` calls ``external_id``.

    Raises
    ------
    ErasureError
        When there is no such source or response.
    """
    response = session.scalar(select(Response).join(Source).where(Source.key == source_key, Response.external_id == external_id))
    if response is None:
        raise ErasureError(f"no response {external_id!r} from source {source_key!r} in the store; check the source key "
                           "(`voice ingest` lists them) and the id as the source gives it, or it was already erased")
    return response


def erase_response(session: Session, response_id: int, *, actor: str, address: str | None = None,
                   reason: str = "", caches: Sequence[Path] = ()) -> ErasureResult:
    """Delete response ``response_id`` with its answers, free texts, topic codes, reviews, flags,
    weights, earlier versions and quarantined copies, and log it; the caller commits.

    Parameters
    ----------
    actor
        Who asked, for the audit log: :func:`service.store.audit.actor_of` of the user, or ``"system"``.
    reason
        A short reference for the log, e.g. the request's case number (no personal data).
    caches
        The topic coders' cache files (:data:`service.pipeline.coders.BUILTIN_CACHE` and
        ``CHAT_CACHE`` in ``model_dir``): the entries keyed by the hash of this response's texts go too.

    Raises
    ------
    ErasureError
        When the response does not exist.
    """
    response = session.get(Response, response_id)
    if response is None:
        raise ErasureError(f"response {response_id} does not exist (already erased?)")
    source_key = session.scalar(select(Source.key).where(Source.id == response.source_id)) or ""
    digest = hashlib.sha256(f"{source_key}:{response.external_id}".encode()).hexdigest()
    wordings = [w for row in session.execute(select(FreeText.original, FreeText.redacted)
                                             .where(FreeText.response_id == response_id)) for w in row if w]
    texts = select(FreeText.id).where(FreeText.response_id == response_id).scalar_subquery()
    statements = {
        "topic_codes": delete(TopicCode).where(TopicCode.free_text_id.in_(texts)),
        "text_codings": delete(TextCoding).where(TextCoding.free_text_id.in_(texts)),
        "text_reviews": delete(TextReview).where(TextReview.free_text_id.in_(texts)),
        "safeguarding_flags": delete(SafeguardingFlag).where(SafeguardingFlag.free_text_id.in_(texts)),
        "free_texts": delete(FreeText).where(FreeText.response_id == response_id),
        "answers": delete(Answer).where(Answer.response_id == response_id),
        "response_weights": delete(ResponseWeight).where(ResponseWeight.response_id == response_id),
        "response_versions": delete(ResponseVersion).where(ResponseVersion.response_id == response_id),
        "quarantined_rows": delete(QuarantinedRow).where(QuarantinedRow.source_id == response.source_id,
                                                         QuarantinedRow.external_id == response.external_id),
        "responses": delete(Response).where(Response.id == response_id),
    }
    session.expunge(response)
    removed = {}
    for table, statement in statements.items():
        result = session.execute(statement, execution_options={"synchronize_session": False})
        removed[table] = result.rowcount  # type: ignore[attr-defined]  # a CursorResult for DELETE
    if caches:
        from nlp.coders import forget_texts

        removed["coder_cache_entries"] = forget_texts(caches, wordings)
    audit.record(session, "erasure", actor=actor, target=f"response:{response_id}", address=address,
                 detail={"source": source_key, "external_id_sha256": digest, "removed": removed, "reason": reason[:200]})
    logger.info("erased response %s of source %s (%d rows)", response_id, source_key, sum(removed.values()))
    return ErasureResult(response_id=response_id, source_key=source_key, removed=removed)
