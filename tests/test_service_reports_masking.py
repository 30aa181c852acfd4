"""Flagged or uncertainly redacted free texts are masked for viewers everywhere (issue 19, findings 1 and 2)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.reports.dashboard import ResponseFilter
from service.reports.masking import MASKED_TEXT, is_masked_for, is_redaction_uncertain
from service.store.accounts import add_api_client
from service.store.db import transaction
from service.store.models import FreeText, Question, Response, SafeguardingFlag, Source
from tests.dashboard_data import seed, sign_in

DISCLOSURE = "my name is Lily Evans I am 13 and my stepdad hits me at home"


@pytest.fixture
def disclosed(app):
    """The seeded dashboard data plus the probe's flagged disclosure, which the redactor left as it was."""
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    factory = app.extensions["voice_sessions"]
    seed(factory)
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        question = session.scalar(select(Question).where(Question.key == "dash_comment"))
        response = Response(source_id=source.id, external_id="probe-1", content_hash="p1", raw={}, is_synthetic=True)
        text = FreeText(question_id=question.id, original=DISCLOSURE, redacted=DISCLOSURE, confidence=0.9)
        response.free_texts.append(text)
        session.add(response)
        session.flush()
        session.add(SafeguardingFlag(free_text_id=text.id, reason="disclosure of harm to a child"))
    return app


def _token(app, role: str) -> dict[str, str]:
    with transaction(app.extensions["voice_sessions"]) as session:
        _client, value = add_api_client(session, f"partner-{role}", role)
    return {"Authorization": f"Bearer {value}"}


def test_a_flagged_disclosure_is_masked_on_the_viewers_responses_table(disclosed):
    client = disclosed.test_client()
    sign_in(client, "viewer")
    page = client.get("/dashboard/responses").get_data(as_text=True)
    assert "Lily Evans" not in page and "stepdad" not in page
    assert MASKED_TEXT in page


def test_a_flagged_disclosure_stays_visible_to_an_analyst(disclosed):
    client = disclosed.test_client()
    sign_in(client, "analyst")
    assert "Lily Evans" in client.get("/dashboard/responses").get_data(as_text=True)


def test_a_flagged_disclosure_is_masked_for_a_viewer_token_in_the_api(disclosed):
    answer = disclosed.test_client().get("/api/v1/responses?per_page=200", headers=_token(disclosed, "viewer"))
    assert answer.status_code == 200
    assert "Lily Evans" not in answer.get_data(as_text=True)
    texts = [t for item in answer.get_json()["data"] for t in item["texts"]]
    masked = [t for t in texts if t["is_masked"]]
    assert len(masked) == 2 and all(t["redacted"] is None for t in masked)  # the probe's and the seeded flag


def test_an_analyst_token_reads_the_flagged_text_redacted(disclosed):
    answer = disclosed.test_client().get("/api/v1/responses?per_page=200", headers=_token(disclosed, "analyst"))
    assert DISCLOSURE in answer.get_data(as_text=True)


def test_masking_rule_covers_flagged_and_uncertain_texts_for_viewers_only():
    assert is_masked_for("viewer", True, False) and is_masked_for("viewer", False, True)
    assert is_masked_for(None, False, True)
    assert not is_masked_for("viewer", False, False)
    assert not is_masked_for("analyst", True, True) and not is_masked_for("admin", True, False)


def test_redaction_adapter_answers_a_plain_boolean():
    assert is_redaction_uncertain(None) is False and is_redaction_uncertain("") is False
    assert isinstance(is_redaction_uncertain(DISCLOSURE), bool)


def test_a_flagged_text_is_never_a_quote(disclosed):
    from service.reports.prevalence import quotes

    with disclosed.extensions["voice_sessions"]() as session:
        found = quotes(session, ResponseFilter(), None, limit=50)
    assert found and all("Lily" not in q["text"] for q in found)


def test_a_text_the_detector_has_not_read_is_held_from_viewers_and_marked_for_analysts(app):
    """A bulk import's text waits for the disclosure detector (is_model_screen_pending): it may still be
    flagged, so a viewer does not read it yet, and an analyst reads it with a note saying so."""
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    factory = app.extensions["voice_sessions"]
    seed(factory)
    waiting = "the underpass by the station needs better lights"
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        question = session.scalar(select(Question).where(Question.key == "dash_comment"))
        response = Response(source_id=source.id, external_id="bulk-1", content_hash="b1", raw={}, is_synthetic=True)
        response.free_texts.append(FreeText(question_id=question.id, original=waiting, redacted=waiting, confidence=0.9,
                                            is_model_screen_pending=True))
        session.add(response)
    client = app.test_client()
    sign_in(client, "viewer")
    assert waiting not in client.get("/dashboard/responses?per_page=200").get_data(as_text=True)
    client = app.test_client()
    sign_in(client, "analyst")
    page = client.get("/dashboard/responses?per_page=200").get_data(as_text=True)
    assert waiting in page and "the disclosure detector has not read it yet" in page
    with transaction(factory) as session:
        session.execute(FreeText.__table__.update().where(FreeText.redacted == waiting).values(is_model_screen_pending=False))
    page = client.get("/dashboard/responses?per_page=200").get_data(as_text=True)
    assert waiting in page and "the disclosure detector has not read it yet" not in page
