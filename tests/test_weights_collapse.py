"""Collapsing thin categories before weighting (weights/collapse.py). Team-written synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weights import Margins, calibrate_collapsing, collapse_thin

BANDS = ("16-24", "25-44", "45-64", "65+")
AGE_POP = (25_000, 60_000, 55_000, 45_000)
GROUPS = ("H1", "H2", "H3", "H4", "H5")
GROUP_POP = (15_000, 15_000, 6_000, 140_000, 9_000)
GROUP_LABELS = ("Asian", "Black", "Mixed", "White", "Other")


def _margins(order: np.ndarray | None = None) -> Margins:
    rows = [("age_band", b, float(p), b) for b, p in zip(BANDS, AGE_POP, strict=True)]
    rows += [("sex", "female", 95_000.0, "Female"), ("sex", "male", 90_000.0, "Male")]
    rows += [("ethnic_group", g, float(p), label) for g, p, label in zip(GROUPS, GROUP_POP, GROUP_LABELS, strict=True)]
    table = pd.DataFrame(rows, columns=["variable", "level", "population", "label"])
    if order is not None:
        table = table.iloc[order].reset_index(drop=True)
    return Margins(table, 185_000.0)


def _sample(groups: dict[str, int], ages: dict[str, int], seed: int = 4) -> pd.DataFrame:
    """Respondents with exactly these counts per ethnic group and age band, shuffled together."""
    rng = np.random.default_rng(seed)
    eth = [g for g, n in groups.items() for _ in range(n)]
    age = [b for b, n in ages.items() for _ in range(n)]
    assert len(eth) == len(age)
    rng.shuffle(eth)
    sex = ["female" if i % 5 < 3 else "male" for i in range(len(eth))]
    return pd.DataFrame({"age_band": age, "sex": sex, "ethnic_group": eth}, index=pd.RangeIndex(len(eth), name="id"))


def _achieved_share(frame: pd.DataFrame, w: pd.Series, variable: str, level: str) -> float:
    return float(w[frame[variable] == level].sum() / w.sum())


def test_thin_minority_groups_merge_together_and_the_merged_margins_hold():
    # 20 Asian respondents stay; Black 6, Mixed 2 and Other 3 (11) are thin and merge into one group.
    frame = _sample({"H1": 20, "H2": 6, "H3": 2, "H5": 3, "H4": 169}, {"16-24": 30, "25-44": 60, "45-64": 60, "65+": 50})
    done = calibrate_collapsing(frame, _margins(), bounds=(0.0, 5.0), max_design_effect=3, max_weight=10, min_cell=10)
    assert done.variables == ("age_band", "sex", "ethnic_group") and done.dropped == ()
    [step] = done.steps
    assert step.merged == ("H2", "H3", "H5") and step.n == 11
    assert step.label == "Black, Mixed and Other ethnic groups together"
    assert "Black, Mixed and Other ethnic groups combined, because only 11 respondents were from them" in done.methods
    assert done.methods.startswith("weighted to age, sex and ethnic group; ")
    assert done.fit is not None and done.fit.converged
    w = done.fit.weights
    merged = done.fit.margins_achieved
    assert set(merged.loc[merged["variable"] == "ethnic_group", "level"]) == {"H1", "H4", "H2+H3+H5"}
    collapsed = collapse_thin(frame, _margins(), 10).frame
    assert _achieved_share(collapsed, w, "ethnic_group", "H2+H3+H5") == pytest.approx(30_000 / 185_000, abs=1e-6)
    assert _achieved_share(collapsed, w, "ethnic_group", "H1") == pytest.approx(15_000 / 185_000, abs=1e-6)
    assert _achieved_share(collapsed, w, "age_band", "16-24") == pytest.approx(25_000 / 185_000, abs=1e-6)


def test_all_minority_groups_combine_when_the_thin_ones_together_are_still_thin_and_adjacent_ages_merge():
    frame = _sample({"H1": 12, "H2": 4, "H3": 2, "H5": 2, "H4": 380}, {"16-24": 6, "25-44": 120, "45-64": 150, "65+": 124})
    done = collapse_thin(frame, _margins(), 10)
    by_variable = {s.variable: s for s in done.steps}
    assert by_variable["ethnic_group"].into == "minority" and by_variable["ethnic_group"].n == 20
    assert by_variable["ethnic_group"].label == "Asian, Black, Mixed and Other ethnic groups together"
    assert by_variable["ethnic_group"].sentence == ("ethnic groups other than White combined, because only 20 "
                                                    "respondents were from them")
    assert by_variable["age_band"].merged == ("16-24", "25-44") and by_variable["age_band"].label == "16-44"
    assert by_variable["age_band"].sentence == "ages 16-24 and 25-44 combined as 16-44, because only 6 respondents were aged 16-24"
    table = done.margins.table
    assert table.loc[(table["variable"] == "ethnic_group") & (table["level"] == "minority"), "population"].item() == 45_000
    assert table.loc[(table["variable"] == "age_band") & (table["level"] == "16-44"), "population"].item() == 85_000
    assert done.margins.population("age_band").sum() == pytest.approx(185_000)
    assert done.still_thin == {}


def test_a_variable_that_still_fails_is_dropped_with_its_reason():
    # 11 respondents from minority groups against 24% of residents: no weights within 5 x the mean can
    # reach that, so ethnic group is left out and the run weights on age and sex only.
    frame = _sample({"H1": 3, "H2": 4, "H3": 2, "H5": 2, "H4": 407}, {"16-24": 30, "25-44": 120, "45-64": 140, "65+": 128})
    done = calibrate_collapsing(frame, _margins(), bounds=(0.0, 5.0), max_design_effect=3, max_weight=10, min_cell=10)
    assert done.variables == ("age_band", "sex")
    [(variable, why)] = done.dropped
    assert variable == "ethnic_group"
    assert why.startswith("with it the weights do not meet the margins (largest gap ")
    assert why.endswith("even with Asian, Black, Mixed and Other ethnic groups together (11 respondents)")
    assert done.methods.startswith("weighted to age and sex; ethnic group left out of the weighting, because with it")
    assert done.fit is not None and done.verdict is not None and done.verdict.is_ok
    assert done.fit.max_gap < 1e-6  # the margins of what is kept hold
    assert set(done.fit.margins_achieved["variable"]) == {"age_band", "sex"}


def test_a_variable_thin_even_after_collapsing_is_dropped_and_says_how_many():
    frame = _sample({"H1": 20, "H2": 20, "H3": 20, "H5": 20, "H4": 120}, {"16-24": 30, "25-44": 60, "45-64": 60, "65+": 50})
    frame["sex"] = "female"
    frame.loc[frame.index[:4], "sex"] = "male"
    done = calibrate_collapsing(frame, _margins(), bounds=(0.0, 5.0), min_cell=10)
    assert done.variables == ("age_band", "ethnic_group")
    assert done.dropped == (("sex", "only 4 respondents in Male"),)
    assert "sex left out of the weighting, because only 4 respondents in Male" in done.methods


def test_nothing_left_is_not_weighted_with_every_reason():
    frame = _sample({"H1": 1, "H2": 1, "H3": 1, "H5": 1, "H4": 8}, {"16-24": 3, "25-44": 3, "45-64": 3, "65+": 3})
    done = calibrate_collapsing(frame, _margins(), bounds=(0.0, 5.0), min_cell=10)
    assert done.fit is None and done.variables == ()
    assert done.reason.startswith("not weighted: nothing is left to weight on after combining thin categories (")
    for words in ("age: all its categories had to be combined into one", "sex: only ", "ethnic group: only 8 respondents in White and 4 respondents in "
                  "Asian, Black, Mixed and Other ethnic groups together even after combining"):
        assert words in done.reason


def test_the_weights_do_not_depend_on_the_order_of_respondents_categories_or_margin_rows():
    frame = _sample({"H1": 20, "H2": 6, "H3": 2, "H5": 3, "H4": 169}, {"16-24": 7, "25-44": 60, "45-64": 73, "65+": 60})
    frame.loc[frame.index[::17], "sex"] = "not_stated"
    base = calibrate_collapsing(frame, _margins(), bounds=(0.0, 5.0), min_cell=10)
    assert base.fit is not None and len(base.steps) == 2
    table = _margins().table
    rng = np.random.default_rng(11)
    for _ in range(3):
        shuffled = frame.iloc[rng.permutation(len(frame))]
        # categories shuffled within each variable: the same methods sentence and weights
        within = np.concatenate([rng.permutation(np.flatnonzero(table["variable"] == v)) for v in table["variable"].unique()])
        other = calibrate_collapsing(shuffled, _margins(within), bounds=(0.0, 5.0), min_cell=10)
        assert other.fit is not None and other.methods == base.methods
        np.testing.assert_allclose(other.fit.weights.loc[base.fit.weights.index], base.fit.weights, rtol=1e-9)
        # every margin row shuffled (so the variables' order too): the same weights and variables
        anyhow = calibrate_collapsing(shuffled, _margins(rng.permutation(len(table))), bounds=(0.0, 5.0), min_cell=10)
        assert anyhow.fit is not None and set(anyhow.variables) == set(base.variables)
        np.testing.assert_allclose(anyhow.fit.weights.loc[base.fit.weights.index], base.fit.weights, rtol=1e-9)
