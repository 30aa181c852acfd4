import math

import pandas as pd
import pytest

from nlp import (
    choose_exemplars,
    compare_groups,
    compare_periods,
    compare_shares,
    describe_findings,
    load_codeframe,
    summarise_topics,
)


@pytest.fixture()
def frame():
    return pd.DataFrame({
        "topics": [["youth_provision"], ["youth_provision", "cctv"], ["police_presence"], ["police_presence"],
                   ["police_presence", "cctv"], []],
        "voice": ["young", "young", "young", "adult", "adult", "adult"],
        "weight": [1.0, 1.0, 2.0, 1.0, 1.0, 2.0],
        "redacted_text": ["we need a youth club round here", "more for teens to do", "police", "bring back bobbies",
                          "more police and cameras please", "fine"],
        "is_flagged": [False, True, False, False, False, False],
    })


def test_summarise_topics_gives_unweighted_and_weighted_shares(frame):
    summary = summarise_topics(frame, group_column="voice")
    share = next(s for s in summary.shares if s.group == "young" and s.topic == "youth_provision")
    assert (share.n_base, share.n_mentioning) == (3, 2)
    assert share.share == pytest.approx(2 / 3)
    assert share.weighted_share == pytest.approx(2 / 4)
    assert share.effective_n == pytest.approx(16 / 6)
    assert share.ci_low < share.share < share.ci_high
    assert share.weighted_ci_low <= share.weighted_share <= share.weighted_ci_high


def test_summarise_topics_wilson_interval_matches_hand_calculation():
    data = pd.DataFrame({"topics": [["a"]] * 40 + [[]] * 60})
    (share,) = summarise_topics(data, weight_column=None).shares
    assert (share.ci_low, share.ci_high) == pytest.approx((0.3094, 0.4980), abs=1e-4)
    assert share.weighted_share is None


def test_summarise_topics_names_a_missing_column(frame):
    with pytest.raises(KeyError, match="summarise_topics needs column 'ward'"):
        summarise_topics(frame, group_column="ward")


def test_compare_shares_two_proportion_z_test_by_hand():
    result = compare_shares("a", "x", 0.5, 100, "y", 0.3, 100)
    # pooled p = .4, se = sqrt(.4*.6*(2/100)) = .069282, z = .2/.069282 = 2.8868
    assert result.z == pytest.approx(2.8868, abs=1e-4)
    assert result.p_value == pytest.approx(0.00389, abs=1e-4)
    assert result.is_significant


def test_compare_groups_and_periods_use_the_summary(frame):
    summary = summarise_topics(frame, group_column="voice")
    comparison = compare_groups(summary, "police_presence", "adult", "young")
    assert comparison.difference == pytest.approx(2 / 3 - 1 / 3)
    changes = compare_periods(summarise_topics(frame), summarise_topics(frame.iloc[:3]))
    assert {c.topic for c in changes} == {"cctv", "police_presence", "youth_provision"}
    assert math.isfinite(changes[0].z)


def test_describe_findings_writes_a_plain_english_sentence(frame):
    summary = summarise_topics(frame, group_column="voice")
    (sentence,) = describe_findings(summary, label=load_codeframe().label,
                                    group_names={"young": "Young people", "adult": "adults"})
    assert sentence == ("Adults most often mentioned more visible police (67%, n=3); young people most often "
                        "mentioned places and things to do for young people (67%, n=3).")


def test_choose_exemplars_skips_flagged_and_is_repeatable(frame):
    quotes = choose_exemplars(frame, "youth_provision", n=3)
    assert quotes == ["we need a youth club round here"]
    assert choose_exemplars(frame, "police_presence", random_state=1) == choose_exemplars(
        frame, "police_presence", random_state=1)
