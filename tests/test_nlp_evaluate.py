import math

import pytest

from nlp import KeywordClassifier, evaluate_classifier, measure_agreement, score_predictions


def test_score_predictions_computes_per_topic_and_macro_f1():
    report = score_predictions([["a"], ["a", "b"], []], [["a"], ["b"], ["b"]], name="demo")
    scores = {s.topic: s for s in report.per_topic}
    assert (scores["a"].precision, scores["a"].recall) == (0.5, 1.0)
    assert (scores["b"].precision, scores["b"].recall) == (1.0, 0.5)
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert "| a | 0.50 | 1.00 | 0.67 | 1 |" in report.to_markdown()


def test_score_predictions_rejects_misaligned_lists():
    with pytest.raises(ValueError, match="score_predictions got 1 predictions for 2 gold label lists"):
        score_predictions([["a"]], [["a"], ["b"]])


def test_evaluate_classifier_cross_validates_any_estimator():
    texts = ["more cctv", "cctv cameras", "dark street lights", "lighting is bad", "cctv please", "street light out"]
    topics = [["cctv"], ["cctv"], ["street_lighting"], ["street_lighting"], ["cctv"], ["street_lighting"]]
    report = evaluate_classifier(KeywordClassifier(), texts, topics, n_splits=3)
    assert report.n_splits == 3
    assert report.name == "KeywordClassifier"
    assert 0.0 < report.macro_f1 <= 1.0


def test_measure_agreement_matches_cohens_kappa_by_hand():
    model = [["x"], ["y"], ["x", "y"], []]
    reviewer = [["x"], [], ["y"], ["x"]]
    result = measure_agreement(model, reviewer)
    by_topic = {row.topic: row for row in result.per_topic}
    # topic y: model 0,1,1,0 reviewer 0,0,1,0 -> po=.75, pe=.5*.25+.5*.75=.5, kappa=.5
    assert by_topic["y"].kappa == pytest.approx(0.5)
    assert by_topic["x"].kappa == pytest.approx(0.0)
    assert result.mean_kappa == pytest.approx(0.25)


def test_measure_agreement_gives_nan_for_a_topic_nobody_used():
    result = measure_agreement([[]], [[]], topics=["x"])
    assert math.isnan(result.per_topic[0].kappa)
    with pytest.raises(ValueError, match="measure_agreement got 1 model label lists but 2 reviewer"):
        measure_agreement([[]], [[], []])
