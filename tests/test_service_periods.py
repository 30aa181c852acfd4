"""Quarter and year arithmetic (service/pipeline/periods.py), the one home every layer uses."""

from datetime import datetime, timedelta, timezone

import pytest

from service.pipeline.periods import (
    last_closed_quarter,
    next_quarter,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    year_bounds,
)


def test_quarters_tile_the_year_without_gaps_or_overlaps():
    ends = [quarter_bounds(f"2024Q{q}") for q in range(1, 5)]
    assert ends[0][0] == year_bounds(2024)[0] and ends[-1][1] == year_bounds(2024)[1]
    for (_, end), (start, _) in zip(ends, ends[1:]):
        assert end == start


def test_quarter_of_a_time_falls_inside_that_quarters_bounds():
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    while when.year == 2024:
        start, end = quarter_bounds(quarter_of(when))
        assert start <= when < end
        when += timedelta(days=13, hours=5)


def test_previous_and_next_quarter_cross_the_year_and_undo_each_other():
    assert previous_quarter("2024Q1") == "2023Q4" and next_quarter("2023Q4") == "2024Q1"
    for label in ("2023Q1", "2023Q2", "2023Q3", "2023Q4"):
        assert previous_quarter(next_quarter(label)) == label


def test_last_closed_quarter_is_the_one_before_now():
    assert last_closed_quarter(datetime(2024, 1, 5, tzinfo=timezone.utc)) == "2023Q4"
    assert last_closed_quarter(datetime(2024, 7, 1, tzinfo=timezone.utc)) == "2024Q2"


def test_a_malformed_quarter_label_is_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"quarter '2024Q5' should look like 2024Q1"):
        quarter_bounds("2024Q5")
