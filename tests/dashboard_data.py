"""Small, hand-checkable data for the dashboard and API tests, written straight to the store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import (
    AnalysisRun,
    FreeText,
    Question,
    Response,
    ResponseWeight,
    SafeguardingFlag,
    Site,
    Source,
    TopicCode,
)

PASSWORD = "correct horse battery"
ORIGINAL = "Call me on 07700 900123, Jane Smith, about the drug dealing"
REDACTED = "Call me on [phone], [name], about the drug dealing"
START = datetime(2024, 3, 4, 12, tzinfo=timezone.utc)  # a Monday


def _representativeness(source: str, period: str, start: datetime | None) -> AnalysisRun:
    table = [
        {"level": "16-24", "label": "16-24", "n": 2, "base_n": 10, "sample_pct": 20.0, "population_pct": 40.0,
         "representation_index": 0.5, "gap_pct_points": -20.0, "shortfall": 2.0, "responses_needed": 4},
        {"level": "25+", "label": "25+", "n": 8, "base_n": 10, "sample_pct": 80.0, "population_pct": 60.0,
         "representation_index": 1.33, "gap_pct_points": 20.0, "shortfall": -2.0, "responses_needed": 0},
    ]
    result = {"n_respondents": 10, "r_indicator": 0.8, "caveats": ["Test caveat."], "summary": [],
              "dimensions": [{"variable": "age_band", "n_stated": 10, "n_not_stated": 0, "chi_square": 2.0,
                              "p_value": 0.15, "dissimilarity": 0.2, "summary": ["People aged 16-24 are 20% of respondents."],
                              "table": table}]}
    end = start + timedelta(days=90) if start else None
    return AnalysisRun(kind="representativeness", source_key=source, period_start=start, period_end=end,
                       method="compare_to_census", parameters={"period": period}, result=result)


def seed(factory) -> dict[str, int]:
    """Ten QR responses at one site (two aged 16-24), each with a coded free text; runs; one flag; users."""
    ids: dict[str, int] = {}
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        site = Site(code="abc2345", name="Romford station", kind="station", ward="E05013983")
        question = Question(source_id=source.id, key="dash_comment", wording="Anything else?", type="free_text")
        session.add_all([site, question])
        session.flush()
        weighting = AnalysisRun(kind="weighting", source_key="qr", method="rake", parameters={"period": "2024Q1"},
                                result={"converged": True, "design_effect": 1.2})
        session.add(weighting)
        session.flush()
        texts = []
        for i in range(10):
            response = Response(source_id=source.id, site_id=site.id, external_id=f"dash-{i}", content_hash=f"h{i}", raw={},
                                submitted_at=START + timedelta(days=i % 8), age_band="16-24" if i < 2 else "25+",
                                sex="female" if i % 2 else "male", ethnic_group="H4", ward="E05013983", is_synthetic=True)
            text = FreeText(question_id=question.id, original=ORIGINAL if i == 0 else f"Original words {i}",
                            redacted=REDACTED if i == 0 else f"Redacted words {i}", confidence=0.3 + i / 20)
            response.free_texts.append(text)
            session.add(response)
            session.flush()
            session.add(ResponseWeight(run_id=weighting.id, response_id=response.id, weight=3.0 if i < 2 else 1.0))
            session.add(TopicCode(free_text_id=text.id, topic="drugs" if i < 4 else "police_presence", origin="model", probability=0.6))
            texts.append(text.id)
        session.add(SafeguardingFlag(free_text_id=texts[0], reason="mentions a threat"))
        session.add_all([_representativeness("qr", "all", None), _representativeness("qr", "2024Q1", START),
                         _representativeness("qr", "2024Q2", START + timedelta(days=91))])
        for role in ("admin", "analyst", "engagement", "viewer"):
            ids[role] = add_user(session, f"{role}@example.org", f"Test {role}", role, PASSWORD).id
        ids["first_text"] = texts[0]
        ids["weighting_run"] = weighting.id
    return ids


def sign_in(client, role: str) -> None:
    """Sign the test client in as the seeded user of ``role``."""
    response = client.post("/sign-in", data={"email": f"{role}@example.org", "password": PASSWORD})
    assert response.status_code == 302, response.data[:500]
