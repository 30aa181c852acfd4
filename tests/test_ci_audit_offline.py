"""The offline dependency audit of .ci/run reads an OSV export and reports pinned versions it lists (issue 19, finding 14)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "audit_offline.py"


def _database(path: Path, package: str, versions: list[str]) -> Path:
    advisory = {"id": "PYSEC-0000-TEST", "summary": "a made-up advisory for this test",
                "affected": [{"package": {"ecosystem": "PyPI", "name": package}, "versions": versions}]}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("PYSEC-0000-TEST.json", json.dumps(advisory))
    return path


def _audit(database: Path, constraints: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(database), str(constraints)], capture_output=True,
                          text=True, timeout=60)


def test_a_pinned_affected_version_fails_the_audit(tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# pinned\nFlask_WTF==1.3.0\nrequests==2.32.3\n", encoding="utf-8")
    result = _audit(_database(tmp_path / "all.zip", "flask-wtf", ["1.2.0", "1.3.0"]), constraints)
    assert result.returncode == 1
    assert "flask-wtf==1.3.0: PYSEC-0000-TEST" in result.stdout and "2 pinned packages" in result.stdout


def test_an_unaffected_set_passes_and_a_missing_file_says_so(tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("flask-wtf==1.3.1\n", encoding="utf-8")
    assert _audit(_database(tmp_path / "all.zip", "flask-wtf", ["1.3.0"]), constraints).returncode == 0
    missing = _audit(tmp_path / "absent.zip", constraints)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_the_shipped_constraints_pin_every_runtime_dependency():
    pins = (SCRIPT.parent / "constraints.txt").read_text(encoding="utf-8").lower()
    for name in ("flask==", "sqlalchemy==", "argon2-cffi==", "zxcvbn==", "psycopg=="):
        assert f"\n{name}" in pins, name
