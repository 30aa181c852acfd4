"""Erasure: one response and everything derived from it leave the store; the log says so without its content."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.ops.erasure import ErasureError, erase_response, find_response
from service.pipeline.ingest_runs import register_sources
from service.store.db import transaction
from service.store.models import (
    Answer,
    AuditEvent,
    FreeText,
    QuarantinedRow,
    Response,
    ResponseVersion,
    ResponseWeight,
    SafeguardingFlag,
    TextCoding,
    TextReview,
    TopicCode,
)
from tests.trust_data import OLD, RECENT, SECRET_TEXT, add_quarantined, add_response

DERIVED = (Answer, FreeText, ResponseVersion, ResponseWeight, TopicCode, TextCoding, TextReview, SafeguardingFlag,
           QuarantinedRow)


def _counts(session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in (Response, *DERIVED)}


def _stored(factory, config) -> dict[str, int]:
    register_sources(factory, config)
    with transaction(factory) as session:
        ids = {ext: add_response(session, "css", ext, when).id for ext, when in (("CSS-1", OLD), ("CSS-2", RECENT))}
        add_quarantined(session, "css", "CSS-1", OLD)
    return ids


def test_erase_response_removes_it_and_everything_derived_from_it(factory, config):
    ids = _stored(factory, config)
    with factory() as session:
        before = _counts(session)
    with transaction(factory) as session:
        result = erase_response(session, ids["CSS-1"], actor="user:1 dpo@council.example", reason="SAR-2025-014")
    assert result.removed == {"topic_codes": 1, "text_codings": 1, "text_reviews": 1, "safeguarding_flags": 1, "free_texts": 1, "answers": 2,
                              "response_weights": 1, "response_versions": 1, "quarantined_rows": 1, "responses": 1}
    with factory() as session:
        after = _counts(session)
        assert session.get(Response, ids["CSS-1"]) is None and session.get(Response, ids["CSS-2"]) is not None
    assert {table: before[table] - after[table] for table in before} == result.removed


def test_erasure_is_logged_without_the_responses_content_or_id(factory, config):
    ids = _stored(factory, config)
    with transaction(factory) as session:
        erase_response(session, ids["CSS-1"], actor="system", address="10.1.2.3")
    with factory() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor, event.target, event.address) == ("erasure", "system", f"response:{ids['CSS-1']}", "10.1.2.3")
    assert len(event.detail["external_id_sha256"]) == 64 and event.detail["removed"]["responses"] == 1
    logged = repr(event.detail)
    assert "CSS-1" not in logged and SECRET_TEXT not in logged and "Acacia" not in logged


def test_erasure_rolls_back_with_its_transaction(factory, config):
    ids = _stored(factory, config)
    with factory() as session:
        erase_response(session, ids["CSS-1"], actor="system")
        session.rollback()
    with factory() as session:
        assert session.get(Response, ids["CSS-1"]) is not None
        assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_erasing_a_missing_response_says_which(factory, config):
    _stored(factory, config)
    with factory() as session:
        with pytest.raises(ErasureError, match="no response 'CSS-9' from source 'css'"):
            find_response(session, "css", "CSS-9")
        with pytest.raises(ErasureError, match="response 999 does not exist"):
            erase_response(session, 999, actor="system")


def test_erase_command_erases_by_source_and_external_id(runner, database_url, factory, config):
    ids = _stored(factory, config)
    env = {"VOICE_DATABASE_URL": database_url}
    result = runner.invoke(main, ["erase", "css", "CSS-1", "--yes", "--reason", "SAR-1"], env=env)
    assert result.exit_code == 0, result.output
    assert f"Erased response {ids['CSS-1']} of css" in result.output
    again = runner.invoke(main, ["erase", "css", "CSS-1", "--yes"], env=env)
    assert again.exit_code == 1 and "no response 'CSS-1' from source 'css'" in again.output


def test_erasure_removes_the_erased_texts_from_the_coders_caches(factory, config, tmp_path):
    from nlp.coders import JsonFileCache, cache_key

    ids = _stored(factory, config)
    with transaction(factory) as session:  # the other response says something else
        for text in session.scalars(select(FreeText).where(FreeText.response_id == ids["CSS-2"])):
            text.original, text.redacted = "The lighting on the high street is poor", "The lighting on the high street is poor"
    with factory() as session:
        erased = [w for row in session.execute(select(FreeText.original, FreeText.redacted)
                                               .where(FreeText.response_id == ids["CSS-1"])) for w in row if w]
        kept = [w for row in session.execute(select(FreeText.original, FreeText.redacted)
                                             .where(FreeText.response_id == ids["CSS-2"])) for w in row if w]
    assert erased and kept and not set(erased) & set(kept)
    builtin, chat = tmp_path / "builtin-codes.json", tmp_path / "chat-answers.json"
    JsonFileCache(builtin).update({cache_key(t, "", "m1"): "[[], null]" for t in erased + kept})
    JsonFileCache(chat).update({cache_key(t, "p2", "gpt"): "x" for t in erased + kept})
    with transaction(factory) as session:
        result = erase_response(session, ids["CSS-1"], actor="system", caches=(builtin, chat, tmp_path / "absent.json"))
    assert result.removed["coder_cache_entries"] == 2 * len(set(erased))
    for path, prompt, model in ((builtin, "", "m1"), (chat, "p2", "gpt")):
        left = set(JsonFileCache(path))
        assert not {cache_key(t, prompt, model) for t in erased} & left
        assert {cache_key(t, prompt, model) for t in kept} <= left
