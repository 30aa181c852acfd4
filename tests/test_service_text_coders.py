"""Stored responses coded by the built-in MiniLM model and, when configured, the chat coder.

A real database (SQLite, or PostgreSQL with VOICE_TEST_DATABASE_URL) and, for the chat paths, the
stand-in OpenAI-compatible server on 127.0.0.1 (tests/chat_server.py); no mocks of our own code.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from ingest.records import AnswerRecord, Demographics, ResponseRecord
from service.config import ConfigError, load_config
from service.pipeline.ingest_runs import register_sources
from service.pipeline.screening import screen_text
from service.pipeline.text_runs import run_topics
from service.store.db import transaction
from service.store.models import AnalysisRun, AuditEvent, FreeText, TextCoding, TopicCode
from service.store.responses import get_source, save_responses
from tests.chat_server import ChatServer, code_comment

CSS_TEXTS = ["More police patrols at night please", "The street lights on my road are broken",
             "Drug dealing by the cctv camera at the station", "More police patrols at night please"]
# Texts of a source the council does not allow to be sent: the endpoint must never see them.
SHOUT_TEXTS = ["Youth club closed so kids hang about by the shops", "zebra crossing outside the school is dangerous"]


@pytest.fixture
def server():
    stand_in = ChatServer()
    yield stand_in
    stand_in.close()


def store_texts(factory, config, texts_by_source: dict[str, list[str]]) -> dict[str, int]:
    """Store one response per text through the store (screened as at intake); return {text: free text id}."""
    register_sources(factory, config)
    with transaction(factory) as session:
        for key, texts in texts_by_source.items():
            records = [ResponseRecord(source=key, external_id=f"{key}-{n}", submitted_at=datetime(2024, 2, 1, tzinfo=UTC),
                                      wave=None, site=None, consent=True, demographics=Demographics(age_band="25-34"),
                                      answers=(AnswerRecord("feel_safer", "free_text", text),), raw={"synthetic": True},
                                      content_hash=f"{key}-{n}-{text}")
                       for n, text in enumerate(texts)]
            save_responses(session, get_source(session, key), records, set(), screen=screen_text)
    with factory() as session:
        return {text: text_id for text_id, text in session.execute(select(FreeText.id, FreeText.original).order_by(FreeText.id))}


def chat_config(config, server, **llm):
    """The endpoint switched on; a fresh model_dir, so no answer cached by another test is reused."""
    settings = {"enabled": True, "base_url": server.url, "model": "stand-in-1", "max_requests_per_minute": 6000,
                "timeout": 5.0} | llm
    model_dir = config.app.instance_path / "models"
    return replace(config, llm=replace(config.llm, **settings), analysis=replace(config.analysis, model_dir=model_dir))


def codings(factory) -> dict[int, dict[str, TextCoding]]:
    with factory() as session:
        out: dict[int, dict[str, TextCoding]] = {}
        for row in session.scalars(select(TextCoding).order_by(TextCoding.id)):  # the newest run wins
            out.setdefault(row.free_text_id, {})[row.coder] = row
        return out


def model_topics(factory) -> dict[int, set[str]]:
    with factory() as session:
        out: dict[int, set[str]] = {}
        for text_id, topic in session.execute(select(TopicCode.free_text_id, TopicCode.topic).where(TopicCode.origin == "model")):
            out.setdefault(text_id, set()).add(topic)
        return out


def test_builtin_model_codes_stored_texts_records_its_versions_and_codes_identical_texts_once(factory, config, tmp_path):
    from nlp import load_codeframe
    from nlp.training import load_shipped_sentence_model

    config = replace(config, analysis=replace(config.analysis, model_dir=tmp_path / "models"))
    ids = store_texts(factory, config, {"css": CSS_TEXTS})
    run_id = run_topics(factory, config)
    shipped = load_shipped_sentence_model()
    found = codings(factory)
    assert len(found) == 4 and all(set(c) == {"builtin"} for c in found.values())
    for text_codings in found.values():
        coding = text_codings["builtin"]
        assert coding.model == shipped.coder_version and coding.codeframe_version == load_codeframe().version
        assert coding.feeds_findings and coding.run_id == run_id and coding.prompt_version == ""
    expected = shipped.predict(CSS_TEXTS)
    topics = model_topics(factory)
    for text, predicted in zip(CSS_TEXTS, expected):
        assert topics.get(ids[text], set()) == set(predicted) - {""}
    with factory() as session:
        run = session.get(AnalysisRun, run_id)
        assert run.method == "SentenceTopicClassifier" and run.model_version == shipped.coder_version
        assert run.result["n_texts"] == 4 and run.result["n_encoded"] == 3  # the repeated text is coded once
        assert run.result["n_sent"] == 0 and run.parameters["findings_coder"] == "builtin"
        assert all(t.confidence is not None and t.confidence > 0 for t in session.scalars(select(FreeText)))
    assert (tmp_path / "models" / "builtin-codes.json").is_file()
    with transaction(factory) as session:  # as if every text were new again: the cache answers
        session.execute(update(FreeText).values(classified_at=None))
    second = run_topics(factory, config)
    with factory() as session:
        assert session.get(AnalysisRun, second).result["n_encoded"] == 0


def test_chat_findings_code_allowed_sources_by_the_endpoint_and_never_send_the_others(factory, config, server):
    config = chat_config(config, server, allowed_sources=("css",))
    config = replace(config, nlp=replace(config.nlp, findings_coder="chat"))
    ids = store_texts(factory, config, {"css": CSS_TEXTS, "shout": SHOUT_TEXTS})
    run_id = run_topics(factory, config)
    sent = [item["text"] for body in server.bodies for item in json.loads(body["messages"][-1]["content"])]
    assert sorted(sent) == sorted(CSS_TEXTS)  # redacted css texts only (none held personal details)
    everything_sent = json.dumps(server.bodies)
    assert not any(text in everything_sent for text in SHOUT_TEXTS)
    found, topics = codings(factory), model_topics(factory)
    for text in CSS_TEXTS:
        chat = found[ids[text]]["chat"]
        assert chat.feeds_findings and chat.model == "stand-in-1" and chat.prompt_version.startswith("coder-v1+")
        assert not found[ids[text]]["builtin"].feeds_findings  # kept for the comparison page
        assert topics[ids[text]] == set(code_comment(text)) == set(chat.topics)
    for text in SHOUT_TEXTS:
        assert set(found[ids[text]]) == {"builtin"} and found[ids[text]]["builtin"].feeds_findings
        assert topics.get(ids[text], set()) == set(found[ids[text]]["builtin"].topics)
    with factory() as session:
        run = session.get(AnalysisRun, run_id)
        assert run.method == "ChatCoder" and run.model_version == "stand-in-1"
        assert run.parameters["allowed_sources"] == ["css"] and run.result["n_chat"] == 4
        batches = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "llm_batch")))
        assert sum(b.detail["n_comments"] for b in batches) == len(CSS_TEXTS)
        assert all(b.target == "host:" + server.url.split("/")[2] for b in batches)
        assert not any(text in json.dumps(b.detail) for b in batches for text in CSS_TEXTS)  # counts, not content


def test_a_dead_endpoint_leaves_each_comment_to_the_builtin_model_with_a_note(factory, config, server):
    config = chat_config(config, server, max_batch=2)
    config = replace(config, nlp=replace(config.nlp, findings_coder="chat"))
    server.failures = ["500"] * 100
    ids = store_texts(factory, config, {"css": CSS_TEXTS[:3]})
    run_id = run_topics(factory, config)
    found, topics = codings(factory), model_topics(factory)
    for text in CSS_TEXTS[:3]:
        builtin = found[ids[text]]["builtin"]
        assert "chat" not in found[ids[text]] and builtin.feeds_findings
        assert "built-in model used" in builtin.note
        assert topics.get(ids[text], set()) == set(builtin.topics)
    assert any("HTTP 500" in c["builtin"].note for c in found.values())
    with factory() as session:
        assert session.get(AnalysisRun, run_id).result["n_fallback"] == 3


def test_with_builtin_findings_the_chat_codes_are_kept_for_comparison_only(factory, config, server):
    config = chat_config(config, server)
    ids = store_texts(factory, config, {"css": CSS_TEXTS[:3]})
    run_topics(factory, config)
    found, topics = codings(factory), model_topics(factory)
    for text in CSS_TEXTS[:3]:
        assert found[ids[text]]["builtin"].feeds_findings and not found[ids[text]]["chat"].feeds_findings
        assert topics.get(ids[text], set()) == set(found[ids[text]]["builtin"].topics)
    n_requests = len(server.bodies)
    with transaction(factory) as session:  # coded again: the cached answers, nothing sent
        session.execute(update(FreeText).values(classified_at=None))
    run_topics(factory, config)
    assert len(server.bodies) == n_requests
    again = codings(factory)
    assert {c.note for by_coder in again.values() for c in by_coder.values() if c.coder == "chat"} >= {"cached answer"}


def test_with_the_endpoint_switched_off_nothing_is_sent(factory, config, server):
    assert not config.llm.enabled
    store_texts(factory, config, {"css": CSS_TEXTS[:2]})
    run_topics(factory, config)
    assert server.bodies == []
    assert {coder for c in codings(factory).values() for coder in c} == {"builtin"}


def test_findings_coder_chat_needs_the_endpoint_enabled(tmp_path):
    from tests.conftest import PROJECT

    text = (PROJECT / "config.toml").read_text(encoding="utf-8").replace('findings_coder = "builtin"', 'findings_coder = "chat"')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"nlp\.findings_coder.*enabled = false"):
        load_config(tmp_path / "config.toml", environ={})
    (tmp_path / "config.toml").write_text(text.replace('findings_coder = "chat"', 'findings_coder = "gpt"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"nlp\.findings_coder.*'gpt'"):
        load_config(tmp_path / "config.toml", environ={})


def test_allowed_sources_must_name_configured_sources(tmp_path):
    from tests.conftest import PROJECT

    text = (PROJECT / "config.toml").read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text(text.replace('# allowed_sources = ["css"]', 'allowed_sources = ["css", "nope"]'),
                                          encoding="utf-8")
    with pytest.raises(ConfigError, match=r"allowed_sources.*\['nope'\].*css"):
        load_config(tmp_path / "config.toml", environ={})
    (tmp_path / "config.toml").write_text(text.replace('# allowed_sources = ["css"]', 'allowed_sources = ["css"]'),
                                          encoding="utf-8")
    llm = load_config(tmp_path / "config.toml", environ={}).llm
    assert llm.allowed_sources == ("css",) and not llm.may_send("css")  # still off until enabled
    assert replace(llm, enabled=True).may_send("css") and not replace(llm, enabled=True).may_send("shout")


def test_the_shipped_demo_codes_are_the_models_own_and_spare_the_demo_an_encoder_pass(demo):
    import random

    from nlp import BuiltinCoder, load_codeframe, prepare_text
    from nlp.coders import cache_key
    from nlp.training import load_shipped_sentence_model
    from service.demo import DEMO_CODES
    from service.store.db import make_engine, make_session_factory

    config, _ = demo
    engine = make_engine(config.database.url)
    try:
        with make_session_factory(engine)() as session:
            texts = sorted({prepare_text(t).text for t in session.scalars(select(FreeText.original))})
            run = session.scalars(select(AnalysisRun).where(AnalysisRun.kind == "topics").order_by(AnalysisRun.id)).first()
            result = dict(run.result)
            evaluation = session.scalars(select(AnalysisRun).where(AnalysisRun.kind == "evaluation")).one()
            scores = dict(evaluation.result)
    finally:
        engine.dispose()
    model = load_shipped_sentence_model()
    shipped = json.loads(DEMO_CODES.read_text(encoding="utf-8"))
    missing = [t for t in texts if cache_key(t, "", model.coder_version) not in shipped]
    assert len(missing) <= len(texts) // 50, (f"{len(missing)} demo texts have no shipped code for model "
                                              f"{model.coder_version}: run python -m service.demo.codes")
    assert result["n_encoded"] == len(missing)  # the demo's text run coded only what was not shipped
    assert evaluation.model_version == model.coder_version and scores["n_texts"] >= 100  # the held-out synthetic test set
    assert scores["macro_f1"] > scores["baseline_macro_f1"]
    sample = random.Random(3).sample([t for t in texts if t not in missing], 8)
    live = BuiltinCoder(model, load_codeframe()).code(sample)
    for text, coded in zip(sample, live):
        topics, confidence = json.loads(shipped[cache_key(text, "", model.coder_version)])
        assert list(coded.topics) == topics and coded.confidence == pytest.approx(confidence, abs=1e-4)
