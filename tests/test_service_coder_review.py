"""Which coder fed the findings, how well it agreed with reviewers, and which texts may be quoted.

The coder-comparison page (/review/coders), the briefing's methods box and its quotes, on a real
database with the small dashboard data set (tests/dashboard_data.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from service.store.db import transaction
from service.store.models import FreeText, SafeguardingFlag, TextCoding, TextReview, TopicCode
from tests.browser import chromium_page, needs_chromium, serious_violations, serve
from tests.dashboard_data import PASSWORD, seed

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def seeded(app):
    return seed(app.extensions["voice_sessions"])


def _sign_in(client, role: str) -> None:
    token = TOKEN.search(client.get("/sign-in").get_data(as_text=True)).group(1)
    response = client.post("/sign-in", data={"csrf_token": token, "email": f"{role}@example.org", "password": PASSWORD})
    assert response.status_code == 302


def _texts(factory) -> list[FreeText]:
    with factory() as session:
        return list(session.scalars(select(FreeText).order_by(FreeText.id)))


def _review_sample(factory, chat_wrong: int, builtin_wrong: int) -> None:
    """Every seeded text in the audit sample, reviewed; each coder's codes differ on some."""
    texts = _texts(factory)
    with transaction(factory) as session:
        for n, text in enumerate(texts):
            topics = sorted(session.scalars(select(TopicCode.topic).where(TopicCode.free_text_id == text.id)))
            session.add(TextReview(free_text_id=text.id, model_topics=topics, confirmed_topics=topics, is_audit_sample=True))
            session.add(TextCoding(free_text_id=text.id, coder="builtin", model="minilm-test", codeframe_version="v",
                                   topics=["cctv"] if n < builtin_wrong else topics, feeds_findings=True))
            session.add(TextCoding(free_text_id=text.id, coder="chat", model="stand-in-1", prompt_version="coder-v1+x",
                                   codeframe_version="v", topics=["cctv"] if n < chat_wrong else topics))


def test_coder_page_compares_both_coders_per_topic_for_analysts_only(app, client, seeded, factory):
    app.config["VOICE"] = replace(app.config["VOICE"], analysis=replace(app.config["VOICE"].analysis, min_audit_reviews=5))
    _review_sample(factory, chat_wrong=1, builtin_wrong=3)
    for role in ("viewer", "engagement"):
        other = app.test_client()
        _sign_in(other, role)
        assert other.get("/review/coders").status_code == 403
    _sign_in(client, "analyst")
    page = client.get("/review/coders")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "70.0% of comments" in html and "7 of 10" in html  # the built-in model: 3 of 10 changed by reviewers
    assert "90.0% of comments" in html and "9 of 10" in html  # the chat coder: 1 of 10
    assert "minilm-test" in html and "stand-in-1" in html
    assert "Drugs" in html and "n = 4" in html  # four sampled comments about drugs
    assert "govuk-table" in html and "Not yet measured" not in html
    assert "Coder comparison" in client.get("/review/").get_data(as_text=True)
    assert 'href="/review/coders"' in client.get("/dashboard/voices/").get_data(as_text=True)


def test_coder_page_says_not_yet_measured_below_the_sample_threshold(app, client, seeded, factory):
    _review_sample(factory, chat_wrong=0, builtin_wrong=0)  # 10 reviews, below the shipped 30
    _sign_in(client, "admin")
    html = client.get("/review/coders").get_data(as_text=True)
    assert html.count("Not yet measured: 10 of 30") == 2 and "F1 per topic" not in html


def _briefing_text(factory, config) -> str:
    from service.reports.briefing import BriefingRequest, build_briefing
    from service.reports.document import to_markdown

    with factory() as session:
        doc, _ = build_briefing(session, config, BriefingRequest("2024Q1"))
    return to_markdown(doc)


def test_methods_box_names_the_findings_coder_and_its_agreement(factory, config, seeded):
    text = _briefing_text(factory, config)
    box = text[text.index("How to read this briefing"):]
    assert "Topics were coded by the built-in model. How well the built-in model agrees with reviewers is not yet measured: 0 of 30" in box
    _review_sample(factory, chat_wrong=0, builtin_wrong=2)
    config = replace(config, analysis=replace(config.analysis, min_audit_reviews=10))
    box = _briefing_text(factory, config)
    box = box[box.index("How to read this briefing"):]
    assert "Topics were coded by the built-in model. It agreed with reviewers on 80% of comments (95% CI 49-94%, n = 10" in box
    chat = replace(config, llm=replace(config.llm, enabled=True, base_url="http://127.0.0.1:9/v1", model="stand-in-1"),
                   nlp=replace(config.nlp, findings_coder="chat"))
    box = _briefing_text(factory, chat)
    assert "coded by the council's language-model coder (stand-in-1)" in box and "on 100% of comments" in box


def test_briefing_never_quotes_a_flagged_or_uncertainly_redacted_text(factory, config, seeded):
    texts = _texts(factory)
    # Seeded topics: texts 0-3 drugs (0 flagged already), 4-9 police presence. Leave one safe text per topic.
    uncertain, flagged = [1, 4, 5, 6, 7], [2, 8]
    with transaction(factory) as session:
        for n in uncertain:
            row = session.get(FreeText, texts[n].id)
            row.redacted, row.is_redaction_uncertain = f"Planted uncertain words {n} Kezia by the shops", True
        for n in flagged:
            session.get(FreeText, texts[n].id).redacted = f"Planted flagged words {n} he hits me"
            session.add(SafeguardingFlag(free_text_id=texts[n].id, reason="planted"))
    text = _briefing_text(factory, config)
    assert "In their words" in text
    assert "Redacted words 3" in text and "Redacted words 9" in text  # the one safe text of each topic
    assert "Planted" not in text and "[name]" not in text


@pytest.mark.browser
@needs_chromium
def test_browser_coder_page_fits_a_360_px_screen(app, seeded, factory, tmp_path):
    app.config["VOICE"] = replace(app.config["VOICE"], analysis=replace(app.config["VOICE"].analysis, min_audit_reviews=5))
    app.config["WTF_CSRF_ENABLED"] = False
    _review_sample(factory, chat_wrong=2, builtin_wrong=3)
    with serve(app) as base, chromium_page(viewport={"width": 360, "height": 740}) as page:
        page.goto(f"{base}/sign-in")
        page.fill("input[name=email]", "analyst@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button")
        page.wait_for_load_state()
        page.goto(f"{base}/review/coders")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(tmp_path / "coders-360.png"), full_page=True)
        assert page.locator("table.govuk-table tbody tr").count() == 2  # drugs and police presence
        assert page.evaluate("[...document.styleSheets].some(s => (s.href || '').includes('govuk-frontend'))")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert serious_violations(page) == []
