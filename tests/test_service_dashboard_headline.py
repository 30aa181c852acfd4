"""Issue 17: the Overview headline states the period's figure with its base and the change against
the previous comparable period (not whatever arrived last), and count axes tick whole numbers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from service.reports.dashboard import ResponseFilter, period_headline
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import Response, Source

PASSWORD = "correct horse battery"
Q1, Q2 = datetime(2024, 1, 8, 12, tzinfo=timezone.utc), datetime(2024, 4, 8, 12, tzinfo=timezone.utc)


def _add(factory, source_key: str, times: list[datetime]) -> None:
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == source_key))
        start = session.query(Response).count()
        for i, at in enumerate(times, start):
            session.add(Response(source_id=source.id, external_id=f"h-{i}", content_hash=f"h-{i}", raw={}, submitted_at=at,
                                 age_band="25-34", sex="female", ethnic_group="H4", ward="E05013983"))


@pytest.fixture
def quarters(app):
    """QR: 5 responses in 2024 Q1 and 8 in 2024 Q2, the last two of them in its latest week; CSS: 4 then 2."""
    factory = app.extensions["voice_sessions"]
    _add(factory, "qr", [Q1 + timedelta(days=i) for i in range(5)]
         + [Q2 + timedelta(days=i) for i in range(6)] + [Q2 + timedelta(days=60, hours=i) for i in range(2)])
    _add(factory, "css", [Q1 + timedelta(days=i) for i in range(4)] + [Q2 + timedelta(days=i) for i in range(2)])
    with transaction(factory) as session:
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
    return factory


def _overview(client, query: str = "") -> str:
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    return client.get(f"/dashboard/{query}").get_data(as_text=True)


def _words(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</p>', html, re.S)
    assert found, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_headline_compares_the_latest_quarter_with_the_one_before(client, quarters):
    client.application.config["WTF_CSRF_ENABLED"] = False
    page = _overview(client)
    words = _words(page, "headline")
    # 10 responses in Q2 (8 QR + 2 CSS) against 9 in Q1 (5 + 4): the base is named, and no "+2" for the last week.
    assert words == "10 responses in 2024 Q2: 1 more than in 2024 Q1 (9), +11% on a base of n = 9.", words
    table = re.search(r'id="headline-sources">(.*?)</table>', page, re.S).group(1)
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]
    assert rows == ["Community Safety Survey 2 4 -2 (-50%)", "QR posters: vendor app 8 5 +3 (+60%)"], rows


def test_headline_follows_the_chosen_period_and_filters(client, quarters):
    client.application.config["WTF_CSRF_ENABLED"] = False
    words = _words(_overview(client, "?period=2024Q1&source=qr"), "headline")
    assert words.startswith("5 responses in 2024 Q1: 5 more than in 2023 Q4 (0)") and "no percentage change" in words
    assert _words(_overview(client, "?period=2024"), "headline").startswith("19 responses in 2024: 19 more than in 2023 (0)")


def test_a_period_still_running_is_compared_over_the_same_days(app, quarters):
    now = Q2 + timedelta(days=3, hours=1)  # 11 April 13:00, 10 days 13 hours into Q2: QR has 4 so far
    with app.extensions["voice_sessions"]() as session:
        headline = period_headline(session, ResponseFilter(source="qr", period="2024Q2"), now)
    # Q1's first 10 days 13 hours (to 11 January 13:00) hold 4 of its 5 QR responses: no change, not -1.
    assert headline["is_partial"] and headline["days"] == 10
    assert (headline["n"], headline["n_previous"], headline["change"]) == (4, 4, 0)


def test_the_weekly_chart_ticks_whole_numbers(client, quarters):
    client.application.config["WTF_CSRF_ENABLED"] = False
    page = _overview(client)
    figure = re.search(r'id="figure-weekly">(.*?)</figure>', page, re.S).group(1)
    svgs = re.findall(r"<svg.*?</svg>", figure, re.S)
    assert len(svgs) == 2  # the wide and the compact drawing
    for svg in svgs:
        texts = [e.text for e in ElementTree.fromstring(svg).iter() if e.tag.endswith("text")]
        axis = texts[texts.index("responses") - 3:texts.index("responses")]
        assert all(t.isdigit() for t in axis), axis  # at most 2 a week: 0, 1, 2, never 0.50 or 1.50
        assert not any(re.fullmatch(r"\d+\.\d+", t or "") for t in texts), texts
