"""The youth briefing compares young respondents with each channel's young residents (issue 20.7,
follow-up): the Community Safety Survey's young respondents against residents aged 16-24, not the
survey's 16+ population. Team-written (synthetic) responses; census shares summed independently
from the shipped single-year table.
"""

from __future__ import annotations

from datetime import UTC, datetime

import weights
from service.pipeline.weighting import run_representativeness
from service.reports.briefing import BriefingRequest, build_briefing
from tests.test_service_weighting_population import WHITE, _store


def _female_share(low: int, high: int) -> float:
    table = weights.load_census("havering").sex_age
    part = table[(table["age"] >= low) & (table["age"] <= high)]
    return float(100 * part.loc[part["sex"] == "female", "count"].sum() / part["count"].sum())


def test_the_youth_briefing_compares_young_survey_respondents_with_residents_aged_16_to_24(app, config, factory):
    rows = [("16-24", "female", WHITE)] * 14 + [("16-24", "male", "H1")] * 12 + [("45-54", "female", WHITE)] * 40
    _store(factory, "css", rows, day=datetime(2023, 4, 3, 12, tzinfo=UTC))
    run_representativeness(factory, config, ("age_band", "sex", "ethnic_group"))
    with factory() as session:
        youth, _ = build_briefing(session, config, BriefingRequest("2023Q2", youth=True))
        everyone, _ = build_briefing(session, config, BriefingRequest("2023Q2"))

    def female(document) -> str:
        table = next(b for b in document.blocks if b.kind == "table" and b.header[:2] == ("Group", "Channel"))
        return next(r[3] for r in table.rows if r[0] == "Sex: Female")

    young, adults = _female_share(16, 24), _female_share(16, 200)
    assert f"{young:.0f}" != f"{adults:.0f}"  # the two populations differ at the printed precision
    assert female(youth) == f"{young:.0f}%"
    assert female(everyone) == f"{adults:.0f}%"
    paragraphs = " ".join(b.text for b in youth.blocks if b.kind == "paragraph")
    assert "Community Safety Survey with Havering residents aged 16 to 24, Census 2021" in paragraphs
    age = [b for b in youth.blocks if b.kind == "table" and b.header[:2] == ("Group", "Channel")][0]
    assert [r[0] for r in age.rows if r[0].startswith("Age")] == ["Age: 16 to 24"]  # no 25+ bands for young people
