"""Two-proportion comparisons (plain and design-based) and Benjamini-Hochberg screening of claims."""

import numpy as np
import pandas as pd
import pytest

from weights import (
    ShareDesign,
    benjamini_hochberg,
    compare_domains,
    compare_shares,
    estimate_share,
    screen_claims,
)


def test_unweighted_comparison_is_the_pooled_z_test_by_hand():
    first = estimate_share([1.0] * 50 + [0.0] * 50)
    second = estimate_share([1.0] * 30 + [0.0] * 70)
    result = compare_shares(first, second)
    # pooled p = .4, se = sqrt(.4 * .6 * 2 / 100) = .069282, z = 2.8868
    assert result.z == pytest.approx(2.8868, abs=1e-4) and result.p_value == pytest.approx(0.00389, abs=1e-4)
    assert result.difference == pytest.approx(0.2) and result.lower < 0.2 < result.upper
    assert result.lower > 0 and result.method == "pooled-z-newcombe"


def test_weighted_comparison_of_independent_waves_uses_both_design_errors():
    rng = np.random.default_rng(2)
    y1, y2 = (rng.random(400) < 0.3).astype(float), (rng.random(500) < 0.2).astype(float)
    first, second = estimate_share(y1, rng.uniform(0.5, 2, 400)), estimate_share(y2, rng.uniform(0.5, 2, 500))
    result = compare_shares(first, second)
    assert result.se == pytest.approx(np.hypot(first.se, second.se))
    assert result.is_weighted and result.p_value < 0.05
    with pytest.raises(ValueError, match="not a mix"):
        compare_shares(first, estimate_share(y2))


def test_domains_of_one_survey_are_linearised_together():
    rng = np.random.default_rng(4)
    n = 2000
    group = rng.choice(["a", "b"], n)
    sex = rng.choice(["f", "m"], n, p=[0.65, 0.35])
    y = (rng.random(n) < np.where(group == "a", 0.3, 0.25)).astype(float)
    w = np.where(sex == "f", 0.77, 1.43)
    design = ShareDesign(pd.DataFrame({"sex": sex}))
    result = compare_domains(y, group == "a", group == "b", w, design=design)
    separate = np.hypot(result.first.se, result.second.se)
    assert result.se == pytest.approx(separate, rel=0.05)  # disjoint domains: covariance near zero
    same = compare_domains(y, group == "a", group == "a", w, design=design)
    assert same.difference == 0 and same.se == pytest.approx(0, abs=1e-12)


def test_benjamini_hochberg_by_hand():
    reject, adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.005], q=0.1)
    # sorted .005 .01 .03 .04 -> x4/1 x4/2 x4/3 x4/4 = .02 .02 .04 .04
    np.testing.assert_allclose(adjusted, [0.02, 0.04, 0.04, 0.02])
    assert reject.all()
    reject, _ = benjamini_hochberg([0.01, 0.04, 0.03, 0.005], q=0.03)
    assert reject.tolist() == [True, False, False, True]
    with pytest.raises(ValueError, match="p-values must be in \\[0, 1\\]; got 1.5"):
        benjamini_hochberg([0.1, 1.5])


def test_screen_claims_keeps_only_what_survives_and_states_q():
    claims = [("young worry more about knives", 0.001), ("women feel less safe at night", 0.03),
              ("ward A changed since last year", 0.2), ("older people mention litter more", 0.04)]
    screen = screen_claims(claims)
    assert screen.kept == ("young worry more about knives", "women feel less safe at night",
                           "older people mention litter more")
    assert "false discovery rate of 10% across the 4 differences" in screen.rule
    assert screen_claims(claims, q=0.05).kept == ("young worry more about knives",)
