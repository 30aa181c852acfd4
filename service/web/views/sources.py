"""Analysts try a sample export before it is set up or changed as a source: checked or mapped, nothing stored."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request

from service.config import ConfigError
from service.pipeline.source_checks import check_sample, suggest_for_sample
from service.web.access import allow
from service.web.pages import page_context

blueprint = Blueprint("sources", __name__, url_prefix="/sources")
ANALYSTS = ("admin", "analyst")
SUFFIXES = (".csv", ".txt", ".xlsx", ".sav")


@blueprint.get("/check")
@allow(*ANALYSTS)
def check_form():
    """The upload form: a sample file, and the source it should fit (or none, for a suggested mapping)."""
    return _page()


@blueprint.post("/check")
@allow(*ANALYSTS)
def check_upload():
    """Check the uploaded sample against a source's mapping, or suggest one; the file is deleted after reading."""
    upload = request.files.get("sample")
    if upload is None or not upload.filename:
        abort(400, "Choose a sample export file to upload (field 'sample').")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        abort(400, f"file {upload.filename!r} is a {suffix or 'file without an extension'}; expected one of {', '.join(SUFFIXES)}")
    key = request.form.get("source", "")
    config = current_app.config["VOICE"]
    with tempfile.TemporaryDirectory(prefix="voice-sample-") as folder:
        path = Path(folder) / f"sample{suffix}"
        upload.save(path)
        try:
            lines = (check_sample(path, config.source(key), config.app.borough, config.source_file.name) if key
                     else suggest_for_sample(path, config.app.borough))
        except ConfigError as error:
            abort(400, str(error))
    return _page(lines=lines, filename=upload.filename, key=key)


def _page(**values):
    config = current_app.config["VOICE"]
    return render_template("sources/check.html", **page_context("sources"), sources=config.sources, **values)
