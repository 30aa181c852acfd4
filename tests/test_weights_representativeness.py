"""Representativeness report: shares, index, gaps, responses needed, chi-square, R-indicator."""

import math

import pandas as pd
import pytest

from weights import Margins, build_margins, compare_to_census, load_census, read_margins


def margins_two() -> Margins:
    return read_margins(pd.DataFrame({
        "variable": ["age_band"] * 2 + ["sex"] * 2,
        "level": ["16-24", "25+", "female", "male"],
        "population": [20.0, 80.0, 50.0, 50.0]}))


def sample() -> pd.DataFrame:
    return pd.DataFrame({"age_band": ["16-24"] * 5 + ["25+"] * 90 + ["not_stated"] * 5,
                         "sex": ["female"] * 66 + ["male"] * 34})


def test_compare_to_census_computes_index_gap_and_responses_needed():
    result = compare_to_census(sample(), margins_two())
    age = result.dimensions[0]
    row = age.table.set_index("level").loc["16-24"]
    assert row["n"] == 5 and row["base_n"] == 95
    assert row["sample_pct"] == pytest.approx(100 * 5 / 95)
    assert row["representation_index"] == pytest.approx((5 / 95) / 0.2)
    assert row["gap_pct_points"] == pytest.approx(100 * (5 / 95 - 0.2))
    # (0.2 * 95 - 5) / 0.8 = 17.5 -> 18 more responses make 23 of 113 = 20.4%
    assert row["responses_needed"] == 18
    assert row["shortfall"] == pytest.approx(14.0)


def test_compare_to_census_shows_not_stated_separately():
    age = compare_to_census(sample(), margins_two()).dimensions[0]
    assert age.n_not_stated == 5 and age.n_stated == 95
    assert "not_stated" not in set(age.table["level"])
    assert any("5 of 100 respondents (5%) did not state their age;" in line for line in age.summary)


def test_compare_to_census_chi_square_and_dissimilarity():
    sex = compare_to_census(sample(), margins_two()).dimensions[1]
    assert sex.chi_square == pytest.approx((66 - 50) ** 2 / 50 + (34 - 50) ** 2 / 50)
    assert sex.degrees_of_freedom == 1 and sex.p_value < 0.01
    assert sex.dissimilarity == pytest.approx(0.16)


def test_compare_to_census_writes_plain_english_lines_with_base_n():
    lines = compare_to_census(sample(), margins_two()).summary
    assert ("People aged 16-24 are 5% of respondents (n=5 of 95) and 20% of residents: about 18 more "
            "responses from this group would close the gap.") in lines


def test_compare_to_census_r_indicator_is_one_for_a_balanced_sample_and_lower_when_skewed():
    balanced = pd.DataFrame({"age_band": ["16-24"] * 2 + ["25+"] * 8, "sex": ["female", "male"] * 5})
    fair = compare_to_census(balanced, margins_two())
    assert fair.r_indicator == pytest.approx(1.0)
    skewed = compare_to_census(sample(), margins_two())
    assert skewed.r_indicator < 0.9 and skewed.propensity_cv > 0.1


def test_compare_to_census_single_dimension_has_no_r_indicator():
    result = compare_to_census(sample(), margins_two(), ["sex"])
    assert result.r_indicator is None and "at least two dimensions" in result.notes[0]


def test_compare_to_census_lists_levels_without_population():
    frame = pd.DataFrame({"sex": ["female", "male", "intersex"]})
    sex = compare_to_census(frame, margins_two(), ["sex"]).dimensions[0]
    row = sex.table.set_index("level").loc["intersex"]
    assert row["population_pct"] == 0 and row["n"] == 1
    assert math.isnan(sex.chi_square)


def test_compare_to_census_on_havering_margins_carries_caveats():
    margins = build_margins(load_census("havering"), ["age_band", "sex"], age_bands=["16-24", "25+"], min_age=16)
    frame = pd.DataFrame({"age_band": ["16-24"] * 7 + ["25+"] * 93, "sex": ["female"] * 66 + ["male"] * 34})
    result = compare_to_census(frame, margins)
    assert "TS001" in result.caveats[0]
    assert result.to_frame()["variable"].tolist()[:2] == ["age_band", "age_band"]


def test_responses_needed_is_one_formula_and_zero_when_reached():
    from weights import responses_needed

    assert responses_needed(5, 95, 0.2) == 18  # (19 - 5) / 0.8 = 17.5
    assert responses_needed(4, 100, 0.2) == 20  # exactly 20: 24 of 120 = 20%
    assert responses_needed(30, 100, 0.2) == 0
    with pytest.raises(ValueError, match="population_share=1.0 must be at least 0 and below 1"):
        responses_needed(1, 10, 1.0)


def test_labels_follow_the_printed_rule_not_the_index():
    margins = read_margins(pd.DataFrame({"variable": ["ethnic_group"] * 3, "level": ["H4", "H2", "H5"],
                                         "population": [75.0, 23.0, 2.0]}))
    # H4: 91.0% of 300 vs 75% (index 1.21, +16 points); H5: 6.3% vs 2% (index 3.2, +4.3 points)
    frame = pd.DataFrame({"ethnic_group": ["H4"] * 273 + ["H2"] * 8 + ["H5"] * 19})
    result = compare_to_census(frame, margins)
    table = result.dimensions[0].table.set_index("level")
    assert table.loc["H4", "representation"] == "over-represented"
    assert table.loc["H5", "representation"] == "about right"
    assert table.loc["H2", "representation"] == "under-represented"
    assert result.rule.startswith("A group is called under- or over-represented when the 95% Wilson interval")
    assert "at least 5 percentage points" in result.rule and result.dimensions[0].rule == result.rule
    assert result.dimensions[0].table["level"].iloc[0] == "H2"  # sorted by responses needed
    lower = compare_to_census(frame, margins, min_gap_points=4.0).dimensions[0].table.set_index("level")
    assert lower.loc["H5", "representation"] == "over-represented"


def test_a_large_gap_in_a_tiny_sample_is_not_labelled():
    margins = read_margins(pd.DataFrame({"variable": ["sex"] * 2, "level": ["female", "male"],
                                         "population": [50.0, 50.0]}))
    table = compare_to_census(pd.DataFrame({"sex": ["female"] * 4 + ["male"]}), margins).dimensions[0].table
    assert set(table["representation"]) == {"about right"}  # 80% of 5: Wilson 38%-96% includes 50%
