"""Issue 17: a resident's answers are kept while they read the privacy notice, in a real Chromium
at phone size: fill the form, follow the privacy link, come back with the browser's back button
and with the notice's own "Go back to the questions" link, and find every answer still there."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service import create_app
from service.pipeline.ingest_runs import register_sources
from service.store import sites as site_store
from service.store.db import transaction
from tests.browser import chromium_page, needs_chromium, screenshot, serve

pytestmark = [pytest.mark.browser, needs_chromium]
WORDS = "Better lighting by the bus stop, please"


@pytest.fixture
def form_app(config, factory):
    app = create_app(replace(config, form=replace(config.form, min_seconds=0)))
    register_sources(app.extensions["voice_sessions"], config)
    with transaction(factory) as session:
        code = site_store.add_site(session, "Romford station", "station", "E05013983", None, None).code
    yield app, code
    app.extensions["voice_engine"].dispose()


def _answers(page) -> tuple[str | None, str, str]:
    return (page.evaluate("document.querySelector('input[name=safe_here]:checked')?.value ?? null"),
            page.input_value("#feel_safer"), page.input_value("#age_band"))


def test_browser_answers_survive_a_visit_to_the_privacy_notice_and_back(form_app):
    app, code = form_app
    with serve(app) as base, chromium_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True) as page:
        page.goto(f"{base}/q/{code}")
        page.check("input[name=safe_here][value='2']")
        page.fill("#feel_safer", WORDS)
        page.select_option("#age_band", "13-15")
        filled = _answers(page)
        assert filled == ("2", WORDS, "13-15")
        screenshot(page, "form-privacy-1-filled")

        page.click("footer a:has-text('How we use your answers')")  # the same tab, as a resident taps it
        page.wait_for_url("**/privacy*")
        assert page.locator("h1").inner_text() == "How we use your answers"
        page.go_back()
        page.wait_for_url(f"**/q/{code}*")
        page.wait_for_load_state("networkidle")
        assert _answers(page) == filled, "browser back from the privacy notice lost the answers"

        page.click("footer a:has-text('How we use your answers')")
        page.wait_for_url("**/privacy*")
        page.click("main a:has-text('Go back to the questions')")  # a fresh load of the form, not the history
        page.wait_for_url(f"**/q/{code}*")
        page.wait_for_load_state("networkidle")
        assert _answers(page) == filled, "the notice's own back link lost the answers"
        screenshot(page, "form-privacy-2-back")

        # ... and the kept answers are the resident's to send: the form still submits them.
        page.click("button:has-text('Send my answers')")
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Thank you"
