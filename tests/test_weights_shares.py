"""estimate_share: Wilson unweighted, calibrated linearisation and svyciprop intervals as R computes them."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weights import ShareDesign, estimate_share, rake, read_margins, wilson_interval

DATA = Path(__file__).parent / "data" / "weights"
VARIABLES = ["age_band", "sex", "ward"]
POSITIONS = {"zero_of_300": (300, []), "one_of_300": (300, [150]), "two_of_300": (300, [1, 150]),
             "all_of_300": (300, list(range(1, 301))), "k22_of_326": (326, list(range(5, 5 + 15 * 22, 15)))}


def references() -> pd.DataFrame:
    return pd.read_csv(DATA / "svyciprop_refs.csv")


def case(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows and indicator of one case, built as make_svyciprop_refs.R builds them."""
    full = pd.read_csv(DATA / "synthetic_havering.csv").set_index("id")
    if name == "unsafe_of_1200":
        return full, full["feel_safe"].isin(["fairly_unsafe", "very_unsafe"]).to_numpy(float)
    n, positions = POSITIONS[name]
    return full.iloc[:n], np.isin(np.arange(1, n + 1), positions).astype(float)


def calibrated(frame: pd.DataFrame) -> tuple[pd.Series, ShareDesign]:
    margins = read_margins(DATA / "havering_margins.csv").select(VARIABLES)
    return rake(frame, margins, tol=1e-12).weights, ShareDesign(frame[VARIABLES])


def reference(name: str, design: str, method: str) -> pd.Series:
    ref = references()
    return ref[(ref["case"] == name) & (ref["design"] == design) & (ref["method"] == method)].iloc[0]


@pytest.mark.parametrize("name", ["one_of_300", "two_of_300", "k22_of_326", "unsafe_of_1200"])
@pytest.mark.parametrize("method", ["logit", "beta"])
def test_weighted_share_matches_r_svyciprop_on_a_calibrated_design(name, method):
    frame, y = case(name)
    weights, design = calibrated(frame)
    got = estimate_share(y, weights, design=design, method=method)
    for design_name in ("calibrated", "raked"):
        ref = reference(name, design_name, method)
        assert got.se == pytest.approx(ref["se"], rel=1e-6)
        assert got.estimate == pytest.approx(reference(name, design_name, "svymean")["estimate"], rel=1e-9)
        assert got.lower == pytest.approx(ref["lower"], rel=1e-4, abs=1e-9)
        assert got.upper == pytest.approx(ref["upper"], rel=1e-4)
    assert got.method == method and got.is_weighted and got.is_calibrated
    assert got.lower < got.estimate < got.upper


@pytest.mark.parametrize("name", list(POSITIONS) + ["unsafe_of_1200"])
def test_unweighted_share_is_wilson_as_r_prop_test(name):
    _, y = case(name)
    got = estimate_share(y)
    ref = reference(name, "unweighted", "wilson")
    assert (got.n, got.n_positive) == (ref["n"], ref["k"])
    assert (got.lower, got.upper) == pytest.approx((ref["lower"], ref["upper"]), rel=1e-9, abs=1e-12)
    assert not got.is_weighted and got.method == "wilson"


def test_22_of_326_calibrated_interval_is_not_a_clipped_wald_interval():
    frame, y = case("k22_of_326")
    weights, design = calibrated(frame)
    got = estimate_share(y, weights, design=design)
    wald = (got.estimate - 1.96 * got.se, got.estimate + 1.96 * got.se)
    assert got.lower > wald[0] and got.upper > wald[1]  # logit interval is skewed away from 0
    fixed = estimate_share(y, weights)
    assert not fixed.is_calibrated and fixed.se != pytest.approx(got.se, rel=1e-3)


