import numpy as np
import pytest

from nlp import (
    TEST_PATH,
    KeywordClassifier,
    ModelError,
    NotFittedError,
    TopicClassifier,
    TrainingDataError,
    combine_with_confirmed,
    load_codeframe,
    load_labelled,
    load_model,
    load_or_train_model,
    score_predictions,
)

SMALL = [
    ("more police on the streets please", ["police_presence"]),
    ("never see police patrols", ["police_presence"]),
    ("bring back bobbies on the beat", ["police_presence"]),
    ("police presence at night", ["police_presence"]),
    ("the street lights are broken", ["street_lighting"]),
    ("its so dark no lights", ["street_lighting"]),
    ("fix the lamp posts", ["street_lighting"]),
    ("better lighting in the alley", ["street_lighting"]),
    ("nothing to do for teenagers", ["youth_provision"]),
    ("bring back the youth club", ["youth_provision"]),
    ("free football for kids", ["youth_provision"]),
    ("somewhere for young people to go", ["youth_provision"]),
]


@pytest.fixture(scope="module")
def bundled_model():
    training = load_labelled()
    return TopicClassifier(codeframe_version=load_codeframe().version).fit(training.texts, training.topics)


def _small_model(**params):
    return TopicClassifier(cv=3, char_ngram_range=None, **params).fit([t for t, _ in SMALL], [l for _, l in SMALL])


def test_topic_classifier_constructor_only_stores_parameters():
    model = TopicClassifier(C=2.0, random_state=3)
    assert model.get_params()["C"] == 2.0
    assert not hasattr(model, "classes_")


def test_topic_classifier_fit_returns_self_and_learns_topics():
    model = TopicClassifier(cv=3, char_ngram_range=None)
    assert model.fit([t for t, _ in SMALL], [l for _, l in SMALL]) is model
    assert list(model.classes_) == ["police_presence", "street_lighting", "youth_provision"]
    assert model.predict(["more police patrols"]) == [["police_presence"]]
    assert model.predict_proba(["more police patrols"]).shape == (1, 3)


def test_topic_classifier_is_deterministic_with_the_same_seed():
    first, second = _small_model(random_state=5), _small_model(random_state=5)
    assert first.version_ == second.version_
    np.testing.assert_array_equal(first.predict_proba(["dark alley"]), second.predict_proba(["dark alley"]))


def test_topic_classifier_beats_keyword_baseline_on_held_out_texts(bundled_model):
    held_out = load_labelled(TEST_PATH)
    topics = list(bundled_model.classes_)
    model_f1 = score_predictions(bundled_model.predict(held_out.texts), held_out.topics, topics=topics).macro_f1
    baseline = KeywordClassifier().fit()
    baseline_f1 = score_predictions(baseline.predict(held_out.texts), held_out.topics, topics=topics).macro_f1
    assert model_f1 > baseline_f1 + 0.05, (model_f1, baseline_f1)
    assert model_f1 >= 0.65


def test_topic_classifier_version_names_codeframe_version(bundled_model):
    assert bundled_model.version_.startswith(load_codeframe().version + "+")


def test_topic_classifier_saves_and_loads(tmp_path, bundled_model):
    path = bundled_model.save(tmp_path / "m" / "model.joblib")
    loaded = load_model(path)
    assert loaded.version_ == bundled_model.version_
    texts = ["my car got broken into", "more cctv"]
    np.testing.assert_allclose(loaded.predict_proba(texts), bundled_model.predict_proba(texts))


def test_load_model_names_missing_and_corrupt_files(tmp_path):
    with pytest.raises(ModelError, match=r"topic model file .*nothing\.joblib does not exist"):
        load_model(tmp_path / "nothing.joblib")
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match=r"bad\.joblib cannot be read"):
        load_model(bad)


def test_topic_classifier_rejects_bad_training_input():
    with pytest.raises(TrainingDataError, match=r"fit got 2 texts but 1 topic lists"):
        TopicClassifier().fit(["a", "b"], [["x"]])
    with pytest.raises(TrainingDataError, match=r"fit needs at least 10 texts for cv=5, got 2"):
        TopicClassifier().fit(["a", "b"], [["x"], ["y"]])
    with pytest.raises(TrainingDataError, match=r"topics #0 must be a list of topic ids, got 'x'"):
        TopicClassifier(cv=2).fit(["a", "b", "c", "d"], ["x", ["y"], ["y"], ["y"]])


def test_topic_classifier_refuses_prediction_before_fit():
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        TopicClassifier().predict(["x"])


def test_load_or_train_model_trains_once_then_reuses_the_cache(tmp_path):
    training = tmp_path / "train.csv"
    lines = ["text,topics,voice"] + [f'"{t}",{";".join(l)},adult' for t, l in SMALL]
    training.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = load_or_train_model(tmp_path / "cache", training_path=training, shipped_dir=None)
    (cached,) = (tmp_path / "cache").iterdir()
    again = load_or_train_model(tmp_path / "cache", training_path=training, shipped_dir=None)
    assert again.version_ == first.version_
    assert list((tmp_path / "cache").iterdir()) == [cached]


def test_load_or_train_model_retrains_with_confirmed_codes(tmp_path):
    training = tmp_path / "train.csv"
    lines = ["text,topics,voice"] + [f'"{t}",{";".join(l)},adult' for t, l in SMALL]
    training.write_text("\n".join(lines) + "\n", encoding="utf-8")
    base = load_or_train_model(tmp_path, training_path=training, shipped_dir=None)
    extra = ["cctv cameras please", "more cameras", "cameras that work"]
    updated = load_or_train_model(tmp_path, training_path=training, shipped_dir=None,
                                  confirmed_texts=extra, confirmed_topics=[["cctv"]] * 3)
    assert "cctv" not in base.classes_
    assert "cctv" in updated.classes_


def test_combine_with_confirmed_replaces_the_same_text():
    base = load_labelled()
    text = base.texts[0]
    combined = combine_with_confirmed(base, [text], [["other"]])
    assert len(combined.texts) == len(base.texts)
    assert combined.topics[combined.texts.index(text)] == ("other",)


def test_load_labelled_names_file_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,topics,voice\nhello,ufo_sightings,adult\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"bad\.csv, row 2, column 'topics': \['ufo_sightings'\] not in codeframe"):
        load_labelled(path)


def test_bundled_training_set_is_large_and_covers_every_topic():
    training = load_labelled()
    assert len(training.texts) >= 600
    assert set(training.voices) == {"adult", "young"}
    used = {topic for labels in training.topics for topic in labels}
    assert used == set(load_codeframe().ids)


def test_keyword_classifier_matches_include_phrases():
    baseline = KeywordClassifier().fit()
    assert "cctv" in baseline.predict(["put up more CCTV"])[0]
    assert baseline.predict(["zzz"]) == [["other"]]
