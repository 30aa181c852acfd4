"""Build the int8 ONNX graph of all-MiniLM-L6-v2's six transformer layers from the shipped weights.

Run once by a maintainer, after ``build.py``, in an environment that has the build-time packages
(``pip install onnx==1.23.2 onnxruntime==1.31.1``; ``onnx`` is not a run-time dependency)::

    python nlp/data/minilm/build_onnx.py

It reads ``model-fp16.safetensors`` through :func:`nlp.encoder.read_safetensors` (so its SHA-256
is checked against ``manifest.json``), writes the six layers as an ONNX graph in float32 with
ONNX Runtime's fused CPU operators ``com.microsoft`` Attention and BiasGelu, and plain
Add + LayerNormalization (ONNX Runtime's own SkipLayerNormalization, which its full graph
optimisation would fuse them into, was about 20% slower here on one core: the encoder asks for
basic optimisation only), quantises the matrix products to int8 weights with dynamic uint8 activations
(``onnxruntime.quantization.quantize_dynamic``, per output channel), and records the file's
SHA-256 in ``manifest.json`` (``onnx_file``, ``onnx_sha256``). The word, position and token-type
embeddings are not in the graph: :mod:`nlp.encoder` looks them up in numpy from the same
safetensors file, so the 30,522-row table is shipped once.

Graph input ``hidden`` (batch, tokens, 384 float32: the embedding layer's normalised output) and
``mask`` (batch, tokens int32, 1 = real token); output ``last`` (batch, tokens, 384).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from nlp.encoder import (  # noqa: E402
    N_HEADS,
    N_LAYERS,
    _gelu,
    _layer_norm,
    embed_tokens,
    prepare_weights,
    read_safetensors,
    weights_in,
)

ONNX_FILE = "layers-int8.onnx"
#: SmoothQuant's migration strength (None: no smoothing).
ALPHA = 0.8
_EPS = 1e-12


def layers_graph(weights: dict[str, np.ndarray], smoothing: dict[str, np.ndarray] | None = None):  # type: ignore[no-untyped-def]
    """The float32 ONNX model of the six layers, built from :func:`nlp.encoder.prepare_weights` output.

    ``smoothing`` maps a product's weight key (``"0.qkv"``, ``"0.down"``...) to per-input-channel
    scales ``s``: the product ``x @ W`` becomes ``(x / s) @ (s W)``, the same in exact arithmetic,
    so that int8 activations lose less to a few large channels (SmoothQuant, Xiao et al. 2023).
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    initialisers: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []
    scales = smoothing or {}

    def constant(name: str, array: np.ndarray) -> str:
        initialisers.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def product_input(key: str, source: str) -> tuple[str, np.ndarray]:
        """The (maybe smoothed) input of product ``key`` and its (maybe rescaled) weight."""
        if key not in scales:
            return source, weights[key]
        name = f"{source}.smoothed_for_{key}"
        nodes.append(helper.make_node("Mul", [source, constant(key + ".inverse_scale", 1.0 / scales[key])], [name],
                                      name=key + ".smooth"))
        return name, weights[key] * scales[key][:, None]

    def add_norm(name: str, source: str, bias: np.ndarray, residual: str, gamma: np.ndarray, beta: np.ndarray,
                 output: str) -> None:
        """``LayerNorm(source + bias + residual)`` as plain Add and LayerNormalization nodes."""
        nodes.append(helper.make_node("Add", [source, constant(name + ".bias", bias)], [name + ".biased"], name=name + ".bias"))
        nodes.append(helper.make_node("Add", [name + ".biased", residual], [name + ".summed"], name=name + ".residual"))
        nodes.append(helper.make_node("LayerNormalization", [name + ".summed", constant(name + ".g", gamma), constant(name + ".b", beta)],
                                      [output], axis=-1, epsilon=_EPS, name=name))

    current = "hidden"
    for layer in range(N_LAYERS):
        p = f"l{layer}."
        source, matrix = product_input(f"{layer}.qkv", current)
        qkv = constant(p + "qkv", matrix)
        qkv_bias = constant(p + "qkv_bias", weights[f"{layer}.qkv_bias"])
        nodes.append(helper.make_node("Attention", [source, qkv, qkv_bias, "mask"], [p + "context"],
                                      domain="com.microsoft", num_heads=N_HEADS, name=p + "attention"))
        source, matrix = product_input(f"{layer}.out", p + "context")
        nodes.append(helper.make_node("MatMul", [source, constant(p + "out", matrix)], [p + "projected"], name=p + "out"))
        gamma, beta = weights[f"{layer}.attention_norm"]
        add_norm(p + "norm1", p + "projected", weights[f"{layer}.out_bias"], current, gamma, beta, p + "attended")
        source, matrix = product_input(f"{layer}.up", p + "attended")
        nodes.append(helper.make_node("MatMul", [source, constant(p + "up", matrix)], [p + "up_raw"], name=p + "up"))
        nodes.append(helper.make_node("BiasGelu", [p + "up_raw", constant(p + "up_bias", weights[f"{layer}.up_bias"])],
                                      [p + "inner"], domain="com.microsoft", name=p + "gelu"))
        source, matrix = product_input(f"{layer}.down", p + "inner")
        nodes.append(helper.make_node("MatMul", [source, constant(p + "down", matrix)], [p + "down_raw"], name=p + "down"))
        gamma, beta = weights[f"{layer}.output_norm"]
        output = "last" if layer == N_LAYERS - 1 else p + "output"
        add_norm(p + "norm2", p + "down_raw", weights[f"{layer}.down_bias"], p + "attended", gamma, beta, output)
        current = output
    width = weights["word"].shape[1]
    graph = helper.make_graph(
        nodes, "minilm_layers",
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", width]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"])],
        [helper.make_tensor_value_info("last", TensorProto.FLOAT, ["batch", "tokens", width])],
        initialisers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="community-voice nlp/data/minilm/build_onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def activation_ranges(weights: dict[str, np.ndarray], texts: list[str]) -> dict[str, np.ndarray]:
    """Largest absolute input, per channel, of every matrix product over the real tokens of ``texts``.

    The same float32 forward pass as :func:`nlp.encoder.forward`, one text at a time (no padding).
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(HERE / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=256)
    peaks: dict[str, np.ndarray] = {}

    def seen(key: str, values: np.ndarray) -> None:
        top = np.abs(values).reshape(-1, values.shape[-1]).max(axis=0)
        peaks[key] = np.maximum(peaks[key], top) if key in peaks else top

    for encoding in tokenizer.encode_batch(texts):
        hidden = embed_tokens(weights, np.array([encoding.ids]))[0]
        for layer in range(N_LAYERS):
            seen(f"{layer}.qkv", hidden)
            qkv = hidden @ weights[f"{layer}.qkv"] + weights[f"{layer}.qkv_bias"]
            tokens, width = hidden.shape
            head = width // N_HEADS
            query, key, value = qkv.reshape(tokens, 3, N_HEADS, head).transpose(1, 2, 0, 3)
            scores = query @ key.transpose(0, 2, 1) / np.sqrt(head)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(1, 0, 2).reshape(tokens, width)
            seen(f"{layer}.out", context)
            attended = _layer_norm(context @ weights[f"{layer}.out"] + weights[f"{layer}.out_bias"] + hidden,
                                   weights[f"{layer}.attention_norm"])
            seen(f"{layer}.up", attended)
            inner = _gelu(attended @ weights[f"{layer}.up"] + weights[f"{layer}.up_bias"])
            seen(f"{layer}.down", inner)
            hidden = _layer_norm(inner @ weights[f"{layer}.down"] + weights[f"{layer}.down_bias"] + attended,
                                 weights[f"{layer}.output_norm"])
    return peaks


def smoothing_scales(weights: dict[str, np.ndarray], peaks: dict[str, np.ndarray], alpha: float) -> dict[str, np.ndarray]:
    """SmoothQuant's per-channel scales ``max|x|^alpha / max|W row|^(1 - alpha)`` for each product."""
    scales = {}
    for key, peak in peaks.items():
        row_peak = np.abs(weights[key]).max(axis=1)
        scale = np.power(np.maximum(peak, 1e-5), alpha) / np.power(np.maximum(row_peak, 1e-5), 1.0 - alpha)
        scales[key] = scale.astype(np.float32)
    return scales


