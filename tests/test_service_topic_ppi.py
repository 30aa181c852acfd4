"""Topic shares corrected for coding errors (issue 20 item 12): prediction-powered inference on the
model's codes and the reviewed random audit sample, the same figure on the dashboard, the API, the
briefing and the SNA export; "uncorrected" before enough reviews. Team-written data: 60 QR
comments in 2024Q1 with a weighting run; the model says "drugs" for the first 30."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

import weights
from service.reports.briefing import BriefingRequest, build_briefing
from service.reports.sna import build_sna
from service.reports.text import ppi_text
from service.reports.workbook import write_xlsx
from service.store.accounts import add_api_client, add_user
from service.store.db import transaction
from service.store.models import (
    AnalysisRun,
    FreeText,
    Question,
    Response,
    ResponseWeight,
    Source,
    TextReview,
    TopicCode,
)

PASSWORD = "correct horse battery"
TOPIC = "drugs"
START = datetime(2024, 1, 8, 12, tzinfo=UTC)
N = 60


def _human(i: int) -> bool:
    """The reviewers' truth: the model over-codes drugs (comments 24-29 are not about drugs) and misses 30-31."""
    return i < 24 or i in (30, 31)


def _seed(app, n_reviews: int) -> dict:
    app.config["WTF_CSRF_ENABLED"] = False
    factory = app.extensions["voice_sessions"]
    f_all, w_all, reviewed = [], [], []
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
        question = Question(source_id=source.id, key="ppi_comment", wording="What would help?", type="free_text")
        run = AnalysisRun(kind="weighting", source_key="qr", method="rake", parameters={"period": "2024Q1"},
                          result={"converged": True, "design_effect": 1.2})
        session.add_all([question, run])
        session.flush()
        for i in range(N):
            response = Response(source_id=source.id, external_id=f"ppi-{i}", content_hash=f"p{i}", raw={},
                                submitted_at=START + timedelta(days=i % 50), age_band="16-24", sex="female",
                                ethnic_group="H4", ward="E05013983", is_synthetic=True)
            text = FreeText(question_id=question.id, original=f"words {i}", redacted=f"words {i}", confidence=0.9)
            response.free_texts.append(text)
            session.add(response)
            session.flush()
            model = TOPIC if i < 30 else "police_presence"
            session.add(TopicCode(free_text_id=text.id, topic=model, origin="model", probability=0.8))
            weight = 0.5 + (i % 3) * 0.5
            session.add(ResponseWeight(run_id=run.id, response_id=response.id, weight=weight))
            f_all.append(float(i < 30))
            w_all.append(weight)
            if i % 3 != 2 and len(reviewed) < n_reviews or i in (30, 31) and len(reviewed) < n_reviews:
                truth = [TOPIC] if _human(i) else ["police_presence"]
                session.add(TextReview(free_text_id=text.id, model_topics=[model], confirmed_topics=truth, is_audit_sample=True))
                session.add_all(TopicCode(free_text_id=text.id, topic=t, origin="reviewer") for t in truth)
                reviewed.append(i)
        _client, token = add_api_client(session, "ppi-test", "analyst")
    order = sorted(reviewed)
    f, w = np.array(f_all), np.array(w_all)
    return {"token": {"Authorization": f"Bearer {token}"}, "f": f, "w": w, "rows": order,
            "y": np.array([float(_human(i)) for i in order])}


def _api_row(client, store) -> dict:
    body = client.get("/api/v1/topics?source=qr&period=2024Q1", headers=store["token"]).get_json()
    assert body["ok"], body
    return next(r for r in body["rows"] if r["topic"] == TOPIC)


def _outputs(app, client, config, store):
    row = _api_row(client, store)
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    page = client.get("/dashboard/voices/?source=qr&period=2024Q1").get_data(as_text=True)
    with app.extensions["voice_sessions"]() as session:
        document, _ = build_briefing(session, config, BriefingRequest("2024Q1"))
        sna = build_sna(session, config, 2024)
    briefing = [r for b in document.blocks if b.kind == "table" and "Allowing for coding errors" in b.header
                for r in b.rows if r[0].lower().startswith("drug")]
    topics = sna.table("topics").frame
    sna_row = topics[topics["topic_code"] == TOPIC].iloc[0]
    sheet = pd.read_excel(io.BytesIO(write_xlsx(sna)), sheet_name="T6 Feel safer", header=None)
    return row, page, briefing, sna_row, sheet


def test_dashboard_api_briefing_and_sna_print_the_same_corrected_share(app, client, config):
    store = _seed(app, n_reviews=40)
    rows = store["rows"]
    truth = weights.ppi_share(store["f"], store["f"][rows], store["y"], weights=store["w"], weights_reviewed=store["w"][rows])
    assert len(rows) == 40 and truth.rectifier < 0  # reviewers took drugs off more comments than they added it to
    model_only = weights.estimate_share(store["f"], store["w"])
    row, page, briefing, sna_row, sheet = _outputs(app, client, config, store)
    expected = (round(100 * truth.estimate, 1), round(100 * truth.lower, 1), round(100 * truth.upper, 1))
    assert (row["ppi_pct"], row["ppi_ci_low"], row["ppi_ci_high"]) == expected, row
    assert row["ppi_corrected"] and row["ppi_reviews"] == 40 and "corrected for coding errors (PPI, weighted, 40 reviews)" == row["ppi_label"]
    assert abs(row["ppi_pct"] - round(100 * model_only.estimate, 1)) > 1  # the correction moves the figure
    assert f"{expected[0]}% ({expected[1]}–{expected[2]}%)" in page
    printed = ppi_text({"ppi_pct": 100 * truth.estimate, "ppi_ci_low": 100 * truth.lower, "ppi_ci_high": 100 * truth.upper,
                        "ppi_label": row["ppi_label"]})
    assert briefing and briefing[0][3] == printed
    assert sna_row["ppi_pct"] == pytest.approx(100 * truth.estimate, abs=1e-9)
    assert (sna_row["ppi_ci_low"], sna_row["ppi_ci_high"]) == pytest.approx((100 * truth.lower, 100 * truth.upper), abs=1e-9)
    assert sna_row["ppi_label"] == row["ppi_label"]
    assert (sheet == expected[0]).any().any()  # the workbook's rounded sheet shows the one-decimal figure


def test_before_enough_reviews_the_model_only_share_is_marked_uncorrected(app, client, config):
    store = _seed(app, n_reviews=10)
    model_only = weights.estimate_share(store["f"], store["w"])
    row, page, briefing, sna_row, _sheet = _outputs(app, client, config, store)
    assert not row["ppi_corrected"] and row["ppi_label"] == "uncorrected (model only, weighted; 10 audit reviews)"
    assert row["ppi_pct"] == round(100 * model_only.estimate, 1)
    assert "uncorrected (model only, weighted; 10 audit reviews)" in page
    assert briefing[0][3].endswith("uncorrected (model only, weighted; 10 audit reviews)")
    assert sna_row["ppi_label"].startswith("uncorrected")
