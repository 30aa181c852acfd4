"""Where next (issue 20 item 11): places ranked with evidence, on the page and in the briefing's box.

Team-written data: four wards of the configured borough, two QR sites, 25 hand-placed responses.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from service.reports.where_next import TOO_FEW, briefing_lines, where_next
from service.store.db import transaction
from service.store.models import AnalysisRun, Response, Site, Source
from tests.browser import chromium_page, needs_chromium, screenshot, serious_violations, serve
from tests.dashboard_data import PASSWORD, seed, sign_in

WHEN = datetime(2024, 2, 5, 12, tzinfo=timezone.utc)
# Four real Havering ward codes (names from the census ward file)
EMPTY, FEW, NONE_YOUNG, SOME_YOUNG = "E05013967", "E05013968", "E05013969", "E05013983"


def _add(session, source, i, ward, age, site=None):
    session.add(Response(source_id=source.id, site_id=site, external_id=f"wn-{i}", content_hash=f"wn{i}", raw={},
                         submitted_at=WHEN, age_band=age, sex="female", ethnic_group="W1", ward=ward, is_synthetic=True))


def _seed(factory) -> dict[str, str]:
    """QR: 3 responses in FEW (a site there), 12 adults in NONE_YOUNG, 10 with 5 young at a station in SOME_YOUNG."""
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        station = Site(code="wnst001", name="Test station", kind="station", ward=SOME_YOUNG)
        stop = Site(code="wnbs001", name="Test bus stop", kind="bus_stop", ward=FEW)
        session.add_all([station, stop])
        session.flush()
        for i in range(3):
            _add(session, source, i, FEW, "25+", stop.id)
        for i in range(3, 15):
            _add(session, source, i, NONE_YOUNG, "25+")
        for i in range(15, 25):
            _add(session, source, i, SOME_YOUNG, "16-24" if i < 20 else "25+", station.id)
        table = [{"level": "16-24", "label": "Aged 16-24", "n": 5, "base_n": 25, "sample_pct": 20.0, "population_pct": 50.0,
                  "representation": "under-represented"},
                 {"level": "25+", "label": "Aged 25+", "n": 20, "base_n": 25, "sample_pct": 80.0, "population_pct": 50.0,
                  "representation": "over-represented"}]
        session.add(AnalysisRun(kind="representativeness", source_key="qr", method="compare_to_census",
                                parameters={"period": "all"}, result={"dimensions": [{"variable": "age_band", "table": table}]}))
    from service.reports.dashboard import ward_names

    names = ward_names("havering")
    return {code: names[code] for code in (EMPTY, FEW, NONE_YOUNG, SOME_YOUNG)}


@pytest.fixture
def wards(factory, config):
    from service.pipeline.ingest_runs import register_sources

    register_sources(factory, config)
    return _seed(factory)


def test_wards_with_nothing_come_first_then_too_few_then_least_reached(factory, wards):
    with factory() as session:
        result = where_next(session, "qr", wards, min_base=10)
    ward_rows = [p for p in result.places if p.unit == "ward"]
    assert [p.name for p in ward_rows] == [wards[EMPTY], wards[FEW], wards[NONE_YOUNG], wards[SOME_YOUNG]]
    empty, few, none_young, some_young = ward_rows
    assert (empty.tier, empty.base_n, empty.open_sites) == (1, 0, 0)
    assert few.tier == 2 and few.evidence.startswith(f"{TOO_FEW}: 3 responses") and few.score != few.score  # no share quoted
    assert "%" not in few.evidence
    assert none_young.score == 0.0 and "Aged 16-24 0% (0 of 12) against 50%" in none_young.evidence
    assert some_young.score == pytest.approx(1.0) and "(5 of 10)" in some_young.evidence
    assert [p.rank for p in result.places] == list(range(1, len(result.places) + 1))
    assert [g.label for g in result.missing] == ["Aged 16-24"]
    assert "Wilson interval" in result.rule


def test_site_kinds_are_ranked_and_sites_that_reach_a_missing_group_are_named(factory, wards):
    with factory() as session:
        result = where_next(session, "qr", wards, min_base=10)
    kinds = {p.name: p for p in result.places if p.unit == "site kind"}
    assert kinds["Stations"].tier == 3 and kinds["Stations"].base_n == 10
    assert kinds["Bus stops"].tier == 2 and TOO_FEW in kinds["Bus stops"].evidence
    assert result.reached_by["Aged 16-24"] == (("Test station", 5, 10),)


def test_the_minimum_base_is_the_configured_one(factory, wards):
    with factory() as session:
        result = where_next(session, "qr", wards, min_base=13)
    tiers = {p.name: p.tier for p in result.places if p.unit == "ward"}
    assert tiers[wards[NONE_YOUNG]] == 2 and tiers[wards[SOME_YOUNG]] == 2


def test_briefing_box_lists_the_same_top_places(factory, wards, config):
    from service.reports.briefing import BriefingRequest, build_briefing
    from service.reports.dashboard import ward_names
    from service.reports.document import to_markdown

    with factory() as session:
        lines = briefing_lines(session, {"qr": "QR"}, wards)
        top = [p.name for p in where_next(session, "qr", ward_names("havering")).places[:5]]
        doc, _ = build_briefing(session, config, BriefingRequest("2024Q1"))
    assert lines[0].startswith(f"{wards[EMPTY]} (ward, QR)")
    assert {line.split(" (")[0] for line in lines[1:3]} == {wards[FEW], "Bus stops"}  # 3 responses each: too few
    assert lines[3].startswith(f"{wards[NONE_YOUNG]} (ward, QR): missing groups least reached")
    text = to_markdown(doc)
    assert "### Next quarter: where to go (borough-wide)" in text
    box = text.split("### Next quarter: where to go (borough-wide)")[1].split("###")[0]
    bullets = [line[2:] for line in box.splitlines() if line.startswith("- ")]
    assert [b.split(" (")[0] for b in bullets] == top and len(bullets) == 5


@pytest.mark.parametrize("role", ["engagement", "analyst", "viewer"])
def test_page_for_engagement_and_analyst_not_viewer_linked_from_overview(app, client, role):
    app.config["WTF_CSRF_ENABLED"] = False
    seed(app.extensions["voice_sessions"])
    wards = _seed(app.extensions["voice_sessions"])
    sign_in(client, role)
    if role == "viewer":
        assert client.get("/where-next/").status_code == 403
        assert 'href="/where-next/"' not in client.get("/dashboard/").get_data(as_text=True)
    else:
        page = client.get("/where-next/?source=qr").get_data(as_text=True)
        assert "Where to go next" in page and 'id="wn-places"' in page
        assert page.index(wards[EMPTY].replace("&", "&amp;")) < page.index(wards[NONE_YOUNG].replace("&", "&amp;"))
        assert "Test station (5 of 10)" in page
        overview = client.get("/dashboard/").get_data(as_text=True)
        assert 'href="/where-next/"' in overview


@needs_chromium
def test_browser_the_table_fits_a_360_px_phone_without_sideways_scrolling(app):
    seed(app.extensions["voice_sessions"])
    _seed(app.extensions["voice_sessions"])
    with serve(app) as base, chromium_page(viewport={"width": 360, "height": 740}, is_mobile=True) as page:
        page.goto(f"{base}/sign-in")
        page.fill("input[name=email]", "engagement@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button")
        page.wait_for_load_state()
        page.goto(f"{base}/where-next/?source=qr")
        assert page.locator("#wn-places tbody tr").count() >= 4
        screenshot(page, "where-next-360")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        table = page.locator("#wn-places").bounding_box()
        assert table is not None and table["x"] + table["width"] <= 360
        assert not serious_violations(page)
