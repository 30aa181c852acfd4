"""`voice demo`: synthetic data through the real connectors reproduces the published figures."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from service.store import reads as response_reads
from service.store import runs as run_store
from service.store.db import make_engine, make_session_factory
from service.store.models import AnalysisRun


@pytest.fixture(scope="module")
def demo_session(demo):
    config, _ = demo
    engine = make_engine(config.database.url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _share(values: pd.Series, wanted) -> float:
    stated = values[values.notna() & (values != "not_stated")]
    return round(100 * stated.isin(wanted).sum() / len(stated))


def test_demo_stores_every_source_and_quarantines_the_bad_rows(demo, demo_session):
    _, result = demo
    assert response_reads.count_responses(demo_session) == {"css": 930, "shout": 1029, "qr": 1746}
    runs = run_store.latest_runs(demo_session)
    assert {run.source.key for run in runs} == {"css", "shout", "qr"}
    assert sum(r.n_quarantined for r in runs) >= 1
    assert any("admin@demo.invalid" in line for line in result.sign_in_lines)


def test_demo_css_2023_matches_the_published_respondent_profile(demo_session):
    frame = response_reads.responses_frame(demo_session, ["css"])
    wave = frame[frame["wave"] == "2023"]
    assert len(wave) == 418
    assert _share(wave["age_band"], ["25-34", "35-44", "45-54", "55-64", "65-74", "75+"]) == 93
    assert _share(wave["ethnicity"], ["13"]) == 94
    assert _share(wave["sex"], ["female"]) == 66


def test_demo_css_2023_matches_the_published_answers(demo_session):
    frame = response_reads.responses_frame(demo_session, ["css"])
    ids = set(frame.loc[frame["wave"] == "2023", "id"])

    def share(question: str, answer: str) -> float:
        answers = response_reads.answers_frame(demo_session, "css", question)
        answers = answers[answers["response_id"].isin(ids)]
        return 100 * (answers["value"] == answer).sum() / len(answers)

    assert share("knife_crime_problem", "Yes") > 50
    assert share("knife_crime_trend", "Worse") > 25
    assert round(share("gangs_problem", "Yes")) == 47
    assert round(share("gangs_trend", "Worse")) == 20
    assert round(share("response_to_violence", "Good")) == 11


def test_demo_shout_matches_the_published_figures(demo_session):
    answers = response_reads.answers_frame(demo_session, "shout", "safe_streets")
    assert len(answers) == 1029
    assert round(100 * (answers["value"] == "Unsafe").mean()) == 57
    transport = response_reads.answers_frame(demo_session, "shout", "safe_transport")
    assert round(100 * (transport["value"] == "Unsafe").mean()) == 34
    borough = response_reads.answers_frame(demo_session, "shout", "safe_borough")
    assert round(100 * (borough["value"] == "Safe").mean()) == 30


def test_demo_runs_every_analysis(demo_session):
    kinds = {run.kind for run in demo_session.query(AnalysisRun)}
    assert {"representativeness", "weighting", "topics", "themes", "evaluation"} <= kinds
    failed = [r for r in demo_session.query(AnalysisRun) if r.status not in ("finished", "not_weighted")]
    assert failed == []
    # Issue 20.8: a weighting run left unused says why (the QR channels: respondents may not be residents).
    unused = [r for r in demo_session.query(AnalysisRun) if r.status == "not_weighted"]
    assert all(r.kind == "weighting" and r.result["reason"].startswith("not weighted: ") for r in unused)
    assert {r.source_key for r in unused} >= {"qr"}


@pytest.fixture(scope="module")
def demo_client(demo):
    """A test client of the demo app, signed in as the demo engagement officer."""
    import re

    from service import create_app

    config, result = demo
    line = next(line for line in result.sign_in_lines if "engagement@demo.invalid" in line)
    app = create_app(config)
    client = app.test_client()
    form = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form).group(1)
    signed = client.post("/sign-in", data={"email": "engagement@demo.invalid", "password": line.split()[-1], "csrf_token": token})
    assert signed.status_code == 302
    yield client
    app.extensions["voice_engine"].dispose()


def test_demo_who_we_are_missing_ranks_qr_sites_for_a_survey_without_sites(demo_client):
    import re

    page = demo_client.get("/dashboard/representativeness/?source=css&period=all").get_data(as_text=True)
    assert "Community Safety Survey has no QR sites, so the sites below are ranked on every QR-code response" in page
    sites = page.split("<h3 class=\"govuk-heading-s\">QR sites</h3>")[1].split("<h3")[0]
    assert re.search(r"(station|Park|route)[^<]*: \d+\.\d% \(\d+ of \d+\)", sites), sites[:2000]
    assert ">Measure</th>" in page and "age_band:" not in page
    assert "did not state their age" in page


def test_demo_emerging_themes_have_plain_terms_and_an_unflagged_example(demo, demo_client, demo_session):
    import html
    import re

    from service.store.models import FreeText, SafeguardingFlag

    page = html.unescape(demo_client.get("/dashboard/voices/").get_data(as_text=True))
    section = page.split("Emerging themes</h2>")[1].split("<h2")[0]
    items = re.findall(r"<li><strong>([^<]+)</strong>(.*?)</li>", section, re.S)
    assert items, section[:1500]
    for label, _rest in items:
        words = [t.strip() for t in label.split(",")]
        pairs = [w for w in words if " " in w]
        assert not any(w in p.split() for w in words if " " not in w for p in pairs), label  # no "area, quiet area"
    examples = re.findall(r"For example: “([^”]+)”", section)
    assert examples
    flagged = set(demo_session.scalars(select(FreeText.redacted).join(SafeguardingFlag, SafeguardingFlag.free_text_id == FreeText.id)))
    assert not set(examples) & flagged


def test_demo_sites_pages_carry_the_staff_navigation_and_the_synthetic_banner(demo_client):
    page = demo_client.get("/sites/").get_data(as_text=True)
    assert "Synthetic demo data." in page
    assert 'href="/sites/" aria-current="page">Sites and posters</a>' in page and ">Who we are missing</a>" in page
    assert page.count('role="status"') <= 1  # flashes shown once, by the staff layout


def test_demo_briefing_opens_with_three_to_five_key_messages_each_with_figure_and_base(demo, demo_session):
    import re

    from service.reports.briefing import BriefingRequest, build_briefing
    from service.reports.generate import quarters_with_responses

    config, _ = demo
    quarter = quarters_with_responses(demo_session)[0]
    doc, _snap = build_briefing(demo_session, config, BriefingRequest(quarter))
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings[:2] == ["Key messages", "You said, we did"]
    messages = next(b for b in doc.blocks if b.kind == "bullets").items
    assert 3 <= len(messages) <= 5, messages
    for message in messages:  # a figure with its base: "57% (587 of 1,029)" or a count of residents
        assert re.search(r"\d[\d,]* of [\d,]+|We heard from [\d,]+ residents", message), message
    assert any("weighted" in m for m in messages)
