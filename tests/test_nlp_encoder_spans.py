"""Span embeddings pooled from one encoder pass per text (``SentenceEncoder.encode_spans``)."""

from __future__ import annotations

import numpy as np
import pytest

encoder_module = pytest.importorskip("nlp.encoder")
pytest.importorskip("onnxruntime")

TEXT = "The underpass is dark at night. Kids deal there; nobody comes when we ring the police."


@pytest.fixture(scope="module")
def onnx() -> encoder_module.SentenceEncoder:
    return encoder_module.SentenceEncoder(backend="onnx", threads=1)


def test_the_whole_text_span_is_the_ordinary_embedding(onnx: encoder_module.SentenceEncoder) -> None:
    pooled = onnx.encode_spans([TEXT], [[(0, len(TEXT))]])[0]
    np.testing.assert_allclose(pooled[0], onnx.encode([TEXT])[0], atol=1e-6)


def test_a_span_pools_only_its_own_word_pieces(onnx: encoder_module.SentenceEncoder) -> None:
    first, second = (0, 30), (32, 47)  # "The underpass is dark at night", "Kids deal there"
    assert TEXT[first[0]:first[1]].endswith("night") and TEXT[second[0]:second[1]] == "Kids deal there"
    encoding = onnx._tokenizer.encode(TEXT)
    states = onnx._hidden(np.array([encoding.ids]))[0]
    inside = [k for k, (start, end) in enumerate(encoding.offsets) if 0 < k < len(states) - 1 and end <= first[1]]
    assert [encoding.tokens[k] for k in inside] == ["the", "under", "##pass", "is", "dark", "at", "night"]
    expected = states[inside].sum(axis=0) + states[0] + states[-1]  # with [CLS] and [SEP]
    pooled = onnx.encode_spans([TEXT], [[first, second]])[0]
    np.testing.assert_allclose(pooled[0], expected / np.linalg.norm(expected), atol=1e-6)
    assert float(pooled[0] @ pooled[1]) < 0.95


def test_span_embeddings_do_not_depend_on_the_texts_coded_with_them(onnx: encoder_module.SentenceEncoder) -> None:
    spans = [(0, 30), (32, 47), (0, len(TEXT))]
    alone = encoder_module.SentenceEncoder(backend="onnx", threads=1).encode_spans([TEXT], [spans])[0]
    others = ["ok", "The lights on my road have been out for weeks and the council does nothing at all."]
    together = onnx.encode_spans([others[0], TEXT, others[1]], [[(0, 2)], spans, [(0, 20)]])[1]
    np.testing.assert_array_equal(alone, together)


def test_a_span_without_word_pieces_gets_the_whole_text(onnx: encoder_module.SentenceEncoder) -> None:
    pooled = onnx.encode_spans([TEXT], [[(31, 32), (0, len(TEXT))]])[0]  # (31, 32) is a space
    np.testing.assert_array_equal(pooled[0], pooled[1])


def test_a_long_text_is_run_in_passes_and_a_span_is_cut_at_its_pass(onnx: encoder_module.SentenceEncoder) -> None:
    sentence = "The street lights on our road have been broken for months."
    text = " ".join([sentence] * 40)  # 12 pieces a sentence: 480 pieces, two passes of 254
    last = (len(text) - len(sentence), len(text))
    pooled = onnx.encode_spans([text], [[(0, len(text)), last]])[0]
    np.testing.assert_allclose(pooled[0], onnx.encode([text])[0], atol=1e-6)  # cut at 256 as encode is
    encoding = onnx._tokenizer.encode(text)
    content = encoding.ids[1:-1]
    second = onnx._hidden(np.array([[encoding.ids[0], *content[254:], encoding.ids[-1]]]))[0]
    expected = second[-13:].sum(axis=0) + second[0]  # the last sentence's 12 pieces, then [SEP]
    np.testing.assert_allclose(pooled[1], expected / np.linalg.norm(expected), atol=1e-5)


def test_spans_seen_in_a_recent_call_are_not_run_again(onnx: encoder_module.SentenceEncoder, monkeypatch) -> None:
    first = onnx.encode_spans(["the bus stop glass is smashed again"], [[(0, 12)]])[0]
    calls: list[int] = []
    real = onnx._hidden
    monkeypatch.setattr(onnx, "_hidden", lambda ids: calls.append(ids.shape[1]) or real(ids))
    again = onnx.encode_spans(["the bus stop glass is smashed again", "fresh text"], [[(0, 12)], [(0, 5)]])
    assert len(calls) == 1
    np.testing.assert_array_equal(again[0], first)


def test_one_span_list_is_needed_per_text(onnx: encoder_module.SentenceEncoder) -> None:
    with pytest.raises(ValueError, match="2 texts but 1 span lists"):
        onnx.encode_spans(["a", "b"], [[(0, 1)]])
