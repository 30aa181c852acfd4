from nlp import is_english, load_pipeline, prepare_text, split_sentences, tokenize


def test_load_pipeline_is_blank_english_with_lemmatizer_and_sentencizer():
    nlp = load_pipeline()
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["lemmatizer", "sentencizer"]
    assert load_pipeline() is nlp


def test_tokenize_returns_lower_case_lemmas_without_punctuation():
    assert tokenize("The Boys were STABBED, innit!") == ["the", "boy", "be", "stab", "innit"]


def test_tokenize_keeps_numbers_and_straightens_apostrophes():
    assert tokenize("bus 174 doesn\u2019t come") == ["bus", "174", "do", "not", "come"]


def test_split_sentences_splits_on_full_stops():
    assert split_sentences("It is dark. The lights are out.") == ["It is dark.", "The lights are out."]


def test_is_english_accepts_slangy_english():
    assert is_english("tbh the feds never come round here innit")


def test_is_english_rejects_french_and_polish():
    assert not is_english("Je ne me sens pas en sécurité dans le parc la nuit")
    assert not is_english("Nie czuję się bezpiecznie w parku w nocy")


def test_is_english_gives_short_texts_the_benefit_of_the_doubt():
    assert is_english("ok")
    assert is_english("😀😀")


def test_prepare_text_marks_empty_and_emoji_only_answers():
    for text in ("", "   ", "😡😡😡", "!!!", None):
        prepared = prepare_text(text)
        assert prepared.is_empty
        assert prepared.original == (text or "")


def test_prepare_text_strips_html_and_script_but_keeps_original():
    raw = "<p>More <b>police</b> &amp; lights</p><script>alert('x')</script>"
    prepared = prepare_text(raw)
    assert prepared.text == "More police & lights"
    assert prepared.had_markup
    assert prepared.original == raw


def test_prepare_text_repairs_mojibake():
    prepared = prepare_text("It\u00e2\u20ac\u2122s not safe at the caf\u00c3\u00a9")
    assert prepared.text == "It's not safe at the café"
    assert prepared.had_mojibake


def test_prepare_text_decodes_windows_1252_bytes():
    assert prepare_text("caf\xe9 is dodgy".encode("cp1252")).text == "café is dodgy"


def test_prepare_text_truncates_long_essays_at_a_word_boundary():
    essay = "the park is not safe at night " * 700
    prepared = prepare_text(essay)
    assert len(essay) > 20_000
    assert prepared.was_truncated
    assert len(prepared.text) <= 5000
    assert prepared.text.endswith("night") or prepared.text.split()[-1] in essay.split()
    assert prepared.original == essay


def test_prepare_text_rejects_other_types():
    import pytest

    with pytest.raises(TypeError, match="prepare_text expects str, bytes or None, got int: 5"):
        prepare_text(5)  # type: ignore[arg-type]
