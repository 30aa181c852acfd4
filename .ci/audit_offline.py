"""Audit pinned dependencies against an offline copy of the OSV vulnerability database (no network).

Usage: python .ci/audit_offline.py OSV_PYPI_ZIP CONSTRAINTS_FILE

``OSV_PYPI_ZIP`` is OSV's export of PyPI advisories (https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip,
one JSON file per advisory, CC-BY 4.0), fetched by the council on a machine that may reach the
internet and copied in. Each advisory lists the exact affected versions of each package; a pinned
``name==version`` of the constraints file on that list is reported. Exit 0: none found; 1: some
found; 2: the files cannot be read. pip-audit itself asks PyPI or OSV over the network and has
no way to read a local database, hence this script for offline CI.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path


def normalise(name: str) -> str:
    """A package name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """``{normalised name: version}`` of every ``name==version`` line."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+).*", line)
        if match:
            pins[normalise(match.group(1))] = match.group(3)
    return pins


def find_vulnerabilities(database: Path, pins: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """``(package, version, advisory id, summary)`` for each pinned version an advisory lists as affected."""
    found = []
    with zipfile.ZipFile(database) as archive:
        for member in archive.namelist():
            if not member.endswith(".json"):
                continue
            advisory = json.loads(archive.read(member))
            for affected in advisory.get("affected", []):
                package = affected.get("package", {})
                name = normalise(package.get("name", ""))
                if package.get("ecosystem") == "PyPI" and name in pins and pins[name] in affected.get("versions", []):
                    found.append((name, pins[name], advisory.get("id", member), advisory.get("summary", "")[:100]))
    return sorted(set(found))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    database, constraints = Path(argv[1]), Path(argv[2])
    try:
        pins = read_pins(constraints)
        found = find_vulnerabilities(database, pins)
    except (OSError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        print(f"offline audit: cannot read {database} or {constraints}: {error}", file=sys.stderr)
        return 2
    for name, version, advisory, summary in found:
        print(f"{name}=={version}: {advisory} {summary}")
    print(f"offline audit: {len(pins)} pinned packages checked against {database.name}; {len(found)} known vulnerabilities")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
