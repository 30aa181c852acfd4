"""A real headless Chromium signs in, visits every dashboard page, filters, downloads a chart's CSV,
takes screenshots (test-artifacts/) and runs axe-core: no serious or critical violations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium_page, needs_chromium, screenshot, serious_violations, serve
from tests.dashboard_data import PASSWORD, seed

pytestmark = [pytest.mark.browser, needs_chromium]
PAGES = (("overview", "/dashboard/"), ("representativeness", "/dashboard/representativeness/"),
         ("voices", "/dashboard/voices/"), ("responses", "/dashboard/responses"), ("review-topics", "/review/"),
         ("review-safeguarding", "/review/safeguarding"), ("review-quarantine", "/review/quarantine"),
         ("users", "/admin/users"))


def test_browser_admin_visits_every_page_filters_and_downloads_csv(app):
    seed(app.extensions["voice_sessions"])
    with serve(app) as base, chromium_page() as page:
        page.goto(f"{base}/sign-in")
        page.fill("input[name=email]", "admin@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button")
        page.wait_for_load_state()
        problems = {}
        for name, path in PAGES:
            page.goto(base + path)
            assert page.locator("h1").count() == 1, name
            screenshot(page, f"dashboard-{name}")
            found = serious_violations(page)
            if found:
                problems[name] = found
        assert not problems, problems
        page.goto(f"{base}/dashboard/")
        # Age bands are offered once a source is chosen (each source asks its own); sex at once.
        assert page.locator("#filter-group option[value^='age_band:']").count() == 0
        page.select_option("#filter-group", "sex:male")
        page.click("form.voice-filters button[type=submit]")
        page.wait_for_url("**group=sex*")
        assert "<strong>5</strong> responses" in page.content()
        screenshot(page, "dashboard-overview-filtered")
        with page.expect_download() as info:
            page.click("#figure-weekly a[download]")
        text = Path(info.value.path()).read_text(encoding="utf-8")
        assert text.splitlines()[0].startswith("Week,")
        assert sum(float(x) for line in text.splitlines()[1:] for x in line.split(",")[1:] if x) == 5.0
