"""assess_weighting: weights fit to use, or the reason they are not, in words."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weights import assess_weighting, calibrate, poststratify, rake, read_margins

DATA = Path(__file__).parent / "data" / "weights"


def test_balanced_weights_are_ok():
    frame = pd.read_csv(DATA / "synthetic_havering.csv").set_index("id")
    margins = read_margins(DATA / "havering_margins.csv").select(["age_band", "sex"])
    verdict = assess_weighting(rake(frame, margins))
    assert verdict.is_ok and verdict.reasons == () and verdict.message == "weighted"
    assert verdict.smallest_cell >= 10


def test_a_thin_group_is_named_with_the_residents_it_would_stand_for():
    frame = pd.DataFrame({"age_band": ["16-24"] * 3 + ["25+"] * 97})
    verdict = assess_weighting(rake(frame, {"age_band": {"16-24": 2000.0, "25+": 8000.0}}), max_design_effect=1.5)
    assert not verdict.is_ok
    assert ("not weighted: too few respondents in age_band 16-24 (3) to stand for 2,000 residents; "
            "at least 10 needed.") in verdict.reasons
    # 3 people carry 20%: deff = 100 * (3 * 666.7^2 + 97 * 82.5^2) / 10000^2 = 1.99
    assert "not weighted: the weights' design effect is 1.99 (limit 1.5), so 100 responses would count as only 50." \
        in verdict.reasons


def test_large_weights_and_unmet_margins_are_reasons():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"g": rng.choice(["a", "b"], 400, p=[0.95, 0.05]), "s": rng.choice(["f", "m"], 400)})
    margins = {"g": {"a": 500.0, "b": 500.0}, "s": {"f": 500.0, "m": 500.0}}
    loose = assess_weighting(rake(frame, margins), max_weight=5)
    assert any("times the average (limit 5)" in reason for reason in loose.reasons)
    tight = assess_weighting(calibrate(frame, margins, bounds=(0.5, 2)))
    assert any("do not meet the margins" in reason for reason in tight.reasons)


def test_poststratified_cells_are_checked_too():
    frame = pd.DataFrame({"s": ["f"] * 30 + ["m"] * 4})
    cells = pd.DataFrame({"s": ["f", "m"], "population": [50.0, 50.0]})
    verdict = assess_weighting(poststratify(frame, cells), min_cell=5)
    assert not verdict.is_ok and "too few respondents in 1 cell(s) (fewest 4" in verdict.message
    assert verdict.smallest_cell == pytest.approx(4)
