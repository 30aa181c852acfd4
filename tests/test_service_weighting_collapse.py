"""Thin categories collapsed before a weighting run is refused ([analysis] collapse_thin), in the
pipeline and where pages, the API and the SNA workbook print how a run was weighted.

Responses are team-written (synthetic), stored in the test database (SQLite, or PostgreSQL with
VOICE_TEST_DATABASE_URL) and read back through the real app.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import weights
from service.pipeline.weighting import run_weighting
from service.reports.sna import build_sna
from service.reports.workbook import write_xlsx
from service.store.accounts import add_api_client, add_user
from service.store.db import transaction
from service.store.models import AnalysisRun, Response, ResponseWeight
from tests.test_service_weighting_population import WHITE, _few_asian, _skewed, _store

PASSWORD = "correct horse battery"
VARIABLES = ("age_band", "sex", "ethnic_group")


@pytest.fixture(autouse=True)
def _no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


def _havering_like() -> list[tuple[str, str, str]]:
    """The skewed sample with only 3 Asian, 4 Black, 2 Mixed and 2 Other respondents (11), the rest White."""
    kept = {"H1": 3, "H2": 4, "H3": 2, "H5": 2}
    rows = []
    for band, sex, group in _skewed():
        if group != WHITE:
            kept[group] -= 1
            group = group if kept[group] >= 0 else WHITE
        rows.append((band, sex, group))
    return rows


def _run(factory, run_id: int) -> AnalysisRun:
    with factory() as session:
        return session.get(AnalysisRun, run_id)


def _final(factory, run_id: int) -> pd.DataFrame:
    with factory() as session:
        rows = session.execute(select(ResponseWeight.weight, Response.age_band, Response.sex, Response.ethnic_group)
                               .join(Response, Response.id == ResponseWeight.response_id)
                               .where(ResponseWeight.run_id == run_id)).all()
    return pd.DataFrame(rows, columns=["weight", "age_band", "sex", "ethnic_group"])


def _census_white() -> float:
    groups = weights.load_census("havering").ethnicity.set_index("code")["count"]
    return float(groups[WHITE] / groups[["H1", "H2", "H3", "H4", "H5"]].sum())


def test_three_asian_respondents_are_combined_with_the_other_minority_groups_and_the_run_is_weighted(app, config, factory):
    _store(factory, "css", _few_asian(), texts=True)
    [run_id] = run_weighting(factory, config, VARIABLES, cap=5.0)
    run = _run(factory, run_id)
    assert run.status == "finished"
    collapse = run.result["collapse"]
    assert collapse["variables"] == list(VARIABLES) and collapse["dropped"] == []
    [step] = collapse["steps"]
    assert step["into"] == "minority" and step["n"] == 3 + 23 + 14 + 14
    assert run.result["methods"] == ("weighted to age, sex and ethnic group; ethnic groups other than White combined, "
                                     "because only 54 respondents were from them")
    final = _final(factory, run_id)
    white = final.loc[final["ethnic_group"] == WHITE, "weight"].sum() / final["weight"].sum()
    assert white == pytest.approx(_census_white(), abs=1e-6)  # the merged margin holds on the stored weights
    assert run.result["design_effect"] == pytest.approx(len(final) * (final["weight"] ** 2).sum()
                                                        / final["weight"].sum() ** 2, rel=1e-9)
    assert run.result["max_gap"] < 1e-6


def test_eleven_minority_respondents_leave_ethnic_group_out_and_every_output_says_so(app, client, config, factory):
    _store(factory, "css", _havering_like(), texts=True)
    [run_id] = run_weighting(factory, config, VARIABLES, cap=5.0)
    run = _run(factory, run_id)
    assert run.status == "finished"
    assert run.result["collapse"]["variables"] == ["age_band", "sex"]
    [dropped] = run.result["collapse"]["dropped"]
    assert dropped["variable"] == "ethnic_group" and "(11 respondents)" in dropped["reason"]
    methods = run.result["methods"]
    assert methods.startswith("weighted to age and sex; ethnic group left out of the weighting, because with it ")
    final = _final(factory, run_id)
    assert {m["variable"] for m in run.result["margins_achieved"]} == {"age_band", "sex"}
    assert len(final) == len(_havering_like()) and run.result["effective_n"] < len(final)
    with transaction(factory) as session:
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
        _client, token = add_api_client(session, "collapse-test", "analyst")
    body = client.get("/api/v1/topics?source=css&period=2023Q2", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["weighted"] and f"wave 2023: {methods}." in body["weighting_note"]
    client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD})
    page = client.get("/dashboard/voices/?source=css&period=2023Q2").get_data(as_text=True)
    assert "weighted to age and sex; ethnic group left out of the weighting, because with it" in page
    assert f"Effective sample size {body['n_effective']}" in page
    with factory() as session:
        book = load_workbook(io.BytesIO(write_xlsx(build_sna(session, config, 2023))))
    rows = {r[0]: r[1] for r in book["Methodology"].iter_rows(values_only=True) if r and r[0]}
    sheet = rows[f"Weighting run {run_id}"]
    assert "calibrate on age_band, sex to Havering residents aged 16 and over" in sheet
    assert "Weighted to age and sex; ethnic group left out of the weighting" in sheet


def test_collapse_thin_false_keeps_the_refusal(app, config, factory):
    from dataclasses import replace

    _store(factory, "css", _havering_like())
    strict = replace(config, analysis=replace(config.analysis, collapse_thin=False))
    [run_id] = run_weighting(factory, strict, VARIABLES, cap=5.0)
    run = _run(factory, run_id)
    assert run.status == "not_weighted" and "too few respondents in Asian, Asian British or Asian Welsh (3)" in run.result["reason"]
    assert "collapse" not in run.result and run.parameters["limits"]["collapse_thin"] is False


def test_nothing_left_to_weight_on_is_not_weighted_with_the_reason(app, config, factory):
    rows = [("16-24", "female", WHITE)] * 6 + [("75+", "male", "H1")] * 3
    _store(factory, "css", rows)
    [run_id] = run_weighting(factory, config, VARIABLES, cap=5.0)
    run = _run(factory, run_id)
    assert run.status == "not_weighted"
    assert run.result["reason"].startswith("not weighted: nothing is left to weight on after combining thin categories (")
    assert "age: all its categories had to be combined into one" in run.result["reason"]
    with factory() as session:
        assert session.scalar(select(ResponseWeight.weight).where(ResponseWeight.run_id == run_id)) is None


def test_config_reads_collapse_thin(tmp_path):
    from pathlib import Path

    from service.config import ConfigError, load_config

    text = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
    assert load_config(Path(__file__).resolve().parent.parent / "config.toml", environ={}).analysis.collapse_thin
    assert "collapse_thin = true" in text
    off = text.replace("collapse_thin = true", "collapse_thin = false", 1)
    (tmp_path / "config.toml").write_text(off, encoding="utf-8")
    assert not load_config(tmp_path / "config.toml", environ={}).analysis.collapse_thin
    (tmp_path / "config.toml").write_text(off.replace("collapse_thin = false", 'collapse_thin = "yes"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="collapse_thin"):
        load_config(tmp_path / "config.toml", environ={})
