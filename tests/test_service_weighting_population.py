"""Issue 20 items 2, 7 and 8 in the service: a target population per channel, calibration that
survives trimming, and when not to weight.

Responses here are team-written (synthetic). The pipeline's real runs are stored in the test
database and read back through pages, the API, the briefing and the SNA workbook.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import weights
from service.cli import main
from service.config import ConfigError, load_config
from service.pipeline.weighting import Limits, run_representativeness, run_weighting
from service.reports.briefing import BriefingRequest, build_briefing
from service.reports.sna import build_sna
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
    Wave,
)

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
CSS_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
WHITE = "H4"  # Census 2021 TS021 high-level group codes: H1 Asian, H2 Black, H3 Mixed, H4 White, H5 Other


def _store(factory, source_key: str, rows: list[tuple[str, str, str]], *, texts: bool = False,
           day: datetime = datetime(2023, 4, 3, 12, tzinfo=UTC)) -> None:
    """Responses of ``source_key`` in one quarter with (age band, sex, ethnic group); with ``texts``
    a coded free text each, every third mentioning "drugs"."""
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == source_key))
        wave = None
        if source_key == "css":  # the survey is weighted by wave, and the SNA reads the wave of its year
            wave = Wave(source_id=source.id, key=str(day.year), name=f"{day.year} survey")
            session.add(wave)
            session.flush()
        question = None
        if texts:
            question = Question(source_id=source.id, key="pop_comment", wording="What would help?", type="free_text")
            session.add(question)
            session.flush()
        for i, (band, sex, group) in enumerate(rows):
            response = Response(source_id=source.id, external_id=f"{source_key}-{i}", content_hash=f"h{i}", raw={},
                                submitted_at=day.replace(day=1 + i % 28), age_band=band, sex=sex, ethnic_group=group,
                                ward="not_stated", is_synthetic=True, wave_id=wave.id if wave else None)
            session.add(response)
            if question is not None:
                text = FreeText(question_id=question.id, original=f"words {i}", redacted=f"words {i}", confidence=0.9)
                response.free_texts.append(text)
                session.flush()
                session.add(TopicCode(free_text_id=text.id, topic="drugs" if i % 3 == 0 else "police_presence",
                                      origin="model", probability=0.8))


def _skewed() -> list[tuple[str, str, str]]:
    """462 CSS respondents: few aged 16-24, 84% White (census 75%): the cap of 5 x mean binds."""
    counts = dict(zip(CSS_BANDS, (12, 30, 60, 90, 110, 100, 60), strict=True))
    people = [(band, "female" if i % 5 < 3 else "male") for band, n in counts.items() for i in range(n)]
    groups = ["H1"] * 23 + ["H2"] * 23 + ["H3"] * 14 + ["H5"] * 14
    groups += [WHITE] * (len(people) - len(groups))
    np.random.default_rng(1).shuffle(groups)
    return [(band, sex, group) for (band, sex), group in zip(people, groups, strict=True)]


def _few_asian() -> list[tuple[str, str, str]]:
    """The skewed sample with only 3 Asian respondents (the others made White)."""
    rows, seen = [], 0
    for band, sex, group in _skewed():
        if group == "H1":
            seen += 1
            group = group if seen <= 3 else WHITE
        rows.append((band, sex, group))
    return rows


@pytest.fixture(autouse=True)
def _no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


def _run(factory, run_id: int) -> AnalysisRun:
    with factory() as session:
        return session.get(AnalysisRun, run_id)


def _final_weights(factory, run_id: int) -> pd.DataFrame:
    with factory() as session:
        rows = session.execute(select(ResponseWeight.weight, Response.age_band, Response.sex, Response.ethnic_group)
                               .join(Response, Response.id == ResponseWeight.response_id)
                               .where(ResponseWeight.run_id == run_id)).all()
    return pd.DataFrame(rows, columns=["weight", "age_band", "sex", "ethnic_group"])


def _census_share(low: int, high: int | None, ages: tuple[int, int]) -> float:
    """Share of Havering residents aged ``ages`` among those aged ``low``..``high``, summed here from
    the single-year TS009 table (independently of the code under test)."""
    table = weights.load_census("havering").sex_age
    top = 200 if high is None else high
    within = table[(table["age"] >= low) & (table["age"] <= top)]
    part = within[(within["age"] >= ages[0]) & (within["age"] <= ages[1])]
    return float(part["count"].sum() / within["count"].sum())


# ---- item 7: a target population per channel ---------------------------------------------------


def test_each_demo_channel_has_its_target_population_and_qr_is_not_taken_for_residents():
    config = load_config(PROJECT / "config.toml", environ={})
    by_key = {s.key: s for s in config.sources}
    assert (by_key["css"].population, by_key["shout"].population, by_key["qr"].population) == ("16+", "11-18", "11-24")
    assert by_key["shout"].population_text("havering") == "Havering residents aged 11 to 18, Census 2021"
    assert by_key["css"].residents and by_key["shout"].residents
    assert not by_key["qr"].residents and not by_key["form"].residents


def test_a_target_population_whose_oldest_age_is_below_its_youngest_is_refused(tmp_path):
    text = (PROJECT / "config.toml").read_text(encoding="utf-8")
    start = text.index("[sources.shout]")
    bad = text[:start] + text[start:].replace("max_age = 18", "max_age = 9", 1)
    (tmp_path / "config.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\.shout\.max_age.*9.*min_age \(11\)"):
        load_config(tmp_path / "config.toml", environ={})


def test_qr_respondents_are_compared_with_residents_aged_11_to_24_and_older_ones_are_left_out(app, config, factory):
    rows = [("13-15", "female", "H1")] * 30 + [("18-21", "male", WHITE)] * 30 + [("35-44", "female", WHITE)] * 20
    _store(factory, "qr", rows, day=datetime(2024, 1, 3, 12, tzinfo=UTC))
    ids = run_representativeness(factory, config, ("age_band", "sex", "ethnic_group"))
    whole = next(r for r in (_run(factory, i) for i in ids) if r.source_key == "qr" and r.parameters["period"] == "all")
    population = whole.result["population"]
    assert population["text"] == "Havering residents aged 11 to 24, Census 2021"
    assert (whole.result["n_respondents"], population["n_outside"]) == (60, 20)
    assert "20 of 80 respondents are outside the target population" in population["outside_note"]
    age = next(d for d in whole.result["dimensions"] if d["variable"] == "age_band")
    levels = {r["level"]: r for r in age["table"]}
    assert set(levels) == {"11-12", "13-15", "16-17", "18-21", "22-24"}  # no 35-44, 65+ ... for an 11-24 channel
    assert levels["13-15"]["population_pct"] == pytest.approx(100 * _census_share(11, 24, (13, 15)), abs=1e-6)
    assert population["coverage"]["ethnic_group"] == "all ages"
    assert any("ethnic group margin is for residents of all ages" in n for n in population["notes"])


def test_the_representativeness_page_prints_the_population_and_marks_all_ages_margins(app, client, config, factory):
    _store(factory, "shout", [("11-12", "female", "H1"), ("13-15", "male", WHITE), ("16-18", "female", "H2")] * 10,
           day=datetime(2023, 10, 3, 12, tzinfo=UTC))
    run_representativeness(factory, config, ("age_band", "sex", "ethnic_group"))
    with transaction(factory) as session:
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    page = client.get("/dashboard/representativeness/?source=shout&period=all").get_data(as_text=True)
    assert "compared with <strong class=\"voice-population\">Havering residents aged 11 to 18, Census 2021</strong>" in page
    assert "Census shares here are for residents of all ages: the census publishes no ethnic group table for ages 11-18" in page


def test_a_channel_whose_respondents_may_not_be_residents_is_not_weighted_and_says_why(app, client, config, factory):
    _store(factory, "qr", [("13-15", "female", "H1"), ("18-21", "male", WHITE), ("22-24", "female", "H2")] * 20,
           texts=True, day=datetime(2024, 1, 3, 12, tzinfo=UTC))
    [run_id] = run_weighting(factory, config, ("age_band", "sex", "ethnic_group"), cap=5.0)
    run = _run(factory, run_id)
    assert run.status == "not_weighted"
    assert "may not live in Havering (the form does not ask)" in run.result["reason"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ResponseWeight)) == 0
    with transaction(factory) as session:
        _client, token = add_api_client(session, "population-test", "analyst")
    body = client.get("/api/v1/topics?source=qr&period=2024Q1", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["ok"] and not body["weighted"]
    assert "2024Q1: QR posters: vendor app respondents may not live in Havering" in body["weighting_reason"]


# ---- item 2: calibration in the pipeline --------------------------------------------------------


def test_the_pipeline_weights_meet_every_margin_after_the_cap_and_diagnostics_are_of_the_final_weights(app, config, factory):
    _store(factory, "css", _skewed())
    [run_id] = run_weighting(factory, config, ("age_band", "sex", "ethnic_group"), cap=5.0)
    run = _run(factory, run_id)
    assert run.status == "finished"
    final = _final_weights(factory, run_id)
    w = final["weight"].to_numpy()
    assert w.max() / w.mean() <= 5 + 1e-9  # the cap holds
    gaps = []
    for target in run.result["margins_achieved"]:
        got = final.loc[final[target["variable"]] == target["level"], "weight"].sum()
        gaps.append(abs(got - target["target"]) / target["target"])
    assert max(gaps) < 1e-6  # rake-then-trim left White at 76.9% against 75.3%
    assert run.method == "calibrate" and run.parameters["bounds"] == [0.0, 5.0] and run.result["n_at_bounds"] > 0
    white = final.loc[final["ethnic_group"] == WHITE, "weight"].sum() / w.sum()
    groups = weights.load_census("havering").ethnicity.set_index("code")["count"]
    assert white == pytest.approx(groups[WHITE] / groups[["H1", "H2", "H3", "H4", "H5"]].sum(), abs=1e-6)
    assert run.result["design_effect"] == pytest.approx(len(w) * (w ** 2).sum() / w.sum() ** 2, rel=1e-9)
    assert run.result["effective_n"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), rel=1e-9)
    assert run.result["max_ratio"] == pytest.approx(w.max() / w.mean(), rel=1e-9)
    assert run.result["max_gap"] == pytest.approx(max(gaps), abs=1e-9)
    assert run.parameters["population_text"] == "Havering residents aged 16 and over, Census 2021"


def test_the_sna_methods_and_evidence_say_what_was_done(app, config, factory):
    from openpyxl import load_workbook

    _store(factory, "css", _skewed(), texts=True)
    [run_id] = run_weighting(factory, config, ("age_band", "sex", "ethnic_group"), cap=5.0)
    run = _run(factory, run_id)
    with factory() as session:
        book = load_workbook(io.BytesIO(write_xlsx(build_sna(session, config, 2023))))
    methods = " ".join(str(v) for row in book["Methodology"].iter_rows(values_only=True) for v in row if v)
    assert (f"Weighting run {run_id}" in methods and "to Havering residents aged 16 and over, Census 2021" in methods
            and "bounded raking (the margins still hold)" in methods)
    values = [list(r) for r in book["T6 Feel safer"].iter_rows(values_only=True)]
    header = next(v for v in values if "evidence" in v)
    cell = next(dict(zip(header, v)) for v in values[values.index(header) + 1:] if dict(zip(header, v))["topic_code"] == "drugs")
    deff = cell["base_n"] / cell["effective_n"]
    assert cell["design_effect"] == pytest.approx(deff, abs=0.01)
    assert cell["evidence"] == (f"n {cell['base_n']:,}, effective n {cell['effective_n']:,.0f}, design effect {deff:.2f}, "
                                f"95% CI {cell['weighted_ci_low']:.1f}-{cell['weighted_ci_high']:.1f}%, Community Safety "
                                "Survey; weighted to Havering residents aged 16 and over, Census 2021")
    assert run.result["effective_n"] < len(_skewed())


# ---- item 8: when not to weight ----------------------------------------------------------------


def test_a_run_resting_on_three_asian_respondents_is_stored_not_weighted_and_shown_so_everywhere(app, client, config, factory):
    _store(factory, "css", _few_asian(), texts=True)
    # With [analysis] collapse_thin = false (the default collapses, tests/test_service_weighting_collapse.py).
    [run_id] = run_weighting(factory, config, ("age_band", "sex", "ethnic_group"), cap=5.0,
                             limits=Limits(collapse_thin=False))
    run = _run(factory, run_id)
    assert run.status == "not_weighted"
    reason = run.result["reason"]
    assert reason.startswith("not weighted: ")
    assert "too few respondents in Asian, Asian British or Asian Welsh (3) to stand for " in reason
    assert "at least 10 needed" in reason
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ResponseWeight)) == 0
        document, _snap = build_briefing(session, config, BriefingRequest("2023Q2"))
        book = write_xlsx(build_sna(session, config, 2023))
    with transaction(factory) as session:
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
        _client, token = add_api_client(session, "limits-test", "analyst")
    body = client.get("/api/v1/topics?source=css&period=2023Q2", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert not body["weighted"] and "too few respondents in Asian, Asian British or Asian Welsh (3)" in body["weighting_reason"]
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    page = client.get("/dashboard/voices/?source=css&period=2023Q2").get_data(as_text=True)
    assert "Not weighted: wave 2023: " in page and "too few respondents in Asian, Asian British or Asian Welsh (3)" in page
    appendix = " ".join(i for b in document.blocks if b.kind == "bullets" for i in b.items)
    assert "Not weighted: Community Safety Survey wave 2023: " in appendix and "(3) to stand for" in appendix
    from openpyxl import load_workbook

    methods = [row for row in load_workbook(io.BytesIO(book))["Methodology"].iter_rows(values_only=True)]
    assert any(r[0] == "Not weighted: css wave 2023" and "too few respondents in Asian" in r[1] for r in methods)


def test_limits_come_from_config_and_a_newer_not_weighted_run_withdraws_older_weights(app, client, config, factory):
    from dataclasses import replace

    _store(factory, "css", _skewed(), texts=True)
    [first] = run_weighting(factory, config, ("age_band", "sex", "ethnic_group"), cap=5.0)
    assert _run(factory, first).status == "finished"
    strict = replace(config, analysis=replace(config.analysis, max_design_effect=1.2, collapse_thin=False))
    [second] = run_weighting(factory, strict, ("age_band", "sex", "ethnic_group"), cap=5.0)
    run = _run(factory, second)
    assert run.status == "not_weighted"
    assert re.search(r"design effect is 1\.\d\d \(limit 1\.2\), so 462 responses would count as only", run.result["reason"])
    with transaction(factory) as session:
        _client, token = add_api_client(session, "limits-test", "analyst")
    body = client.get("/api/v1/topics?source=css&period=2023Q2", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert not body["weighted"] and "2023: the weights' design effect is" in body["weighting_reason"]


def test_the_dashboard_prints_the_population_and_an_evidence_line_for_each_weighted_figure(app, client, config, factory):
    _store(factory, "css", _skewed(), texts=True)
    [run_id] = run_weighting(factory, config, ("age_band", "sex", "ethnic_group"), cap=5.0)
    with transaction(factory) as session:
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
        _client, token = add_api_client(session, "evidence-test", "analyst")
    body = client.get("/api/v1/topics?source=css&period=2023Q2", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["weighted"] and body["weighting_population"] == "Havering residents aged 16 and over, Census 2021"
    row = next(r for r in body["rows"] if r["topic"] == "drugs")
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    page = client.get("/dashboard/voices/?source=css&period=2023Q2").get_data(as_text=True)
    assert "Weighted to <strong class=\"voice-population\">Havering residents aged 16 and over, Census 2021</strong>" in page
    deff = row["base_n"] / row["effective_n"]
    assert (f"n {row['base_n']:,}, effective n {row['effective_n']:,.0f}, design effect {deff:.2f}, "
            "Community Safety Survey") in page
    assert deff > 1.2 and _run(factory, run_id).result["design_effect"] == pytest.approx(deff, rel=0.02)


def test_the_cli_refuses_a_sample_too_small_to_weight_and_warns_on_one_past_the_limits(tmp_path):
    data = PROJECT / "tests" / "data" / "weights"
    small = tmp_path / "small.csv"
    pd.read_csv(data / "synthetic_havering.csv").head(6).to_csv(small, index=False)
    out = tmp_path / "w.csv"
    refused = CliRunner().invoke(main, ["weights", "rake", str(small), "--margins", str(data / "havering_margins.csv"),
                                        "--out", str(out), "--missing", "drop"])
    assert refused.exit_code != 0 and not out.exists()
    assert "too few to weight" in refused.output or "no respondents" in refused.output
    whole = tmp_path / "whole.csv"
    pd.read_csv(data / "synthetic_havering.csv").to_csv(whole, index=False)
    warned = CliRunner().invoke(main, ["weights", "rake", str(whole), "--margins", str(data / "havering_margins.csv"),
                                       "--out", str(out), "--max-design-effect", "1.01"])
    assert warned.exit_code == 0 and out.exists()
    assert "Warning: not weighted: the weights' design effect is" in warned.output
    out.unlink()
    strict = CliRunner().invoke(main, ["weights", "rake", str(whole), "--margins", str(data / "havering_margins.csv"),
                                       "--out", str(out), "--max-design-effect", "1.01", "--strict"])
    assert strict.exit_code != 0 and not out.exists() and "Nothing was written (--strict)" in strict.output
