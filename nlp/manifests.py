"""Shipped model files beside a JSON manifest: read the manifest and refuse a file that does not match it.

Both trained models on the sentence encoder (the topic model and the disclosure detector) ship as
``<name>.npz`` with ``<name>.json`` recording the npz file's SHA-256, the file format and the
encoder's SHA-256. One check serves both, so a changed, damaged or mismatched file is refused the
same way, with the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from nlp.encoder import MODEL_SHA256
from nlp.errors import ModelError


def read_checked_manifest(source: Path, *, what: str, expected_format: str, rebuild: str) -> dict[str, Any]:
    """The manifest of ``source`` (``source`` with ``.json``), once the file's SHA-256, the format and
    the encoder it was trained on all match.

    ``what`` names the model in messages ("sentence topic model"); ``rebuild`` is the command that
    makes the files again.

    Raises
    ------
    ModelError
        If either file is missing or unreadable, the format or encoder differs, or the hash differs.
    """
    manifest_file = source.with_suffix(".json")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        found = hashlib.sha256(source.read_bytes()).hexdigest()
    except (OSError, ValueError) as error:
        raise ModelError(f"{what} {source} or its manifest {manifest_file} cannot be read: {error}; "
                         f"rebuild it with {rebuild}") from error
    if manifest.get("format") != expected_format or manifest.get("encoder_sha256") != MODEL_SHA256:
        raise ModelError(f"{manifest_file}: format {manifest.get('format')!r} / encoder "
                         f"{manifest.get('encoder_sha256')!r}, expected {expected_format} / {MODEL_SHA256}; "
                         f"rebuild it with {rebuild}")
    if found != manifest.get("model_sha256"):
        raise ModelError(f"{what} {source} has SHA-256 {found}, but {manifest_file} records "
                         f"{manifest.get('model_sha256')}; the file was changed or damaged (rebuild it with {rebuild})")
    return manifest
