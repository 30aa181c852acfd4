"""Raking: agreement with R survey::rake, invariants, errors and the missing-demographics policy."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weights import (
    ConvergenceError,
    EmptyCategoryError,
    MissingDemographicsError,
    UnknownCategoryError,
    WeightingError,
    rake,
    read_margins,
)

DATA = Path(__file__).parent / "data" / "weights"
API_MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}


def reference_weights(dataset: str, method: str) -> pd.Series:
    ref = pd.read_csv(DATA / "reference_weights.csv", dtype={"id": str})
    rows = ref[(ref["dataset"] == dataset) & (ref["method"] == method)]
    return rows.set_index("id")["weight"]


def synthetic() -> pd.DataFrame:
    return pd.read_csv(DATA / "synthetic_havering.csv").set_index("id")


def api() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "api_strat.csv")
    return frame.set_index(frame["snum"].astype(str))


def test_rake_matches_r_survey_rake_on_the_skewed_synthetic_survey():
    result = rake(synthetic(), read_margins(DATA / "havering_margins.csv"))
    expected = reference_weights("synthetic", "rake").loc[result.weights.index]
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert result.converged


def test_rake_matches_r_survey_rake_on_api_with_design_weights():
    frame = api()
    result = rake(frame, API_MARGINS, design_weights="pw")
    expected = reference_weights("api", "rake").loc[result.weights.index]
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_rake_reports_margins_achieved_and_diagnostics():
    result = rake(synthetic(), read_margins(DATA / "havering_margins.csv"))
    table = result.margins_achieved
    assert (table["gap"].abs() / table["target"]).max() < 1e-9
    assert result.max_gap < result.tol
    assert result.diagnostics.design_effect > 1
    assert result.weights.sum() == pytest.approx(209_732, rel=1e-12)


def test_rake_category_with_population_but_no_respondents_names_it():
    frame = pd.DataFrame({"sex": ["female", "female"], "age_band": ["16-24", "25+"]})
    margins = {"sex": {"female": 50, "male": 50}, "age_band": {"16-24": 40, "25+": 60}}
    with pytest.raises(EmptyCategoryError, match="variable 'sex': category 'male' has population 50.0"):
        rake(frame, margins)


def test_rake_respondents_in_a_category_without_population_names_it():
    frame = pd.DataFrame({"sex": ["female", "male", "other"]})
    with pytest.raises(UnknownCategoryError, match="variable 'sex': 1 respondent\\(s\\) have category 'other'"):
        rake(frame, {"sex": {"female": 50, "male": 50}})


def test_rake_non_convergence_is_an_error_naming_the_variable_when_strict():
    frame = synthetic()
    with pytest.raises(ConvergenceError, match="raking did not converge in 1 sweeps: variable"):
        rake(frame, read_margins(DATA / "havering_margins.csv"), max_iter=1)
    result = rake(frame, read_margins(DATA / "havering_margins.csv"), max_iter=1, strict=False)
    assert not result.converged and result.n_iter == 1


def test_rake_missing_drop_leaves_incomplete_cases_out_as_r_does():
    frame = synthetic()
    frame.loc[frame.index[:30], "ethnic_group"] = "not_stated"
    result = rake(frame, read_margins(DATA / "havering_margins.csv"), missing="drop")
    assert result.n_dropped == 30 and result.n_missing["ethnic_group"] == 30
    assert result.weights.iloc[:30].isna().all()
    assert result.weights.sum() == pytest.approx(209_732, rel=1e-12)


def test_rake_missing_margin_keeps_everyone_and_matches_stated_shares():
    frame = synthetic()
    frame.loc[frame.index[:30], "ethnic_group"] = None
    result = rake(frame, read_margins(DATA / "havering_margins.csv"))
    w = result.weights
    assert w.notna().all() and w.sum() == pytest.approx(209_732, rel=1e-12)
    stated = frame["ethnic_group"].notna()
    shares = w[stated].groupby(frame.loc[stated, "ethnic_group"]).sum() / w[stated].sum()
    pop = read_margins(DATA / "havering_margins.csv").population("ethnic_group")
    np.testing.assert_allclose(shares[pop.index], pop / pop.sum(), rtol=1e-8)


def test_rake_missing_error_policy_counts_the_missing():
    frame = pd.DataFrame({"sex": ["female", "not_stated", "male"]})
    with pytest.raises(MissingDemographicsError, match="variable 'sex': 1 respondent\\(s\\) are 'not_stated'"):
        rake(frame, {"sex": {"female": 1, "male": 1}}, missing="error")


def test_rake_does_not_mutate_its_input():
    frame = synthetic()
    before = frame.copy()
    rake(frame, read_margins(DATA / "havering_margins.csv"))
    pd.testing.assert_frame_equal(frame, before)


def test_rake_categorical_and_string_columns_give_the_same_weights():
    frame = synthetic()
    margins = read_margins(DATA / "havering_margins.csv")
    a = rake(frame, margins).weights
    b = rake(frame.astype({"ward": "category", "sex": "category"}), margins).weights
    np.testing.assert_allclose(a, b, rtol=1e-12)


samples = st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("xy"), st.floats(0.2, 5.0)),
                   min_size=0, max_size=60)


def _covering(rows: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    """Add one respondent to every (g, h) cell, so that the margins can always be reached."""
    return [(g, h, 1.0) for g in "abc" for h in "xy"] + rows


@settings(max_examples=40, deadline=None)
@given(samples, st.randoms(use_true_random=False))
def test_rake_property_reproduces_every_margin_positive_and_permutation_equivariant(rows, rnd):
    frame = pd.DataFrame(_covering(rows), columns=["g", "h", "d"])
    margins = {"g": {"a": 30.0, "b": 50.0, "c": 20.0}, "h": {"x": 45.0, "y": 55.0}}
    result = rake(frame, margins, design_weights="d", tol=1e-12, max_iter=5000)
    w = result.weights
    assert (w > 0).all()
    for var, pop in margins.items():
        got = w.groupby(frame[var]).sum()
        for level, value in pop.items():
            assert got[level] == pytest.approx(value, rel=1e-9)
    order = list(frame.index)
    rnd.shuffle(order)
    shuffled = rake(frame.loc[order], margins, design_weights="d", tol=1e-12, max_iter=5000).weights
    np.testing.assert_allclose(shuffled.loc[frame.index], w, rtol=1e-9)


def test_rake_refuses_a_single_respondent():
    frame = pd.DataFrame({"sex": ["female"]})
    with pytest.raises(WeightingError, match="at least 2 respondents with the weighting variables; got 1"):
        rake(frame, {"sex": {"female": 50.0}})


def test_rake_notes_a_level_resting_on_one_respondent():
    frame = pd.DataFrame({"sex": ["female"] * 5 + ["male"]})
    result = rake(frame, {"sex": {"female": 50.0, "male": 50.0}})
    assert result.weights.iloc[-1] == pytest.approx(50.0)
    assert any("level 'male' has one respondent" in note for note in result.notes)
