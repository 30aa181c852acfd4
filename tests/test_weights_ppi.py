"""Prediction-powered topic shares: unbiased with a biased model, narrower than human labels alone."""

import numpy as np
import pytest

from weights import estimate_share, ppi_share


def simulate(rng, n_all=5000, n_rev=300, truth=0.3):
    y = (rng.random(n_all) < truth).astype(float)
    # a model that misses a third of the mentions and adds a few false ones: biased low
    f = np.where(y == 1, rng.random(n_all) < 0.67, rng.random(n_all) < 0.05).astype(float)
    reviewed = rng.choice(n_all, n_rev, replace=False)
    return y, f, reviewed


def test_ppi_by_hand_on_a_tiny_example():
    result = ppi_share([1, 0, 0, 1, 0, 0], [1, 0, 0], [1, 1, 0])
    assert result.model_share == pytest.approx(2 / 6) and result.rectifier == pytest.approx(1 / 3)
    assert result.estimate == pytest.approx(2 / 3)
    var = 6 / 5 * np.sum(((np.array([1, 0, 0, 1, 0, 0]) - 1 / 3) / 6) ** 2) \
        + 3 / 2 * np.sum(((np.array([0, 1, 0]) - 1 / 3) / 3) ** 2)
    assert result.se == pytest.approx(np.sqrt(var))


def test_ppi_corrects_a_biased_model_and_beats_the_reviewed_sample_alone():
    rng = np.random.default_rng(3)
    estimates, covered, widths_ppi, widths_human = [], 0, [], []
    for _ in range(200):
        y, f, reviewed = simulate(rng)
        truth = y.mean()
        result = ppi_share(f, f[reviewed], y[reviewed])
        human = estimate_share(y[reviewed])
        estimates.append(result.estimate - truth)
        covered += result.lower <= truth <= result.upper
        widths_ppi.append(result.upper - result.lower)
        widths_human.append(human.upper - human.lower)
    assert f.mean() < y.mean() - 0.05  # the model alone is badly biased
    assert abs(np.mean(estimates)) < 0.005
    assert covered / 200 > 0.9
    assert np.mean(widths_ppi) < np.mean(widths_human)


def test_ppi_refuses_bad_labels_and_half_given_weights():
    with pytest.raises(ValueError, match="human_labels_reviewed must hold 0 or 1; position 1 is 2.0"):
        ppi_share([1, 0, 1], [1, 0], [1, 2])
    with pytest.raises(ValueError, match="pass both weights and weights_reviewed, or neither"):
        ppi_share([1, 0, 1], [1, 0], [1, 0], weights=[1.0, 1.0, 1.0])
