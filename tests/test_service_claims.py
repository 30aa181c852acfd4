"""Claims tested together (issue 20 item 10): changes and differences are worded only when they
pass a two-proportion test and survive Benjamini-Hochberg across the document. Team-written data."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import select

from service.reports.claims import Claims, change_words, difference_words
from service.store.models import Answer, Question, Response, Site, Source


def _y(k: int, n: int) -> np.ndarray:
    return np.array([1.0] * k + [0.0] * (n - k))


def _pooled_z_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """The pooled two-proportion z-test written out, independent of the code under test."""
    p = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return 2 * stats.norm.sf(abs(z))


def test_a_clear_change_is_worded_and_a_small_one_is_not():
    claims = Claims()
    big = claims.compare("big", _y(60, 100), _y(30, 100))
    small = claims.compare("small", _y(15, 25), _y(11, 26))  # 60% against 42%: the site example
    claims.screen()
    assert big.p_value == pytest.approx(_pooled_z_p(60, 100, 30, 100))
    assert small.p_value == pytest.approx(_pooled_z_p(15, 25, 11, 26))
    assert big.survives and not small.survives
    assert change_words(claims.get("big")) == "up 30 points from 30% (n = 100) to 60% (n = 100)"
    assert change_words(claims.get("small")) == "no clear change (n = 25; before n = 26)"
    assert difference_words(claims.get("small"), "adults").startswith("no clear difference from adults (42%; n = 25 and 26)")


def test_claims_on_one_page_are_controlled_together():
    alone = Claims()
    alone.compare("one", _y(30, 100), _y(17, 100))  # p about 0.03
    alone.screen()
    assert alone.get("one").survives
    together = Claims()
    together.compare("one", _y(30, 100), _y(17, 100))
    for i in range(9):
        together.compare(f"null{i}", _y(50, 100), _y(50 - i % 2, 100))
    together.screen()
    one = together.get("one")
    assert not one.survives and one.adjusted == pytest.approx(min(1.0, one.p_value * 10))
    assert "q = 0.05" in together.rule and "all 10 tested together" in together.rule


def test_weighted_only_when_both_sides_have_every_weight():
    claims = Claims()
    w = np.linspace(0.5, 2.0, 100)
    both = claims.compare("both", _y(40, 100), _y(20, 100), w, w)
    partial = claims.compare("partial", _y(40, 100), _y(20, 100), w, np.r_[w[:-1], np.nan])
    assert both.is_weighted and not partial.is_weighted
    assert partial.p_value == pytest.approx(_pooled_z_p(40, 100, 20, 100))
    with pytest.raises(RuntimeError):
        claims.get("both")  # words only after the whole page is screened


def _answer(session, source, question, i, when, safe, site=None):
    response = Response(source_id=source.id, external_id=f"c{i}", submitted_at=when, site_id=site, age_band="25-34",
                        sex="female", ethnic_group="H4", content_hash=f"c{i}", raw={}, is_synthetic=True)
    session.add(response)
    session.flush()
    session.add(Answer(response_id=response.id, question_id=question.id, value_number=safe))


def test_briefing_words_a_small_site_change_as_no_clear_change(config, factory):
    from service.pipeline.ingest_runs import register_sources
    from service.reports.briefing import BriefingRequest, build_briefing
    from service.reports.document import to_markdown

    register_sources(factory, config)
    with factory() as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        question = session.scalar(select(Question).where(Question.source_id == source.id, Question.key == "safe_here"))
        site = Site(code="clm0001", name="Claim station", kind="station", ward="E05013967")
        session.add(site)
        session.flush()
        now, before = datetime(2024, 2, 1, tzinfo=timezone.utc), datetime(2023, 11, 1, tzinfo=timezone.utc)
        for i in range(25):  # 15 of 25 unsafe now (60%), 11 of 26 last quarter (42%)
            _answer(session, source, question, i, now, 1 if i < 15 else 5, site.id)
        for i in range(25, 51):
            _answer(session, source, question, i, before, 1 if i < 36 else 5, site.id)
        session.commit()
        doc, _ = build_briefing(session, config, BriefingRequest("2024Q1"))
    text = to_markdown(doc)
    assert "| Claim station | 60% (15 of 25) | no clear change (n = 25; before n = 26) |" in text
    assert "points (was" not in text and "+18" not in text
    assert "since last quarter no clear change (n = 25; before n = 26)" in text  # the key message: one test, one wording
    assert "Benjamini-Hochberg procedure at q = 0.05" in text


def test_chi_square_results_on_the_representativeness_page_are_screened_together():
    from service.web.views.representativeness import screen_dimensions

    dims = [{"variable": "age_band", "p_value": 0.04, "n_stated": 300}, {"variable": "sex", "p_value": 0.5, "n_stated": 310},
            {"variable": "ethnic_group", "p_value": 0.3, "n_stated": 290}, {"variable": "ward", "p_value": None}]
    claims = screen_dimensions(dims)
    assert [d.get("survives") for d in dims] == [False, False, False, None]  # 0.04 alone would pass; 0.04 x 3 / 1 does not
    # as R's p.adjust(c(0.04, 0.5, 0.3), "BH"): 0.12, 0.50, 0.45
    assert [dims[i]["adjusted"] for i in range(3)] == pytest.approx([0.12, 0.5, 0.45])
    assert "all 3 tested together" in claims.rule


def test_representativeness_page_prints_the_rule_and_no_unscreened_claim(app, client):
    from tests.dashboard_data import seed, sign_in

    app.config["WTF_CSRF_ENABLED"] = False
    seed(app.extensions["voice_sessions"])
    sign_in(client, "analyst")
    page = client.get("/dashboard/representativeness/").get_data(as_text=True)
    assert "unlikely to be chance" not in page
    assert "Benjamini-Hochberg procedure at q = 0.05" in page and "adjusted p = 0.150, n = 10" in page
