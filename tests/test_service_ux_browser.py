"""Issue 17 in a real Chromium: key pages of each role at 360x740, 768x1024 and 1366x900 load the
GOV.UK Frontend styles, fit the screen (no sideways scrolling), carry the synthetic-data notice in
a demo, ask for no missing favicon, and have no serious or critical axe-core findings. Screenshots
go to the test's tmp dir."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from service.store import sites as site_store
from service.store.db import transaction
from service.store.models import FreeText, Response, SafeguardingFlag, Site, utcnow
from tests.browser import chromium_page, needs_chromium, serious_violations, serve
from tests.dashboard_data import PASSWORD, seed

pytestmark = [pytest.mark.browser, needs_chromium]
VIEWPORTS = ((360, 740), (768, 1024), (1366, 900))


def _pages(app) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(public pages, staff pages) to visit, after seeding the dashboard data, a flag per status and a site."""
    factory = app.extensions["voice_sessions"]
    seed(factory)
    with transaction(factory) as session:
        flag = session.scalar(select(SafeguardingFlag))
        flag.created_at = utcnow() - timedelta(days=2)
        # An anonymous message in a child's voice: the queue then says "may be a child (from the text)".
        flag.is_child = True
        session.execute(update(Response).where(Response.id == select(FreeText.response_id).where(
            FreeText.id == flag.free_text_id).scalar_subquery()).values(age=None, age_band=None))
        site = session.scalar(select(Site)) or site_store.add_site(session, "Romford station", "station", None, None, None)
        # A long name, as the demo's bus routes have: its filter option must not widen a phone's page.
        site_store.add_site(session, "Bus route 496 (Romford - Harold Wood - Upminster), northbound stop", "station",
                       None, None, None)
        code, site_id, flag_id = site.code, site.id, flag.id
    public = [("sign-in", "/sign-in"), ("not-found", "/no-such-page"), ("form", f"/q/{code}"),
              ("privacy", f"/q/{code}/privacy"), ("privacy-easy", f"/q/{code}/privacy/easy-read")]
    staff = [("overview", "/dashboard/"), ("safeguarding", "/review/safeguarding"), ("flag", f"/review/safeguarding/{flag_id}"),
             ("sites", "/sites/"), ("site", f"/sites/{site_id}"), ("briefings", "/briefings/")]
    return public, staff


def _check(page, base: str, path: str, name: str, width: int, shots, missing: list[str]) -> list[str]:
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    found = []
    if not page.evaluate("[...document.styleSheets].some(s => (s.href || '').includes('govuk-frontend'))"):
        found.append("GOV.UK Frontend styles not loaded")
    if page.evaluate("document.documentElement.scrollWidth") > width:
        widest = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth)
            .map(e => e.tagName + '.' + e.className).slice(0, 3).join(', ')""")
        found.append(f"wider than the screen: {page.evaluate('document.documentElement.scrollWidth')} px ({widest})")
    if not page.locator("#synthetic-notice").count():
        found.append("no synthetic-data notice")
    if page.locator("header").first.inner_text().count("Community Voice") > 1:
        found.append("the header repeats the service name")
    found += serious_violations(page)
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    found += [f"missing: {url}" for url in missing]
    missing.clear()
    return found


def test_browser_key_pages_fit_every_screen_with_design_system_styles_and_no_serious_axe_findings(app, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = False
    public, staff = _pages(app)
    problems: dict[str, list[str]] = {}
    with serve(app) as base:
        for width, height in VIEWPORTS:
            with chromium_page(viewport={"width": width, "height": height}) as page:
                missing: list[str] = []
                page.on("response", lambda r, missing=missing: missing.append(r.url) if r.status == 404 and "no-such-page" not in r.url else None)
                for name, path in public:
                    found = _check(page, base, path, name, width, tmp_path, missing)
                    if found:
                        problems[f"{name} at {width}"] = found
                page.goto(f"{base}/sign-in")
                page.fill("input[name=email]", "engagement@example.org")
                page.fill("input[name=password]", PASSWORD)
                page.click("main form button")
                page.wait_for_load_state()
                for name, path in staff:
                    found = _check(page, base, path, name, width, tmp_path, missing)
                    if found:
                        problems[f"{name} at {width}"] = found
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())
    assert len(list(tmp_path.glob("*.png"))) == len(VIEWPORTS) * (len(public) + len(staff))


def test_browser_safeguarding_lead_acknowledges_then_refers_a_flag(app, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = False
    _pages(app)
    with serve(app) as base, chromium_page(viewport={"width": 360, "height": 740}) as page:
        page.goto(f"{base}/sign-in")
        page.fill("input[name=email]", "engagement@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button")
        page.wait_for_load_state()
        assert "1 new flag, 1 overdue" in page.locator("#nav-flag-count").inner_text()
        page.click("#flag-summary a")
        assert "may be a child (from the text)" in page.locator("#flag-table").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.click("#flag-table a")
        assert "Children's safeguarding procedure" in page.locator("#procedure").inner_text()
        page.check("#status-acknowledged")
        page.click("main form button[type=submit]")
        page.check("#status-referred")
        page.select_option("#referred_to", "mash")
        page.fill("#note", "Phoned MASH, reference 123")
        page.click("main form button[type=submit]")
        history = page.locator("#flag-history").inner_text()
        assert "Acknowledged, by Test engagement" in history and "Referred to Children's services (MASH)" in history
        assert page.locator("#nav-flag-count").count() == 0
        page.screenshot(path=str(tmp_path / "flag-referred-360.png"), full_page=True)
