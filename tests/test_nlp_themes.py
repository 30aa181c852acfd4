import numpy as np
import pytest

from nlp import find_themes, select_poor_fits

TEXTS = [
    "ulez cameras are a scam", "ulez charges ruin small business", "the ulez fines are daylight robbery",
    "ulez camera fines again", "foxes screaming in the garden at night", "urban foxes knock over bins",
    "a fox got into the garden", "foxes everywhere at night", "", "😀",
]


def test_find_themes_separates_clear_clusters_with_terms_and_exemplars():
    result = find_themes(TEXTS, n_themes=2, random_state=0)
    assert result.n_texts == len(TEXTS)
    tops = {theme.top_terms[0] for theme in result.themes}
    assert tops == {"ulez", "fox"}
    for theme in result.themes:
        assert len(theme.exemplars) == 3
        assert all(TEXTS[i] == text for i, text in zip(theme.exemplar_indices, theme.exemplars))


def test_find_themes_is_stable_with_the_same_seed():
    assert find_themes(TEXTS, n_themes=3, random_state=4) == find_themes(TEXTS, n_themes=3, random_state=4)


def test_find_themes_handles_no_content():
    assert find_themes(["", "😀", "the and"], n_themes=3).themes == ()
    with pytest.raises(ValueError, match="n_themes >= 1, got 0"):
        find_themes(TEXTS, n_themes=0)


def test_select_poor_fits_picks_unsure_and_other():
    probabilities = np.array([[0.9, 0.1], [0.3, 0.2], [0.8, 0.1]])
    assert select_poor_fits(probabilities, [["a"], ["a"], ["other"]]) == [1, 2]


def test_theme_terms_drop_single_words_inside_a_pair():
    from nlp import theme_label, theme_terms

    terms = ["area", "quiet", "quiet area", "romford", "elm park", "park", "elm"]
    assert theme_terms(terms) == ["quiet area", "romford", "elm park"]
    assert theme_label(terms, 2) == "quiet area, romford"
    assert theme_terms(["bus", "night"]) == ["bus", "night"]
