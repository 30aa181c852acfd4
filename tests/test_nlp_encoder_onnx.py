"""The ONNX Runtime path of the sentence encoder against the numpy reference, and its hash check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nlp.errors import ModelError

encoder_module = pytest.importorskip("nlp.encoder")
pytest.importorskip("onnxruntime")
SHIPPED = encoder_module.shipped_model_dir()
if not (SHIPPED / "manifest.json").is_file() or "onnx_file" not in json.loads((SHIPPED / "manifest.json").read_text()):
    pytest.skip("nlp/data/minilm has no ONNX graph (run build_onnx.py)", allow_module_level=True)

TEXTS = [
    "Street lights on Hornchurch Road aren't working!",
    "kids r scared 2 walk home, innit",
    "The underpass by the station is dark and people deal there. We have asked the council three times "
    "for better lighting and a camera and nothing has happened; meanwhile the youth club closed.",
    "more bobbies on the beat",
    "Cars race down Upper Rainham Road every night and someone will be killed at the crossing by the school.",
    "ok",
]


@pytest.fixture(scope="module")
def both() -> tuple[encoder_module.SentenceEncoder, encoder_module.SentenceEncoder]:
    return (encoder_module.SentenceEncoder(SHIPPED, backend="onnx", threads=1),
            encoder_module.SentenceEncoder(SHIPPED, backend="numpy"))


def _copy_folder(tmp_path: Path) -> Path:
    for name in ("tokenizer.json", "manifest.json"):
        shutil.copyfile(SHIPPED / name, tmp_path / name)
    manifest = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
    (tmp_path / manifest["weights_file"]).symlink_to(SHIPPED / manifest["weights_file"])
    return tmp_path


def test_onnx_embeddings_match_the_numpy_reference(both) -> None:
    onnx, reference = both
    assert (onnx.backend, reference.backend) == ("onnx", "numpy")
    fast, slow = onnx.encode(TEXTS), reference.encode(TEXTS)
    cosine = (fast * slow).sum(axis=1)
    assert fast.shape == slow.shape == (len(TEXTS), encoder_module.DIMENSION)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert cosine.min() >= 0.99, cosine
    # int8 is close but not identical: the two paths must not be the same computation.
    assert not np.allclose(fast, slow, atol=1e-6)


def test_onnx_keeps_the_model_s_notion_of_similarity(both) -> None:
    police, patrols, car = both[0].encode(["we need more police on the streets", "more officers patrolling please",
                                           "my car window was smashed overnight"])
    assert police @ patrols > police @ car + 0.2


def test_an_onnx_embedding_does_not_depend_on_what_else_is_encoded(both) -> None:
    """int8 activations are scaled per pass, so each text is its own pass: coded with others or
    alone, a text gets the same vector (a code must not depend on its batch-mates)."""
    onnx = both[0]
    same_length = ["the lights are out on my road", "the bus stop is dark at night"]
    assert len({len(ids) for ids in onnx.token_ids(same_length)}) == 1
    texts = TEXTS + same_length
    together = onnx.encode(texts + TEXTS[:2])
    alone = np.vstack([onnx.encode([text]) for text in texts])
    np.testing.assert_allclose(together[: len(texts)], alone, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(together[len(texts) :], together[:2])


def test_a_tampered_graph_is_refused(tmp_path) -> None:
    folder = _copy_folder(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    data = bytearray((SHIPPED / manifest["onnx_file"]).read_bytes())
    data[len(data) // 2] ^= 1
    (folder / manifest["onnx_file"]).write_bytes(bytes(data))
    for backend in ("onnx", "auto"):
        with pytest.raises(ModelError, match=r"layers-int8\.onnx has SHA-256 .* records"):
            encoder_module.SentenceEncoder(folder, backend=backend)
    assert encoder_module.SentenceEncoder(folder, backend="numpy").backend == "numpy"


def test_a_missing_graph_is_named(tmp_path) -> None:
    folder = _copy_folder(tmp_path)
    with pytest.raises(ModelError, match="layers-int8.onnx, named in .* does not exist"):
        encoder_module.SentenceEncoder(folder, backend="onnx")


def test_a_folder_without_a_graph_falls_back_to_numpy_unless_onnx_is_asked_for(tmp_path) -> None:
    folder = _copy_folder(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["onnx_file"], manifest["onnx_sha256"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert encoder_module.SentenceEncoder(folder).backend == "numpy"
    with pytest.raises(ModelError, match="no 'onnx_file'"):
        encoder_module.SentenceEncoder(folder, backend="onnx")
    with pytest.raises(ModelError, match="backend 'gpu' is not one of"):
        encoder_module.SentenceEncoder(folder, backend="gpu")


def test_a_text_seen_in_a_recent_call_is_not_encoded_again(both, monkeypatch) -> None:
    onnx = both[0]
    first = onnx.encode(["the underpass by the station floods", "nobody fixes the lights"])
    calls: list[list[str]] = []
    real = onnx._encode_distinct
    monkeypatch.setattr(onnx, "_encode_distinct", lambda texts: calls.append(list(texts)) or real(texts))
    again = onnx.encode(["nobody fixes the lights", "a new comment about buses", "the underpass by the station floods"])
    assert calls == [["a new comment about buses"]]
    np.testing.assert_array_equal(again[[2, 0]], first)
