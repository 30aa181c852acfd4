"""The engagement team's dashboard: pages, filters, chart CSVs, review queues, users, and roles."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from service.store.models import AuditEvent, FreeText, TextReview, TopicCode, User
from tests.dashboard_data import ORIGINAL, REDACTED, seed, sign_in

PAGES = ("/dashboard/", "/dashboard/representativeness/", "/dashboard/voices/", "/dashboard/responses")


@pytest.fixture
def seeded(app):
    """The app with the small dashboard data set, CSRF off so forms can be posted directly."""
    app.config["WTF_CSRF_ENABLED"] = False
    return seed(app.extensions["voice_sessions"])


# What each role should find on the dashboard pages (service/web/access.py CAPABILITIES, CHART_ROLES).
ROLE_SEES = {
    "admin": {"downloads": True, "original": True, "review": True, "users": True},
    "analyst": {"downloads": True, "original": True, "review": True, "users": False},
    "engagement": {"downloads": True, "original": True, "review": True, "users": False},
    "viewer": {"downloads": False, "original": False, "review": False, "users": False},
}


@pytest.mark.parametrize("role", ["admin", "analyst", "engagement", "viewer"])
def test_pages_every_role_sees_every_dashboard_page(client, seeded, role):
    sign_in(client, role)
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        assert b"Synthetic demo data" in response.data
    sees = ROLE_SEES[role]
    overview = client.get("/dashboard/").get_data(as_text=True)
    assert ("Download these figures (CSV)" in overview) is sees["downloads"], role
    # the Review link carries the count of new safeguarding flags when there are any ("Review 1 new flag")
    assert bool(re.search(r'href="/review/"[^>]*>Review[< ]', overview)) is sees["review"], role
    assert (">Users</a>" in overview and ">Audit log</a>" in overview) is sees["users"], role
    responses = client.get("/dashboard/responses").get_data(as_text=True)
    assert (REDACTED in responses) is (role != "viewer"), role  # the seeded text is flagged: masked for viewers
    assert ORIGINAL not in responses  # originals only on their own audited page
    assert ('/original"' in responses) is sees["original"], role
    assert client.get("/dashboard/charts/weekly.csv").status_code == (200 if sees["downloads"] else 403)
    assert client.get("/admin/users").status_code == (200 if sees["users"] else 403)


def test_pages_signed_out_are_sent_to_sign_in(client, seeded):
    for page in PAGES:
        assert client.get(page).status_code == 302


def test_responses_viewer_sees_redacted_text_only(client, seeded):
    sign_in(client, "viewer")
    page = client.get("/dashboard/responses").get_data(as_text=True)
    assert "Redacted words 1" in page
    assert REDACTED not in page  # the seeded text is flagged for safeguarding: masked for viewers (issue 19)
    assert ORIGINAL not in page and "Original words" not in page


def test_responses_analyst_sees_redacted_text_and_a_show_original_link_only(client, seeded):
    sign_in(client, "analyst")
    page = client.get("/dashboard/responses").get_data(as_text=True)
    assert REDACTED in page and ORIGINAL not in page
    links = re.findall(r'href="(/texts/\d+/original)"', page)
    assert links
    shown = [client.get(link).get_data(as_text=True) for link in links]
    assert any(ORIGINAL in text and REDACTED in text for text in shown)


def test_responses_viewer_has_no_show_original_link_and_is_refused_the_original_page(client, seeded, factory):
    sign_in(client, "viewer")
    page = client.get("/dashboard/responses").get_data(as_text=True)
    assert "/original" not in page
    with factory() as session:
        text_id = session.scalar(select(FreeText.id).limit(1))
    assert client.get(f"/texts/{text_id}/original").status_code == 403


def test_responses_original_text_views_are_audited_and_redacted_views_are_not(client, seeded, factory):
    sign_in(client, "viewer")
    client.get("/dashboard/responses")
    with factory() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "view_original_text")) is None
    client.post("/sign-out")
    sign_in(client, "analyst")
    page = client.get("/dashboard/responses?page=1").get_data(as_text=True)
    with factory() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "view_original_text")) is None
    link = re.search(r'href="/texts/(\d+)/original"', page)
    client.get(f"/texts/{link.group(1)}/original")
    with factory() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "view_original_text"))
    assert event.actor.startswith("user:") and "analyst" in event.actor
    assert event.target == f"free_text:{link.group(1)}" and "response_id" in event.detail
    assert ORIGINAL not in str(event.detail)


def test_exports_viewer_cannot_download_chart_figures(client, seeded):
    sign_in(client, "viewer")
    for url in ("/dashboard/charts/weekly.csv", "/dashboard/voices/charts/topics.csv",
                "/dashboard/representativeness/charts/rep-age_band.csv"):
        assert client.get(url).status_code == 403, url
    assert b"Download these figures" not in client.get("/dashboard/").data


def test_review_viewer_is_refused_every_queue(client, seeded):
    sign_in(client, "viewer")
    for url in ("/review/", "/review/safeguarding", "/review/quarantine", "/admin/users"):
        assert client.get(url).status_code == 403, url


def test_overview_filter_narrows_the_count(client, seeded):
    sign_in(client, "engagement")
    everything = client.get("/dashboard/").get_data(as_text=True)
    assert "<strong>10</strong> responses" in everything
    narrowed = client.get("/dashboard/?group=age_band:16-24").get_data(as_text=True)
    assert "<strong>2</strong> responses" in narrowed


def test_overview_bad_filter_says_what_to_use(client, seeded):
    sign_in(client, "engagement")
    response = client.get("/dashboard/?period=last-week")
    assert response.status_code == 400
    assert b"use e.g. 2024 or 2024Q1" in response.data


def test_chart_csv_matches_the_figures_shown(client, seeded):
    sign_in(client, "analyst")
    rows = list(csv.reader(io.StringIO(client.get("/dashboard/voices/charts/topics.csv?source=qr").get_data(as_text=True))))
    assert rows[0] == ["Topic", "Unweighted", "Weighted", "base_n"]
    # 4 of 10 texts are about drugs; weighted, 2x3 + 2x1 of a total weight 6 + 8 = 14.
    drugs = next(row for row in rows[1:] if row[1] == "40.0")
    assert drugs[2] == str(round(100 * 8 / 14, 1)) and drugs[3] == "10"


def test_representativeness_shows_gap_and_responses_needed(client, seeded):
    sign_in(client, "engagement")
    page = client.get("/dashboard/representativeness/?source=qr&period=all").get_data(as_text=True)
    assert "Under-represented" in page
    assert "20.0% (2 of 10)" in page
    assert "Romford station: 20.0% (2 of 10)" not in page  # a site needs 20 respondents to be ranked
    trend = client.get("/dashboard/representativeness/charts/trend-age_band.csv?source=qr").get_data(as_text=True)
    assert trend.splitlines()[0] == "group,2024Q1,2024Q2"


def test_review_topics_reviewer_correction_is_stored(client, seeded, factory):
    sign_in(client, "engagement")
    assert b"Redacted words" in client.get("/review/").data
    response = client.post(f"/review/topics/{seeded['first_text']}", data={"topic": ["drugs", "gangs_violence"]})
    assert response.status_code == 302
    with factory() as session:
        review = session.scalar(select(TextReview))
        assert review.model_topics == ["drugs"] and review.confirmed_topics == ["drugs", "gangs_violence"]
        reviewer = session.scalars(select(TopicCode.topic).where(TopicCode.origin == "reviewer")).all()
        assert sorted(reviewer) == ["drugs", "gangs_violence"]


def test_users_admin_adds_changes_and_deactivates(client, seeded, factory):
    sign_in(client, "admin")
    response = client.post("/admin/users", data={"email": "new@example.org", "name": "New Person", "role": "viewer",
                                                  "password": "long enough password"})
    assert response.status_code == 302
    with factory() as session:
        user_id = session.scalar(select(User.id).where(User.email == "new@example.org"))
    client.post(f"/admin/users/{user_id}", data={"action": "role", "role": "analyst"})
    client.post(f"/admin/users/{user_id}", data={"action": "deactivate"})
    with factory() as session:
        user = session.get(User, user_id)
        assert user.role == "analyst" and not user.is_active
        logged = [(e.action, e.target) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                  if e.action in ("user_added", "role_change", "user_deactivated")]
    assert logged == [("user_added", f"user:{user_id}"), ("role_change", f"user:{user_id}"),
                      ("user_deactivated", f"user:{user_id}")]


def test_users_last_admin_cannot_be_demoted(client, seeded, factory):
    sign_in(client, "admin")
    client.post(f"/admin/users/{seeded['admin']}", data={"action": "role", "role": "viewer"})
    with factory() as session:
        assert session.get(User, seeded["admin"]).role == "admin"


def test_users_short_password_is_refused_with_reason(client, seeded):
    sign_in(client, "admin")
    response = client.post("/admin/users", data={"email": "x@example.org", "name": "X", "role": "viewer", "password": "short"})
    assert response.status_code == 400
    assert b"use at least 12" in response.data


def test_responses_show_peoples_words_not_codes(client, seeded):
    sign_in(client, "viewer")
    page = client.get("/dashboard/responses").get_data(as_text=True)
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', page)
    assert "Female" in cells and "Male" in cells and "White" in cells
    assert not {"female", "male", "H4"} & set(cells)
    tags = re.findall(r'<span class="voice-tag">([^<]+)</span>', page)
    assert "Drugs and dealing" in tags and "drugs" not in tags


def test_review_topics_marks_a_comment_that_is_in_the_safeguarding_queue(client, seeded):
    sign_in(client, "engagement")
    page = client.get("/review/").get_data(as_text=True)
    forms = page.split('class="voice-review-item"')[1:]
    flagged = [f for f in forms if f"t{seeded['first_text']}-" in f]  # the checkboxes of the flagged comment
    assert len(flagged) == 1 and "This comment may disclose harm" in flagged[0] and "not yet reviewed" in flagged[0]
    assert sum("This comment may disclose harm" in f for f in forms) == 1


def test_review_safeguarding_says_where_when_and_how_old(client, seeded):
    sign_in(client, "engagement")
    page = client.get("/review/safeguarding").get_data(as_text=True)
    assert re.search(r"QR site Romford station, sent 04 Mar 2024 12:00; age 16-24\.", page), page[page.find("Flag "):][:800]
    assert re.search(r"Waiting\">\d+ min<", page)


def test_overview_explains_each_channel_once_with_a_distinct_name(client, seeded, config):
    sign_in(client, "viewer")
    page = client.get("/dashboard/").get_data(as_text=True)
    explained = page[page.index('id="channels"'):]
    names = [s.name for s in config.sources]
    assert len(set(names)) == len(names) and "QR-code feedback" not in names and "QR-code form" not in names
    for source in config.sources:
        assert source.name in explained and source.description.replace("'", "&#39;") in explained
