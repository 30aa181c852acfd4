"""Census margins: loading, age-band harmonisation, rescaling to one control total."""

from pathlib import Path

import pandas as pd
import pytest

from weights import CensusDataError, build_margins, load_census, parse_age_band, read_margins

BANDS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


def test_load_census_reads_both_boroughs_with_published_totals():
    havering = load_census("havering")
    bd = load_census("barking_dagenham")
    assert havering.control_total == 262_052
    assert bd.control_total == 218_869
    assert bd.totals["TS009"] == 218_876
    assert havering.sex_age["count"].sum() == 262_052
    assert set(havering.ethnicity["code"]) >= {"1", "19", "H1", "H5"}


def test_load_census_unknown_borough_names_it():
    with pytest.raises(CensusDataError, match="unknown borough 'camden'"):
        load_census("camden")


def test_parse_age_band_reads_closed_and_open_bands():
    assert parse_age_band("16-24") == (16, 24)
    assert parse_age_band("75+") == (75, None)
    with pytest.raises(ValueError, match="'sixteen' is not of the form"):
        parse_age_band("sixteen")


def test_build_margins_every_variable_sums_to_the_control_total():
    margins = build_margins(load_census("barking_dagenham"), age_bands=BANDS, min_age=16)
    sums = margins.table.groupby("variable")["population"].sum()
    assert sums.to_numpy() == pytest.approx(margins.control_total, rel=1e-12)
    assert set(sums.index) == {"age_band", "sex", "ethnic_group", "ward"}


def test_build_margins_control_total_is_ts001_scaled_to_the_age_range():
    census = load_census("barking_dagenham")
    margins = build_margins(census, ["sex"], min_age=16)
    ages = census.sex_age
    share = ages.loc[ages["age"] >= 16, "count"].sum() / ages["count"].sum()
    assert margins.control_total == pytest.approx(218_869 * share, rel=1e-12)
    assert margins.adjustments[0].factor == pytest.approx(218_869 / 218_876, rel=1e-12)
    assert "TS001" in margins.caveats[0]


def test_build_margins_harmonises_single_years_to_any_bands():
    census = load_census("havering")
    margins = build_margins(census, ["age_band"], age_bands=["11-12", "13-15", "16+"], min_age=11, max_age=18)
    pop = margins.population("age_band")
    female_male_11_12 = census.sex_age.query("age in (11, 12)")["count"].sum()
    assert pop["11-12"] == pytest.approx(female_male_11_12, rel=1e-12)  # Havering tables agree exactly
    assert pop.sum() == pytest.approx(census.sex_age.query("11 <= age <= 18")["count"].sum())


def test_build_margins_rejects_bands_with_a_gap():
    with pytest.raises(ValueError, match="age band '30-44' starts at 30"):
        build_margins(load_census("havering"), ["age_band"], age_bands=["16-24", "30-44", "45+"])


def test_build_margins_rejects_a_band_splitting_ninety_plus():
    with pytest.raises(ValueError, match="splits the census open band '90\\+'"):
        build_margins(load_census("havering"), ["age_band"], age_bands=["16-84", "85-94", "95+"])


def test_build_margins_records_the_all_ages_assumption_for_ward_and_ethnicity():
    margins = build_margins(load_census("havering"), ["ethnic_group", "ward"], min_age=16)
    text = " ".join(margins.caveats)
    assert "ethnic_group: TS021 has no age breakdown" in text
    assert "ward: sums of output-area" in text
    assert len(margins.population("ward")) == 20


def test_read_margins_rescales_every_variable_to_the_first_total(tmp_path: Path):
    path = tmp_path / "pupils.csv"
    pd.DataFrame({"variable": ["sex", "sex", "pupil_ethnicity", "pupil_ethnicity"],
                  "level": ["female", "male", "White", "Other"],
                  "population": [50, 50, 30, 10]}).to_csv(path, index=False)
    margins = read_margins(path)
    assert margins.control_total == 100
    assert margins.population("pupil_ethnicity").to_dict() == {"White": 75.0, "Other": 25.0}
    assert any("pupil_ethnicity: rescaled by 2.5" in c for c in margins.caveats)


def test_read_margins_names_a_bad_population_value(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("variable,level,population\nsex,female,lots\n")
    with pytest.raises(CensusDataError, match="population 'lots' for variable 'sex' level 'female'"):
        read_margins(path)


def test_build_margins_adds_a_user_benchmark_rescaled_to_the_control_total():
    extra = pd.DataFrame({"variable": "school_ethnicity", "level": ["a", "b"], "population": [10, 30]})
    margins = build_margins(load_census("havering"), ["sex"], min_age=11, max_age=18, benchmarks=[extra])
    assert margins.population("school_ethnicity").sum() == pytest.approx(margins.control_total)
    assert margins.population("school_ethnicity")["b"] == pytest.approx(0.75 * margins.control_total)
