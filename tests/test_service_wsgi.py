"""The production entry point (``gunicorn 'service.wsgi:app'``) in a process of its own, as a worker loads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

PROBE = """
import gc
import sys
from service.wsgi import app
client = app.test_client()
print("health", client.get("/health").status_code)
print("frozen", gc.get_freeze_count())
print("heavy", ",".join(m for m in ("sklearn", "scipy", "spacy") if m in sys.modules) or "none")
"""


def test_wsgi_module_builds_the_app_from_the_environment_and_freezes_what_it_loaded(database_url, tmp_path):
    env = {**os.environ, "VOICE_DATABASE_URL": database_url, "VOICE_SECRET_KEY": "wsgi-test-secret-0123456789",
           "VOICE_INSTANCE_PATH": str(tmp_path / "instance")}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["health"] == "200"
    # The app and its libraries (Flask, SQLAlchemy, pandas) are out of the collector's way.
    assert int(lines["frozen"]) > 50_000
    # scikit-learn and SciPy are loaded by the scheduler's jobs, not by every web worker (nlp imports
    # lazily); spaCy's word lists are, at start, because form submissions are redacted as they are stored.
    assert lines["heavy"] == "spacy"
