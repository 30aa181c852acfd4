"""Regenerate the synthetic survey skewed like Havering's 2023 survey, and its margins.

Run from the repository root: ``python tests/data/weights/make_synthetic.py``. Deterministic
(seed 20230). Skews: 93% aged 25+, 94% White (H4), 66% female, ward drawn unevenly.
Writes ``synthetic_havering.csv``, ``havering_margins.csv`` (long format, 16+, rescaled to the
control total) and ``havering_cells_age_sex.csv`` (age band x sex cells from TS009).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from weights import build_margins, load_census

HERE = Path(__file__).parent
BANDS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
SEED = 20230
N = 1200


def main() -> None:
    census = load_census("havering")
    margins = build_margins(census, ["age_band", "sex", "ethnic_group", "ward"], age_bands=BANDS, min_age=16)
    margins.table[["variable", "level", "population"]].to_csv(HERE / "havering_margins.csv", index=False)
    ages = census.sex_age[census.sex_age["age"] >= 16].copy()
    ages["age_band"] = pd.cut(ages["age"], [15, 24, 34, 44, 54, 64, 74, 200], labels=BANDS).astype(str)
    cells = ages.groupby(["age_band", "sex"], as_index=False)["count"].sum()
    cells["population"] = cells["count"] * margins.control_total / cells["count"].sum()
    cells[["age_band", "sex", "population"]].to_csv(HERE / "havering_cells_age_sex.csv", index=False)

    rng = np.random.default_rng(SEED)
    age_p = np.array([0.07, 0.12, 0.15, 0.18, 0.20, 0.17, 0.11])
    eth_p = np.array([0.025, 0.015, 0.012, 0.94, 0.008])
    wards = margins.population("ward").index.to_numpy()
    ward_p = rng.dirichlet(np.full(len(wards), 4.0))
    age = rng.choice(BANDS, N, p=age_p)
    sex = rng.choice(["female", "male"], N, p=[0.66, 0.34])
    eth = rng.choice(["H1", "H2", "H3", "H4", "H5"], N, p=eth_p)
    ward = rng.choice(wards, N, p=ward_p)
    young = np.isin(age, BANDS[:2])
    safe_p = np.where(young[:, None], [0.15, 0.30, 0.25, 0.20, 0.10], [0.30, 0.35, 0.15, 0.12, 0.08])
    answers = ["very_safe", "fairly_safe", "neither", "fairly_unsafe", "very_unsafe"]
    feel_safe = [rng.choice(answers, p=p) for p in safe_p]
    worry = np.round(rng.normal(5 + 1.5 * young - 0.8 * (sex == "male") + 0.7 * (eth != "H4"), 2.0), 1)
    frame = pd.DataFrame({"id": [f"r{i:04d}" for i in range(N)], "age_band": age, "sex": sex,
                          "ethnic_group": eth, "ward": ward, "feel_safe": feel_safe, "worry_score": worry})
    frame.to_csv(HERE / "synthetic_havering.csv", index=False)


if __name__ == "__main__":
    main()
