"""The detector's pieces of a comment as character spans (``nlp.spans``)."""

from __future__ import annotations

import pytest

from nlp.spans import comment_spans, sentence_spans, whole_span, window_spans


def _words(text: str, spans) -> list[str]:
    return [text[start:end] for start, end in spans]


def test_sentences_are_cut_at_stops_and_line_breaks_and_stripped() -> None:
    text = "  Lights out!  Kids deal there;\nnobody comes. "
    assert _words(text, sentence_spans(text)) == ["Lights out", "Kids deal there", "nobody comes"]
    assert _words(text, [whole_span(text)]) == ["Lights out!  Kids deal there;\nnobody comes."]
    assert whole_span("   ") == (0, 0)


def test_windows_cover_long_sentences_only_twelve_words_every_six() -> None:
    long = " ".join(f"w{k}" for k in range(20))
    text = f"Short one. {long}"
    windows = _words(text, window_spans(text, sentence_spans(text)))
    assert windows == [" ".join(f"w{k}" for k in range(0, 12)), " ".join(f"w{k}" for k in range(6, 18)),
                       " ".join(f"w{k}" for k in range(12, 20))]


def test_comment_spans_start_with_the_whole_and_keep_each_span_once() -> None:
    text = "The bins overflow. The bins overflow."
    spans = comment_spans(text).spans
    assert spans[0] == (0, len(text)) and len(spans) == len(set(spans)) == 3
    assert comment_spans("One sentence only.").spans == ((0, 18),)


@pytest.mark.parametrize("text", ["", "...", "a", "word " * 300])
def test_every_span_lies_inside_the_text(text: str) -> None:
    for start, end in comment_spans(text).spans:
        assert 0 <= start <= end <= len(text)