@pytest.mark.parametrize("name", ["zero_of_300", "all_of_300"])
def test_share_of_none_or_all_keeps_an_interval_where_r_gives_a_point(name):
    frame, y = case(name)
    weights, design = calibrated(frame)
    got = estimate_share(y, weights, design=design)
    ref = reference(name, "calibrated", "logit")
    assert ref["upper"] - ref["lower"] < 1e-9  # R: degenerate interval
    assert got.method == "clopper-pearson-kish" and got.se == pytest.approx(0, abs=1e-12)
    kish = weights.sum() ** 2 / (weights ** 2).sum()
    assert got.effective_n == pytest.approx(kish)
    if got.estimate == 0:
        assert got.lower == 0 and got.upper == pytest.approx(1 - 0.025 ** (1 / kish))
    else:
        assert got.upper == 1 and got.lower == pytest.approx(0.025 ** (1 / kish))


def test_wilson_interval_is_defined_at_zero_respondents():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    empty = estimate_share([])
    assert np.isnan(empty.estimate) and (empty.lower, empty.upper) == (0.0, 1.0) and empty.n == 0
    weighted = estimate_share([np.nan, np.nan], [1.0, 2.0])
    assert np.isnan(weighted.estimate) and (weighted.lower, weighted.upper) == (0.0, 1.0)


def test_wilson_interval_refuses_impossible_counts():
    with pytest.raises(ValueError, match="need 0 <= k <= n, got k=5, n=3"):
        wilson_interval(5, 3)


def test_non_answers_stay_in_the_design_but_out_of_the_base():
    frame, y = case("k22_of_326")
    weights, design = calibrated(frame)
    y = y.copy()
    y[[0, 1, 2]] = np.nan
    got = estimate_share(y, weights, design=design)
    answered = ~np.isnan(y)
    assert got.n == 323 and got.weighted_total == pytest.approx(weights[answered].sum())
    assert got.estimate == pytest.approx((weights * np.nan_to_num(y)).sum() / weights[answered].sum())


def test_respondents_without_a_weight_are_outside_the_design():
    y = np.array([1, 0, 0, 1, 0, 1.0])
    w = np.array([1, 2, 1, 3, np.nan, 1.0])
    got = estimate_share(y, w)
    assert got.n == 5 and got.estimate == pytest.approx(5 / 8)


def test_equal_weights_give_the_linearised_binomial_standard_error():
    y = np.array([1.0] * 30 + [0.0] * 70)
    got = estimate_share(y, np.full(100, 7.0))
    assert got.se == pytest.approx(np.sqrt(0.3 * 0.7 / 99))
    assert got.design_effect == pytest.approx(100 / 99)


def test_estimate_share_names_the_bad_value():
    with pytest.raises(ValueError, match="position 2 is 'yes'"):
        estimate_share([1, 0, "yes"])
    with pytest.raises(ValueError, match="position 1 is 2"):
        estimate_share([1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        estimate_share([1, 0], [1.0, -1.0])
    with pytest.raises(ValueError, match="method='wald'"):
        estimate_share([1, 0], [1.0, 1.0], method="wald")


def test_topic_shares_in_nlp_come_from_estimate_share():
    from nlp import summarise_topics

    frame = pd.DataFrame({"topics": [["a"], [], ["a"], [], [], ["a"], []], "voice": list("xxxxyyy"),
                          "weight": [1.0, 2.0, 1.0, 3.0, 1.0, 1.0, 2.0]})
    share = next(s for s in summarise_topics(frame, group_column="voice").shares if s.group == "x")
    y = np.array([1, 0, 1, 0, np.nan, np.nan, np.nan])
    expected = estimate_share(y, frame["weight"])
    assert (share.weighted_share, share.weighted_ci_low, share.weighted_ci_high) == pytest.approx(
        (expected.estimate, expected.lower, expected.upper), rel=1e-12)
    assert (share.ci_low, share.ci_high) == pytest.approx(wilson_interval(2, 4), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60), st.integers(0, 2**32 - 1), st.sampled_from(["logit", "beta"]))
def test_intervals_hold_the_estimate_and_stay_inside_zero_one(n, seed, method):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(0, n + 1))
    y = np.zeros(n)
    y[rng.permutation(n)[:k]] = 1.0
    weighted = estimate_share(y, rng.uniform(0.2, 5.0, n), method=method)
    plain = estimate_share(y)
    for share in (weighted, plain):
        assert 0.0 <= share.lower <= share.estimate <= share.upper <= 1.0
        assert share.upper > share.lower
        assert share.n == n and share.n_positive == k
