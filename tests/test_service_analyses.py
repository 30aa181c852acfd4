"""Representativeness and weighting runs stored from the response store."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from service.pipeline.periods import quarter_bounds, quarter_of
from service.pipeline.weighting import Limits, run_representativeness, run_weighting
from service.store.db import transaction
from service.store.models import AnalysisRun, Response, ResponseWeight, Source

BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")


def _responses(factory, rows: list[tuple[str, str, str]]) -> None:
    """Store CSS responses with (age band, sex, ethnic group), in the 2023 wave's April."""
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "css"))
        for i, (band, sex, group) in enumerate(rows):
            session.add(Response(source_id=source.id, external_id=f"r{i}", content_hash="x", raw={},
                                 submitted_at=datetime(2023, 4, 3 + i % 20, tzinfo=timezone.utc),
                                 age_band=band, sex=sex, ethnic_group=group, ward="not_stated"))


def _balanced() -> list[tuple[str, str, str]]:
    """One respondent in every age band x sex x ethnic group cell: 70 in all."""
    return [(band, sex, group) for band in BANDS for sex in ("female", "male") for group in ("H1", "H2", "H3", "H4", "H5")]


def test_quarters_are_calendar_quarters():
    assert quarter_of(datetime(2024, 3, 31, 23, tzinfo=timezone.utc)) == "2024Q1"
    start, end = quarter_bounds("2024Q4")
    assert (start.month, end.year, end.month) == (10, 2025, 1)


def test_representativeness_run_compares_each_dimension_and_counts_not_stated(app, config, factory):
    _responses(factory, _balanced() + [("not_stated", "female", "H4")])
    ids = run_representativeness(factory, config, ("age_band", "sex", "ethnic_group"))
    with factory() as session:
        runs = [session.get(AnalysisRun, i) for i in ids]
    whole = next(r for r in runs if r.source_key == "css" and r.parameters["period"] == "all")
    assert {r.parameters["period"] for r in runs} == {"all", "2023Q2"}
    age = next(d for d in whole.result["dimensions"] if d["variable"] == "age_band")
    assert (age["n_stated"], age["n_not_stated"]) == (70, 1)
    assert sum(row["n"] for row in age["table"]) == 70
    assert all(row["base_n"] == 70 for row in age["table"])
    assert whole.result["summary"], "plain-English summary lines are stored with the run"


def test_weighting_run_stores_weights_summing_to_the_population(app, config, factory):
    _responses(factory, _balanced())  # 20% White against 75% in the census: design effect 3.04, so the limit is raised
    [run_id] = run_weighting(factory, config, ("age_band", "sex", "ethnic_group"), cap=5.0, limits=Limits(max_design_effect=4))
    with factory() as session:
        run = session.get(AnalysisRun, run_id)
        total = session.scalar(select(func.sum(ResponseWeight.weight)).where(ResponseWeight.run_id == run_id))
        n = session.scalar(select(func.count()).select_from(ResponseWeight).where(ResponseWeight.run_id == run_id))
    assert run.status == "finished" and run.result["converged"]
    assert n == 70
    achieved = run.result["margins_achieved"]
    population = sum(row["target"] for row in achieved if row["variable"] == "sex")
    assert abs(total - population) / population < 1e-6
    assert run.result["design_effect"] >= 1


def test_weighting_a_group_with_no_respondents_is_a_failed_run_naming_it(app, config, factory):
    _responses(factory, [row for row in _balanced() if row[1] == "female"])
    # Without collapsing (which would leave sex out, tests/test_service_weighting_collapse.py) the run fails.
    [run_id] = run_weighting(factory, config, ("age_band", "sex"), cap=0, limits=Limits(collapse_thin=False))
    with factory() as session:
        run = session.get(AnalysisRun, run_id)
        n_weights = session.scalar(select(func.count()).select_from(ResponseWeight))
    assert run.status == "failed"
    assert "male" in run.result["error"]
    assert n_weights == 0
