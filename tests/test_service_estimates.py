"""One estimator everywhere (issue 14) and the weighting run that belongs to the period (issue 20.1).

The store holds QR responses in three quarters: 2024Q1 and 2024Q2 each have their own weighting
run (with different weights), 2025Q1 has none. The dashboard, the API, the briefing and the SNA
workbook must print the same estimate and interval for the same topic, channel and period, each
from the run of that period, and must not weight a period that has no run.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

import weights
from service.reports import measures, queries
from service.reports.briefing import BriefingRequest, briefing_snapshot, build_briefing
from service.reports.sna import build_sna
from service.reports.suppression import SECONDARY, suppress_shares
from service.reports.text import weighted_text
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
    TopicCode,
)

PASSWORD = "correct horse battery"

TOPIC = "drugs"
# quarter start, responses, how many mention the topic, the run's weight for mentioners and others
QUARTERS = {"2024Q1": (datetime(2024, 1, 8, 12, tzinfo=UTC), 40, 16, 2.0, 0.5),
            "2024Q2": (datetime(2024, 4, 8, 12, tzinfo=UTC), 30, 18, 0.6, 1.5),
            "2025Q1": (datetime(2025, 1, 8, 12, tzinfo=UTC), 20, 12, None, None)}


@pytest.fixture
def store(app):
    """The QR responses of :data:`QUARTERS` with coded free texts and per-quarter weighting runs."""
    app.config["WTF_CSRF_ENABLED"] = False
    factory = app.extensions["voice_sessions"]
    expected: dict[str, tuple[list[float], list[float]]] = {}
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
        question = Question(source_id=source.id, key="est_comment", wording="What would help?", type="free_text")
        session.add(question)
        session.flush()
        for quarter, (start, total, mentioning, w_yes, w_no) in QUARTERS.items():
            run = None
            if w_yes is not None:
                run = AnalysisRun(kind="weighting", source_key="qr", method="rake", parameters={"period": quarter},
                                  result={"converged": True, "design_effect": 1.3})
                session.add(run)
                session.flush()
            ys, ws = [], []
            for i in range(total):
                response = Response(source_id=source.id, external_id=f"est-{quarter}-{i}", content_hash=f"e{quarter}{i}",
                                    raw={}, submitted_at=start + timedelta(days=i % 40), age_band="16-24", sex="female",
                                    ethnic_group="H4", ward="E05013983", is_synthetic=True)
                text = FreeText(question_id=question.id, original=f"words {i}", redacted=f"words {i}", confidence=0.9)
                response.free_texts.append(text)
                session.add(response)
                session.flush()
                yes = i < mentioning
                session.add(TopicCode(free_text_id=text.id, topic=TOPIC if yes else "police_presence", origin="model",
                                      probability=0.8))
                if run is not None:
                    session.add(ResponseWeight(run_id=run.id, response_id=response.id, weight=w_yes if yes else w_no))
                ys.append(float(yes))
                ws.append((w_yes if yes else w_no) or np.nan)
            expected[quarter] = (ys, ws)
        _client, token = add_api_client(session, "estimates-test", "analyst")
    return {"token": {"Authorization": f"Bearer {token}"}, "expected": expected}


def _api(client, store, period: str) -> dict:
    body = client.get(f"/api/v1/topics?source=qr&period={period}", headers=store["token"]).get_json()
    assert body["ok"], body
    return body


def _row(body: dict) -> dict:
    return next(r for r in body["rows"] if r["topic"] == TOPIC)


def _independent(store, quarters: list[str]) -> weights.ShareEstimate:
    ys = [y for q in quarters for y in store["expected"][q][0]]
    ws = [w for q in quarters for w in store["expected"][q][1]]
    return weights.estimate_share(np.array(ys), np.array(ws))


def _dashboard(client, period: str) -> str:
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    page = client.get(f"/dashboard/voices/?source=qr&period={period}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_each_quarter_uses_its_own_run_on_dashboard_api_and_briefing(app, client, store, config):
    first, second = _row(_api(client, store, "2024Q1")), _row(_api(client, store, "2024Q2"))
    for quarter, row in (("2024Q1", first), ("2024Q2", second)):
        truth = _independent(store, [quarter])
        assert row["weighted_pct"] == round(100 * truth.estimate, 1)
        assert (row["weighted_ci_low"], row["weighted_ci_high"]) == (round(100 * truth.lower, 1), round(100 * truth.upper, 1))
        assert f"{row['weighted_pct']}% weighted" in _dashboard(client, quarter)
        assert f"{row['weighted_ci_low']}–{row['weighted_ci_high']}%" in _dashboard(client, quarter)
        with app.extensions["voice_sessions"]() as session:
            document, _snap = build_briefing(session, config, BriefingRequest(quarter))
        rows = [r for b in document.blocks if b.kind == "table" and "Weighted" in b.header for r in b.rows]
        printed = weighted_text({"weighted_pct": 100 * truth.estimate, "weighted_ci_low": 100 * truth.lower,
                                 "weighted_ci_high": 100 * truth.upper})
        assert any(r[-1] == printed for r in rows if r[0].lower().startswith("drug")), (printed, rows)
    assert first["weighted_pct"] != second["weighted_pct"]  # the newest run is not used for the older quarter


def test_a_year_of_two_runs_is_their_union_the_same_on_api_dashboard_and_sna_workbook(app, client, store, config):
    from openpyxl import load_workbook

    body = _api(client, store, "2024")
    row, truth = _row(body), _independent(store, ["2024Q1", "2024Q2"])
    assert body["weighted"] and set(body["weighting_runs"]) == {"2024Q1", "2024Q2"}
    assert row["weighted_pct"] == round(100 * truth.estimate, 1)
    assert "union of 2 periods" in _dashboard(client, "2024")
    with app.extensions["voice_sessions"]() as session:
        book = load_workbook(io.BytesIO(write_xlsx(build_sna(session, config, 2024))))
    sheet = book["T6 Feel safer"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(v for v in values if "weighted_pct" in v)
    found = [dict(zip(header, v)) for v in values[values.index(header) + 1:]]
    cell = next(r for r in found if r["topic_code"] == TOPIC)
    assert round(cell["weighted_pct"], 1) == row["weighted_pct"]
    assert (round(cell["weighted_ci_low"], 1), round(cell["weighted_ci_high"], 1)) == (row["weighted_ci_low"], row["weighted_ci_high"])


def test_a_period_without_a_run_is_unweighted_and_says_why_everywhere(app, client, store, config):
    for period in ("2025Q1", "2025", "all"):
        body = _api(client, store, period)
        assert not body["weighted"] and "weighted_pct" not in _row(body)
        assert "no weighting run for 2025Q1" in body["weighting_reason"]
        assert "Not weighted: no weighting run for 2025Q1" in _dashboard(client, period)
    assert _row(_api(client, store, "2025Q1"))["pct"] == 60.0  # 12 of 20, unweighted
    with app.extensions["voice_sessions"]() as session:
        document, _snap = build_briefing(session, config, BriefingRequest("2025Q1"))
        report = build_sna(session, config, 2025)
    rows = [r for b in document.blocks if b.kind == "table" and "Weighted" in b.header for r in b.rows]
    assert rows and all(r[-1] == "not weighted" for r in rows)
    topics = next(t for t in report.tables if t.key == "topics").frame
    assert len(topics) and topics["weighted_pct"].isna().all()
    assert topics.loc[topics["topic_code"] == TOPIC, "pct"].tolist() == [60.0]


def _formula(n: int, base: int, pct: float) -> int:
    """(pN - n) / (1 - p) rounded up, written out here independently of the code under test."""
    p = pct / 100
    return max(0, int(np.ceil((p * base - n) / (1 - p) - 1e-9)))


def test_responses_needed_is_the_one_formula_in_api_sna_and_briefing(app, client, store, config):
    from service.pipeline.weighting import run_representativeness

    run_representativeness(app.extensions["voice_sessions"], config, ("age_band", "sex"))
    body = client.get("/api/v1/representativeness?source=qr&period=2024Q1", headers=store["token"]).get_json()
    table = next(d for d in body["data"][0]["result"]["dimensions"] if d["variable"] == "age_band")["table"]
    checked = [r for r in table if r["population_pct"]]
    assert checked and all(r["responses_needed"] == _formula(r["n"], r["base_n"], r["population_pct"]) for r in checked)
    with app.extensions["voice_sessions"]() as session:
        profile = next(t for t in build_sna(session, config, 2024).tables if t.key == "profile").frame
        document, _snap = build_briefing(session, config, BriefingRequest("2025Q1"))
        snap = briefing_snapshot(session, config, BriefingRequest("2025Q1"), "2025Q1")
        quarter = measures.profile_table(session, snap.frame, config.reports.min_cell, {}, queries.source_names(session),
                                         ("age_band", "sex", "ethnic_group"))
    shown = profile[profile["responses_needed"].notna()]
    assert len(shown)
    for r in shown.itertuples():
        assert r.responses_needed == _formula(int(r.n), int(r.base_n), r.census_pct), r
    text = " ".join(item for b in document.blocks for item in (*b.items, b.text))
    short = measures.under_represented(quarter, limit=4)
    short = short[short["responses_needed"].notna()]
    assert len(short)
    for r in short.itertuples():
        assert r.responses_needed == _formula(int(r.n), int(r.base_n), r.census_pct)
        assert f"{int(r.responses_needed)} more responses from this group alone" in text, (r, text)


def test_no_suppressed_topic_count_can_be_recovered_from_the_sna_tables(app, store, config):
    with app.extensions["voice_sessions"]() as session:
        report = build_sna(session, config, 2025)
    for table in report.tables:
        frame = table.frame
        if "suppressed" not in frame.columns:
            continue
        hidden = frame[frame["suppressed"].astype(bool)]
        derived = [c for c in ("n", "pct", "ci_low", "ci_high", "weighted_pct", "weighted_ci_low", "weighted_ci_high",
                               "effective_n", "index", "responses_needed") if c in frame.columns]
        assert hidden[derived].isna().all().all(), (table.key, hidden[derived])
        reasons = set(hidden["suppression"]) if len(hidden) else set()
        assert reasons <= {f"fewer than {config.reports.min_cell}", SECONDARY}, reasons


def test_a_suppressed_cell_hides_its_weighted_interval_and_cannot_be_worked_out_from_the_base():
    import pandas as pd

    table = pd.DataFrame({"group": ["A"] * 3 + ["B"] * 3, "category": ["x", "y", "z"] * 2,
                          "n": [3, 20, 30, 12, 15, 40], "base_n": [53] * 3 + [67] * 3})
    table["pct"] = 100 * table["n"] / table["base_n"]
    for column, shift in (("weighted_pct", 0.0), ("weighted_ci_low", -4.0), ("weighted_ci_high", 4.0), ("ci_low", -3.0), ("ci_high", 3.0)):
        table[column] = table["pct"] + shift
    out = suppress_shares(table, 10)
    hidden = out[out["suppressed"]]
    assert set(hidden["category"][hidden["group"] == "A"]) == {"x", "y"}  # y hidden so x is not base minus the rest
    assert hidden.drop(columns=["group", "category", "base_n", "suppressed", "suppression"]).isna().all().all()
    assert dict(zip(hidden["category"], hidden["suppression"])) == {"x": "fewer than 10", "y": SECONDARY}
    for _group, part in out.groupby("group"):
        assert part["suppressed"].sum() != 1  # one hidden cell alone would be the base minus the visible ones


def test_sna_workbook_sheets_have_frozen_filtered_headers_rounded_percentages_and_an_unrounded_data_sheet(app, store, config):
    from openpyxl import load_workbook

    with app.extensions["voice_sessions"]() as session:
        report = build_sna(session, config, 2024)
    book = load_workbook(io.BytesIO(write_xlsx(report)))
    sheet = book["T6 Feel safer"]
    header = next(i for i, r in enumerate(sheet.iter_rows(values_only=True), start=1) if "weighted_pct" in r)
    assert sheet.freeze_panes == f"A{header + 1}" and sheet.auto_filter.ref.startswith(f"A{header}:")
    frame = next(t for t in report.tables if t.key == "topics").frame
    printed = [r[list(frame.columns).index("weighted_pct")] for r in sheet.iter_rows(min_row=header + 1, values_only=True)]
    assert printed == [round(v, 1) for v in frame["weighted_pct"]]
    data = list(book["Data"].iter_rows(values_only=True))
    columns = list(data[0])
    rows = [dict(zip(columns, r)) for r in data[1:] if r[0] == "topics"]
    assert [r["weighted_pct"] for r in rows] == [round(float(v), 4) for v in frame["weighted_pct"]]
    assert any(v != round(v, 1) for v in frame["weighted_pct"])  # the data sheet really holds more precision
    assert book["Data"].freeze_panes == "A2"
