"""The pure packages stay pure: no Flask, SQLAlchemy, service, configuration or environment."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = ("ingest", "nlp", "weights")
# The share estimator has one home (weights.estimate_share); nlp's topic shares use it through the
# public package name only, never a private module (STYLE.md section 2).
PUBLIC_USES = {("nlp", "weights")}


@pytest.mark.parametrize("package", PURE)
def test_importing_pure_package_loads_no_flask_sqlalchemy_or_service(package):
    code = (f"import sys, {package}; bad = [m for m in ('flask', 'sqlalchemy', 'service') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "", f"importing {package} loaded {out.stdout.strip()}"


@pytest.mark.parametrize("package", PURE)
def test_pure_package_never_imports_its_siblings_or_reads_the_environment(package):
    siblings = set(PURE) - {package}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            else:
                names = []
            public = isinstance(node, ast.ImportFrom) and node.module in {u for p, u in PUBLIC_USES if p == package}
            for name in names:
                forbidden = siblings | {"flask", "sqlalchemy", "service"}
                assert public or name not in forbidden, f"{path.relative_to(ROOT)} imports {name}"
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                raise AssertionError(f"{path.relative_to(ROOT)} reads the environment")
