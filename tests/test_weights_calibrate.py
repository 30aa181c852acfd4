"""calibrate: bounded raking keeps the margins; missing demographics as a category give unique weights."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weights import (
    ShareDesign,
    bootstrap_calibrated,
    calibrate,
    estimate_share,
    rake,
    read_margins,
    trim_weights,
)

DATA = Path(__file__).parent / "data" / "weights"


def havering_like() -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """418 synthetic respondents skewed like Havering's survey (94% over 25, 94% White, 64% female)."""
    frame = pd.read_csv(DATA / "synthetic_havering.csv").set_index("id").iloc[:418].copy()
    frame["white"] = np.where(frame["ethnic_group"] == "H4", "H4", "other")
    census = read_margins(DATA / "havering_margins.csv")
    ethnic = census.population("ethnic_group")
    margins = {"age_band": census.population("age_band").to_dict(), "sex": census.population("sex").to_dict(),
               "white": {"H4": float(ethnic["H4"]), "other": float(ethnic.sum() - ethnic["H4"])}}
    return frame, margins


def share_white(frame: pd.DataFrame, weights: pd.Series) -> float:
    return float(weights[frame["white"] == "H4"].sum() / weights.sum())


def test_bounded_calibration_keeps_every_margin_where_trimming_loses_them():
    frame, margins = havering_like()
    census_white = margins["white"]["H4"] / sum(margins["white"].values())
    raked = rake(frame, margins).weights
    trimmed = trim_weights(raked, lower=0.3 * raked.mean(), upper=5 * raked.mean()).weights
    assert share_white(frame, trimmed) - census_white > 0.02  # trimmed after raking: off the census
    result = calibrate(frame, margins, bounds=(0.3, 5))
    ratio = result.weights / result.weights.mean()
    assert result.converged and result.max_gap < 1e-8
    assert ratio.min() >= 0.3 - 1e-9 and ratio.max() <= 5 + 1e-9 and result.n_at_bounds > 0
    assert share_white(frame, result.weights) == pytest.approx(census_white, abs=1e-9)
    achieved = result.margins_achieved
    np.testing.assert_allclose(achieved["achieved"], achieved["target"], rtol=1e-8)


def test_bounds_no_weights_can_meet_are_reported_not_hidden():
    frame, margins = havering_like()
    result = calibrate(frame, margins, bounds=(0.3, 3))
    assert not result.converged and result.max_gap > 0.05
    worst = result.margins_achieved.assign(rel=lambda t: (t["gap"] / t["target"]).abs())
    assert worst["rel"].max() == pytest.approx(result.max_gap)  # measured on the final weights


def missing_sample(seed: int, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = pd.DataFrame({"age": ["young", "mid", "old"] * 2, "sex": ["f", "m", "f", "m", "f", "m"],
                         "area": ["a", "b", "c", "a", "b", "c"]})
    extra = pd.DataFrame({"age": rng.choice(["young", "mid", "old"], n, p=[0.1, 0.3, 0.6]),
                          "sex": rng.choice(["f", "m"], n, p=[0.7, 0.3]),
                          "area": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])})
    frame = pd.concat([base, extra], ignore_index=True)
    frame.loc[rng.random(len(frame)) < 0.15, "age"] = "not_stated"
    frame.loc[rng.random(len(frame)) < 0.1, "sex"] = np.nan
    frame.index = [f"r{i}" for i in range(len(frame))]
    return frame


MARGINS = {"age": {"young": 300.0, "mid": 400.0, "old": 300.0}, "sex": {"f": 520.0, "m": 480.0},
           "area": {"a": 400.0, "b": 350.0, "c": 250.0}}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_weights_with_missing_demographics_do_not_depend_on_any_order(data_seed, order_seed):
    frame = missing_sample(data_seed)
    rng = np.random.default_rng(order_seed)
    reference = calibrate(frame, MARGINS, tol=1e-13).weights
    variables = list(rng.permutation(list(MARGINS)))
    margins = {v: dict(sorted(MARGINS[v].items(), key=lambda _: rng.random())) for v in variables}
    rows = frame.iloc[rng.permutation(len(frame))][list(rng.permutation(list(frame.columns)))]
    again = calibrate(rows, margins, variables, tol=1e-13).weights
    np.testing.assert_allclose(again.loc[reference.index], reference, rtol=1e-9)
    assert reference.sum() == pytest.approx(1000.0)


def test_respondents_missing_age_keep_their_share_of_the_weight():
    frame = missing_sample(3)
    result = calibrate(frame, MARGINS)
    missing = (frame["age"] == "not_stated").to_numpy()
    assert result.weights[missing].sum() / 1000.0 == pytest.approx(missing.mean())
    stated = result.margins_achieved.query("variable == 'age' and level != 'not_stated'")
    np.testing.assert_allclose(stated["achieved"] / stated["achieved"].sum(), [0.3, 0.4, 0.3])


def test_rao_wu_bootstrap_of_the_whole_procedure_is_unbiased():
    rng = np.random.default_rng(11)
    n = 800
    frame = pd.DataFrame({"age": rng.choice(["young", "mid", "old"], n, p=[0.15, 0.35, 0.5]),
                          "sex": rng.choice(["f", "m"], n, p=[0.66, 0.34]),
                          "area": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])})
    young = (frame["age"] == "young").to_numpy()
    frame.loc[rng.random(n) < np.where(young, 0.3, 0.08), "age"] = "not_stated"
    y = (rng.random(n) < np.where(young, 0.5, 0.2)).astype(float)
    result = calibrate(frame, MARGINS)
    estimate = float(result.weights @ y / result.weights.sum())
    reps = bootstrap_calibrated(frame, MARGINS, n_replicates=150, seed=5)
    replicates = reps.weights @ y / reps.weights.sum(axis=1)
    se_boot = float(replicates.std(ddof=1))
    assert abs(replicates.mean() - estimate) < 0.25 * se_boot
    linear = estimate_share(y, result.weights, design=ShareDesign(frame[list(MARGINS)]))
    assert se_boot == pytest.approx(linear.se, rel=0.25)


def test_calibrate_refuses_an_unknown_missing_policy():
    with pytest.raises(ValueError, match="missing='margin'; expected 'category', 'drop' or 'error'"):
        calibrate(missing_sample(1), MARGINS, missing="margin")
