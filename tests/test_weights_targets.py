"""Margins for target ages from single-year census tables, with all-ages variables flagged."""

import pandas as pd
import pytest

from weights import build_target_margins, load_census
from weights.margins import DATA_DIR


def single_years() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "havering_sex_age.csv")


@pytest.mark.parametrize("target, low, high", [("11-24", 11, 24), ("11-18", 11, 18), ("16+", 16, 200)])
def test_age_and_sex_margins_are_cut_from_single_years(target, low, high):
    raw = single_years()
    ages = raw["age"].astype(str).str.extract(r"(\d+)")[0].astype(int)
    chosen = raw[(ages >= low) & (ages <= high)]
    result = build_target_margins(load_census("havering"), target, ["sex"])
    female = chosen.loc[chosen["sex"] == "Female", "count"].sum() / chosen["count"].sum()
    sex = result.margins.population("sex")
    assert sex["female"] / sex.sum() == pytest.approx(female, rel=1e-12)
    assert result.coverage == {"sex": f"ages {target}"} and result.all_ages == ()


def test_age_bands_must_tile_the_target():
    census = load_census("havering")
    result = build_target_margins(census, "11-24", ["age_band"], age_bands=["11-15", "16-18", "19-24"])
    assert list(result.margins.population("age_band").index) == ["11-15", "16-18", "19-24"]
    with pytest.raises(ValueError):
        build_target_margins(census, "11-24", ["age_band"], age_bands=["11-15", "19-24"])


def test_ethnic_group_without_an_age_table_is_flagged_all_ages():
    result = build_target_margins(load_census("havering"), "11-18", ["sex", "ethnic_group"])
    assert result.coverage["ethnic_group"] == "all ages" and result.all_ages == ("ethnic_group",)
    assert result.notes == (("The ethnic group margin is for residents of all ages: the census publishes no "
                             "ethnic group table for ages 11-18."),)
    assert any("TS021 has no age breakdown" in c for c in result.margins.caveats)


def test_a_benchmark_replaces_the_all_ages_flag():
    pupils = pd.DataFrame({"variable": ["ethnic_group"] * 2, "level": ["H4", "other"], "population": [60.0, 40.0]})
    result = build_target_margins(load_census("havering"), "11-18", ["sex", "ethnic_group"], benchmarks=[pupils])
    assert result.coverage["ethnic_group"] == "benchmark" and result.all_ages == ()
    eth = result.margins.population("ethnic_group")
    assert eth["H4"] / eth.sum() == pytest.approx(0.6)
