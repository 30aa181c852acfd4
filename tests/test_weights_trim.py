"""Trimming: R trimWeights and calibrate(calfun="raking", bounds=...) agreement, design-effect target."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weights import (
    ConvergenceError,
    rake,
    rake_bounded,
    read_margins,
    trim_to_design_effect,
    trim_weights,
)

DATA = Path(__file__).parent / "data" / "weights"
API_MARGINS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}


def reference_weights(dataset: str, method: str) -> pd.Series:
    ref = pd.read_csv(DATA / "reference_weights.csv", dtype={"id": str})
    return ref[(ref["dataset"] == dataset) & (ref["method"] == method)].set_index("id")["weight"]


def synthetic() -> pd.DataFrame:
    return pd.read_csv(DATA / "synthetic_havering.csv").set_index("id")


def test_trim_weights_matches_r_trimweights_single_pass_and_strict():
    raked = rake(synthetic(), read_margins(DATA / "havering_margins.csv")).weights
    mean = raked.mean()
    for method, strict in (("trim_0.3_5", False), ("trim_0.3_5_strict", True)):
        result = trim_weights(raked, 0.3 * mean, 5 * mean, strict=strict)
        expected = reference_weights("synthetic", method).loc[raked.index]
        np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-9)
        assert result.n_trimmed > 0
        assert result.weights.sum() == pytest.approx(raked.sum(), rel=1e-12)


def test_trim_weights_matches_r_on_api():
    frame = pd.read_csv(DATA / "api_strat.csv")
    frame.index = frame["snum"].astype(str)
    raked = rake(frame, API_MARGINS, design_weights="pw").weights
    result = trim_weights(raked, 0.5 * raked.mean(), 1.2 * raked.mean())
    expected = reference_weights("api", "trim_0.5_1.2").loc[raked.index]
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_rake_bounded_matches_r_calibrate_raking_with_binding_bounds():
    result = rake_bounded(synthetic(), read_margins(DATA / "havering_margins.csv"), (0.2, 8))
    expected = reference_weights("synthetic", "calibrate_raking_0.2_8").loc[result.weights.index]
    # R stopped at its epsilon 1e-7; the fixed point itself is reached here to 1e-10
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-6)
    assert result.n_at_bounds == 246
    ratio = result.weights / result.weights.mean()
    assert ratio.min() >= 0.2 - 1e-9 and ratio.max() <= 8 + 1e-9


def test_rake_bounded_newton_method_takes_r_steps():
    result = rake_bounded(synthetic(), read_margins(DATA / "havering_margins.csv"), (0.2, 8), method="newton",
                          tol=1e-7, max_iter=100)
    expected = reference_weights("synthetic", "calibrate_raking_0.2_8").loc[result.weights.index]
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_rake_bounded_matches_r_on_api():
    frame = pd.read_csv(DATA / "api_strat.csv")
    frame.index = frame["snum"].astype(str)
    result = rake_bounded(frame, API_MARGINS, (0.9, 1.1), design_weights="pw")
    expected = reference_weights("api", "calibrate_raking_0.9_1.1").loc[result.weights.index]
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_rake_bounded_too_tight_bounds_is_an_error():
    with pytest.raises(ConvergenceError, match="bounds \\(0.9, 1.1\\) did not converge"):
        rake_bounded(synthetic(), read_margins(DATA / "havering_margins.csv"), (0.9, 1.1), max_iter=50)


def test_trim_to_design_effect_reaches_the_target_and_keeps_the_margins():
    margins = read_margins(DATA / "havering_margins.csv")
    result = trim_to_design_effect(synthetic(), margins, 2.9, steps=20)
    assert 2.85 < result.diagnostics.design_effect <= 2.9
    assert result.n_at_bounds > 0
    table = result.margins_achieved
    assert (table["gap"].abs() / table["target"]).max() < 1e-6
