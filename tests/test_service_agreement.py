"""The topic review queue's random audit sample, identical texts collapsed, and the model's measured agreement.

service/store/reviews.py (queue and saving a review) and service/reports/agreement.py, on a real database.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from service.pipeline.ingest_runs import register_sources
from service.reports.agreement import measure_model_agreement
from service.reports.briefing import BriefingRequest, build_briefing
from service.reports.document import to_markdown
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import FreeText, Question, Response, Source, TextReview, TopicCode
from service.store.reviews import is_in_audit_sample, save_text_review, topic_queue

PASSWORD = "correct horse battery"


def _add_texts(session, texts):
    """Store one response per (text, model topics, confidence), coded by the model; return the free-text ids."""
    source = session.scalar(select(Source).where(Source.key == "form"))
    question = session.scalar(select(Question).where(Question.source_id == source.id, Question.key == "feel_safer"))
    n_before = session.scalar(select(func.count()).select_from(Response))
    ids = []
    for i, (text, topics, confidence) in enumerate(texts, start=n_before):
        response = Response(source_id=source.id, external_id=f"t-{i}", content_hash=f"h{i}", raw={})
        free_text = FreeText(question_id=question.id, original=text, redacted=text, confidence=confidence)
        response.free_texts.append(free_text)
        session.add(response)
        session.flush()
        session.add_all(TopicCode(free_text_id=free_text.id, topic=t, origin="model") for t in topics)
        ids.append(free_text.id)
    session.flush()
    return ids


@pytest.fixture
def reviewer(factory, config):
    register_sources(factory, config)
    with transaction(factory) as session:
        return add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD).id


def test_audit_sample_is_seeded_stable_and_about_the_configured_share():
    drawn = [i for i in range(1, 10_001) if is_in_audit_sample(i, 0.2, 15)]
    assert 1800 < len(drawn) < 2200
    assert drawn == [i for i in range(1, 10_001) if is_in_audit_sample(i, 0.2, 15)]
    assert drawn != [i for i in range(1, 10_001) if is_in_audit_sample(i, 0.2, 16)]
    assert not any(is_in_audit_sample(i, 0.0, 15) for i in range(1, 1001))


def test_queue_shows_identical_texts_once_and_one_review_codes_every_copy(factory, reviewer):
    with transaction(factory) as session:
        ids = _add_texts(session, [("Too dark by the station", ["lighting"], 0.3)] * 3 + [("Bikes on the pavement", ["asb"], 0.4)])
    with factory() as session:
        queue = topic_queue(session, audit_share=0.0, audit_seed=15)
    assert queue["n_waiting"] == 2
    assert [(item["id"], item["n_copies"]) for item in queue["items"]] == [(ids[0], 3), (ids[3], 1)]
    with transaction(factory) as session:
        review = save_text_review(session, ids[0], reviewer, ["lighting", "transport"], audit_share=0.0, audit_seed=15)
        assert review.n_copies == 3
    with factory() as session:
        reviews = {r.free_text_id: r for r in session.scalars(select(TextReview))}
        assert set(reviews) == set(ids[:3]) and [reviews[i].n_copies for i in ids[:3]] == [3, 0, 0]
        assert all(reviews[i].confirmed_topics == ["lighting", "transport"] for i in ids[:3])
        assert [item["id"] for item in topic_queue(session, audit_share=0.0, audit_seed=15)["items"]] == [ids[3]]


def test_queue_mixes_the_audit_sample_with_the_least_confident(factory, reviewer):
    with transaction(factory) as session:
        ids = _add_texts(session, [(f"comment number {i}", ["other"], i / 100) for i in range(1, 61)])
    with factory() as session:
        queue = topic_queue(session, audit_share=0.3, audit_seed=15, limit=20)
    sampled = [i for i in ids if is_in_audit_sample(i, 0.3, 15)]
    items = queue["items"]
    assert queue["n_audit_waiting"] == len(sampled) and len(items) == 20
    assert all(item["is_audit_sample"] == (item["id"] in sampled) for item in items)
    assert sum(item["is_audit_sample"] for item in items) == 6  # 30% of the 20 shown
    rest = [item["confidence"] for item in items if not item["is_audit_sample"]]
    assert rest == sorted(rest) and rest[0] == min(i / 100 for n, i in zip(ids, range(1, 61)) if n not in sampled)


def test_agreement_counts_only_audit_sample_reviews_with_n_and_wilson_interval(factory, reviewer):
    texts = [(f"sampled comment {i}", topics, 0.9) for i, topics in enumerate((["drugs"], ["drugs", "lighting"], ["asb"]))]
    with transaction(factory) as session:
        ids = _add_texts(session, texts + [("a least-confident one", ["drugs"], 0.1)])
        for text_id, chosen in zip(ids, (["drugs"], ["drugs"], ["knife_crime"])):
            save_text_review(session, text_id, reviewer, chosen, audit_share=1.0, audit_seed=15)
        save_text_review(session, ids[3], reviewer, ["asb"], audit_share=0.0, audit_seed=15)  # not in the sample
    with factory() as session:
        early = measure_model_agreement(session, min_reviews=30)
        summary = measure_model_agreement(session, min_reviews=3)
    assert not early.is_measured and "not yet measured: 3 of 30 reviews" in early.sentence
    assert (summary.n_reviews, summary.n_agree, summary.pct) == (3, 1, 33.3)
    assert (summary.ci_low, summary.ci_high) == (6.1, 79.2)  # Wilson 1927 for 1 of 3, worked by hand
    assert "agrees with reviewers on 33% of comments" in summary.sentence and "n = 3" in summary.sentence
    rows = {r.topic: (r.n, r.n_agree) for r in summary.topics}
    assert rows == {"drugs": (2, 2), "lighting": (1, 0), "asb": (1, 0), "knife_crime": (1, 0)}


def test_voices_page_and_briefing_methods_box_say_not_yet_measured_until_enough_reviews(app, factory, reviewer, config):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD}).status_code == 302
    page = client.get("/dashboard/voices/").get_data(as_text=True)
    assert "not yet measured: 0 of 30 reviews" in page
    with transaction(factory) as session:
        [text_id] = _add_texts(session, [("Too dark by the station", ["lighting"], 0.9)])
        save_text_review(session, text_id, reviewer, ["lighting"], audit_share=1.0, audit_seed=15)
    with factory() as session:
        document, _ = build_briefing(session, replace(config, analysis=replace(config.analysis, min_audit_reviews=1)),
                                     BriefingRequest("2024Q1"))
    assert "agrees with reviewers on 100% of comments" in to_markdown(document) and "n = 1 reviews" in to_markdown(document)