def calibration_texts() -> list[str]:
    """The team's synthetic training comments (nlp/data/training.csv) and their segments: no real text."""
    import csv

    from nlp.sentence_topics import split_segments

    with (HERE.parent / "training.csv").open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    return texts + [segment for text in texts for segment in split_segments(text)]


def build(target_dir: Path = HERE, *, alpha: float | None = ALPHA, exclude: tuple[str, ...] = ()) -> dict[str, object]:
    """Write the quantised graph into ``target_dir`` and add its name and hash to the manifest there."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weights_file, sha256 = weights_in(target_dir)
    weights = prepare_weights(read_safetensors(weights_file, sha256=sha256))
    smoothing = None if alpha is None else smoothing_scales(weights, activation_ranges(weights, calibration_texts()), alpha)
    with tempfile.TemporaryDirectory() as scratch:
        float_file = Path(scratch) / "layers-fp32.onnx"
        onnx.save(layers_graph(weights, smoothing), str(float_file))
        quantize_dynamic(str(float_file), str(target_dir / ONNX_FILE), per_channel=True, nodes_to_exclude=list(exclude),
                         weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    manifest_file = target_dir / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["onnx_file"] = ONNX_FILE
    manifest["onnx_sha256"] = hashlib.sha256((target_dir / ONNX_FILE).read_bytes()).hexdigest()
    manifest["onnx_built_from"] = manifest["weights_file"]
    manifest["onnx_note"] = (f"transformer layers only, int8 weights (per channel), dynamic uint8 activations, "
                             f"SmoothQuant alpha {alpha} calibrated on nlp/data/training.csv (team-written), "
                             f"float32 nodes {list(exclude)}; built by build_onnx.py with onnx 1.23.2 and "
                             "onnxruntime 1.31.1")
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=ALPHA, help="SmoothQuant strength; negative: none")
    parser.add_argument("--exclude", nargs="*", default=[], help="node names kept in float32 (e.g. l0.down)")
    options = parser.parse_args()
    print(json.dumps(build(alpha=None if options.alpha < 0 else options.alpha, exclude=tuple(options.exclude)), indent=2))
