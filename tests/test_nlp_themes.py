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


# Real-style clusters (written by the team, synthetic): how residents phrase the same worry.
WALK_HOME = [
    "I feel unsafe walking home from Romford station at night", "walking home from romford station is scary after dark",
    "Honestly, walking back from the station in Romford at night is frightening",
    "the walk home from Romford station has no lights",
]
FIGHTS = [
    "boys start fights outside school and post them on insta", "they film fights at school and put them on insta",
    "fights after school get posted on insta every week", "kids fight by the school gates and it goes on insta",
    "my mate got jumped after school and they put it on insta",
]
SCOOTERS = ["e-scooters speeding on the pavement in Hornchurch", "scooters on pavements nearly hit my nan",
            "e scooters on the pavement are dangerous"]


def test_theme_labels_are_phrases_people_write_taken_from_a_member_text():
    result = find_themes(WALK_HOME + FIGHTS + SCOOTERS, n_themes=3, random_state=0)
    assert len(result.themes) == 3
    for theme in result.themes:
        assert "," not in theme.label and len(theme.label.split()) >= 4, theme.label
        members = [text.lower() for text in WALK_HOME + FIGHTS + SCOOTERS]
        assert any(theme.label.lower().rstrip(".") in text for text in members), theme.label
    walk = next(theme for theme in result.themes if "romford" in theme.top_terms)
    assert "romford station" in walk.label.lower()


def test_theme_label_never_quotes_a_flagged_or_identifying_text():
    texts = ["Jordan Smith from 12 Hill Road stabbed my brother outside the chicken shop",
             "the chicken shop on the high street has fights every night",
             "fights outside the chicken shop at night scare everyone",
             "chicken shop fights every weekend need police"]
    (theme,) = find_themes(texts, n_themes=1, random_state=0).themes
    assert "stabbed" not in theme.label and "Jordan" not in theme.label
    assert "chicken shop" in theme.label.lower()


def test_theme_sentence_falls_back_to_terms_and_cuts_long_clauses():
    from nlp import theme_sentence

    assert theme_sentence([], ["bus", "night"]) == "bus, night"
    long = "buses at night from the town centre to the estate are late and full of people shouting"
    label = theme_sentence([long], ["bus", "night"], max_words=8)
    assert label == "Buses at night from the town centre to..."
