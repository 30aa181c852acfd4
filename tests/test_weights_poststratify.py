"""Post-stratification: agreement with R survey::postStratify, collapsing, invariants."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weights import EmptyCategoryError, UnknownCategoryError, poststratify

DATA = Path(__file__).parent / "data" / "weights"


def reference_weights(dataset: str, method: str) -> pd.Series:
    ref = pd.read_csv(DATA / "reference_weights.csv", dtype={"id": str})
    return ref[(ref["dataset"] == dataset) & (ref["method"] == method)].set_index("id")["weight"]


def test_poststratify_matches_r_on_synthetic_age_by_sex_cells():
    frame = pd.read_csv(DATA / "synthetic_havering.csv").set_index("id")
    result = poststratify(frame, pd.read_csv(DATA / "havering_cells_age_sex.csv"))
    expected = reference_weights("synthetic", "poststratify").loc[result.weights.index]
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert result.n_collapsed == 0 and result.max_gap < 1e-12


def test_poststratify_matches_r_on_api_with_design_weights():
    frame = pd.read_csv(DATA / "api_strat.csv")
    frame.index = frame["snum"].astype(str)
    cells = pd.DataFrame({"stype": ["E", "H", "M"], "population": [4421, 755, 1018]})
    result = poststratify(frame, cells, design_weights="pw")
    expected = reference_weights("api", "poststratify").loc[result.weights.index]
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-12)


def cells_3x2() -> pd.DataFrame:
    return pd.DataFrame({"age_band": ["16-34", "16-34", "35-64", "35-64", "65+", "65+"],
                         "sex": ["female", "male"] * 3, "population": [10.0, 12.0, 20.0, 18.0, 9.0, 6.0]})


def test_poststratify_collapses_an_empty_cell_into_its_age_neighbour_and_reports_it():
    frame = pd.DataFrame({"age_band": ["16-34", "16-34", "35-64", "35-64", "65+"],
                          "sex": ["female", "male", "female", "male", "female"]})
    result = poststratify(frame, cells_3x2())
    assert result.n_collapsed == 1
    row = result.collapsed.iloc[0]
    assert row["cell"] == "age_band='65+', sex='male'"
    assert row["merged_with"] == "age_band='35-64', sex='male'" and row["along"] == "age_band"
    assert result.weights.sum() == pytest.approx(75.0)
    assert result.weights.iloc[3] == pytest.approx(24.0)  # 18 + 6 for the merged male 35+ cell


def test_poststratify_without_collapsing_an_empty_cell_is_an_error_naming_it():
    frame = pd.DataFrame({"age_band": ["16-34", "16-34", "35-64", "35-64", "65+"],
                          "sex": ["female", "male", "female", "male", "female"]})
    with pytest.raises(EmptyCategoryError, match="cell age_band='65\\+', sex='male' has population 6.0"):
        poststratify(frame, cells_3x2(), min_respondents=0)


def test_poststratify_respondent_in_a_cell_missing_from_the_table_names_it():
    frame = pd.DataFrame({"age_band": ["16-34", "90+"], "sex": ["female", "male"]})
    with pytest.raises(UnknownCategoryError, match="category '90\\+'"):
        poststratify(frame, cells_3x2())


def test_poststratify_missing_margin_policy_keeps_incomplete_respondents_at_their_share():
    frame = pd.DataFrame({"age_band": ["16-34", "16-34", "35-64", "35-64", "65+", "65+", "not_stated", "16-34"],
                          "sex": ["female", "male", "female", "male", "female", "male", "female", "female"]})
    result = poststratify(frame, cells_3x2())
    assert result.n_missing["age_band"] == 1
    assert result.weights.iloc[6] == pytest.approx(75.0 / 8)
    assert result.weights.sum() == pytest.approx(75.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["16-34", "35-64", "65+"]), st.sampled_from(["female", "male"])),
                max_size=40), st.randoms(use_true_random=False))
def test_poststratify_property_reproduces_every_cell_and_permutes_with_respondents(rows, rnd):
    rows = [(a, s) for a in ["16-34", "35-64", "65+"] for s in ["female", "male"]] + rows
    frame = pd.DataFrame(rows, columns=["age_band", "sex"])
    cells = cells_3x2()
    w = poststratify(frame, cells).weights
    assert (w > 0).all()
    got = w.groupby([frame["age_band"], frame["sex"]]).sum()
    for row in cells.itertuples():
        assert got[(row.age_band, row.sex)] == pytest.approx(row.population, rel=1e-12)
    order = list(frame.index)
    rnd.shuffle(order)
    np.testing.assert_allclose(poststratify(frame.loc[order], cells).weights.loc[frame.index], w, rtol=1e-12)
