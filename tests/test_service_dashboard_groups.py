"""Issue 17: the Group filter offers age bands per source, from the source's configuration, and no
two bands offered for a source overlap (the filter used to mix 16-17, 16-18 and 16-24)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from ingest.vocabulary import parse_band
from service.reports.dashboard import ResponseFilter, filter_options
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import Response, Source

PASSWORD = "correct horse battery"
AT = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


def _overlapping(bands: list[str]) -> list[tuple[str, str]]:
    """Pairs of age bands that share an age ("not_stated" is no age)."""
    spans = [(band, *parse_band(band)) for band in bands if band != "not_stated"]
    return [(a, b) for i, (a, lo_a, hi_a) in enumerate(spans) for b, lo_b, hi_b in spans[i + 1:]
            if lo_a <= (hi_b if hi_b is not None else 999) and lo_b <= (hi_a if hi_a is not None else 999)]


@pytest.fixture
def mixed(app):
    """Responses whose bands come from three sources' different schemes, plus a not-stated one."""
    app.config["WTF_CSRF_ENABLED"] = False
    factory = app.extensions["voice_sessions"]
    with transaction(factory) as session:
        ids = dict(session.execute(select(Source.key, Source.id)).all())
        for i, (source, band) in enumerate([("css", "16-24"), ("css", "not_stated"), ("shout", "16-18"), ("shout", "11-12"),
                                            ("qr", "16-17"), ("qr", "18-21"), ("qr", "16-24")]):
            session.add(Response(source_id=ids[source], external_id=f"g-{i}", content_hash=f"g-{i}", raw={}, submitted_at=AT,
                                 age_band=band, sex="female", ethnic_group="H4", ward="E05013983"))
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
    return factory


def _age_choices(options: dict) -> list[str]:
    return [value.removeprefix("age_band:") for value, _ in options["groups"] if value.startswith("age_band:")]


def test_no_two_offered_age_bands_overlap_for_any_source(app, config, mixed):
    bands = {s.key: s.mapping.age_bands for s in config.sources}
    assert len(bands) >= 4
    with mixed() as session:
        for source in bands:
            offered = _age_choices(filter_options(session, "havering", bands, ResponseFilter(source=source)))
            assert offered, source
            assert not _overlapping(offered), (source, offered)
            if bands[source]:
                assert [b for b in offered if b != "not_stated"] == list(bands[source])  # the source's own, in order
        qr = _age_choices(filter_options(session, "havering", bands, ResponseFilter(source="qr")))
        assert "16-24" not in qr and "16-18" not in qr  # other sources' bands (and a stray one) are not offered
        assert "not_stated" in _age_choices(filter_options(session, "havering", bands, ResponseFilter(source="css")))
        everyone = filter_options(session, "havering", bands, ResponseFilter())
        assert _age_choices(everyone) == [] and everyone["age_needs_source"]  # no source: no mixed bands
        assert any(value == "sex:female" for value, _ in everyone["groups"])
        # A group already in the filter stays offered, so the form shows what the page is filtered by.
        kept = filter_options(session, "havering", bands, ResponseFilter(variable="age_band", level="16-24"))
        assert _age_choices(kept) == ["16-24"]


def test_the_overlap_check_can_fail():
    assert _overlapping(["16-17", "16-18", "19-24", "25+", "not_stated"]) == [("16-17", "16-18")]
    assert _overlapping(["11-12", "13-15", "65+", "70-74"]) == [("65+", "70-74")]


def test_the_overview_filter_shows_the_chosen_sources_bands_only(client, mixed, config):
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    for source in ("css", "shout", "qr"):
        page = client.get(f"/dashboard/?source={source}").get_data(as_text=True)
        select_html = re.search(r'<select class="govuk-select" id="filter-group".*?</select>', page, re.S).group(0)
        offered = re.findall(r'value="age_band:([^"]+)"', select_html)
        assert offered[:len(config.source(source).mapping.age_bands)] == list(config.source(source).mapping.age_bands)
        assert not _overlapping(offered), (source, offered)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'value="age_band:' not in page and "Choose a source to filter by age" in page
