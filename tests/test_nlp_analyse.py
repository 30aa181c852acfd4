import pytest

from nlp import TopicClassifier
from nlp.analyse import analyse_texts

SMALL = [
    ("more police on the streets please", ["police_presence"]), ("never see police patrols", ["police_presence"]),
    ("bring back bobbies on the beat", ["police_presence"]), ("police presence at night", ["police_presence"]),
    ("the street lights are broken", ["street_lighting"]), ("its so dark no lights", ["street_lighting"]),
    ("fix the lamp posts", ["street_lighting"]), ("better lighting in the alley", ["street_lighting"]),
]


@pytest.fixture(scope="module")
def model():
    return TopicClassifier(cv=2, char_ngram_range=None).fit([t for t, _ in SMALL], [l for _, l in SMALL])


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😡😡😡🔪", "x" * 20_000, "the park is dark " * 2000, "<script>alert(1)</script>",
     "caf\u00c3\u00a9 is dodgy", b"caf\xe9 is dodgy", None, "\x00\x01 weird control chars",
     "Je ne me sens pas en sécurité dans le parc la nuit"],
)
def test_analyse_texts_survives_bad_input_and_keeps_the_original(model, text):
    (result,) = analyse_texts([text], model)
    expected = text.decode("cp1252") if isinstance(text, bytes) else (text or "")
    assert result.prepared.original == expected
    assert "<script" not in result.redaction.text


def test_analyse_texts_codes_english_and_sets_aside_other_languages(model):
    english, french, empty = analyse_texts(
        ["John from 12 Hill Road says the street lights are broken",
         "Je ne me sens pas en sécurité dans le parc la nuit", "🙂"], model)
    assert english.topics == ("street_lighting",)
    assert english.redaction.text == "[name] from [street] says the street lights are broken"
    assert not french.prepared.is_english and french.topics == ()
    assert empty.prepared.is_empty and empty.topics == ()


def test_analyse_texts_flags_safeguarding(model):
    (result,) = analyse_texts(["my step dad hits me and the lights are broken"], model)
    assert result.safeguarding.is_flagged
