"""`voice --help` and every subcommand's `--help` load no heavy library (counted in a fresh
interpreter, not timed: the timing is in bench/cli), and a database without tables is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from service.cli import main

PROJECT = Path(__file__).resolve().parent.parent
HEAVY = ("sklearn", "spacy", "scipy", "pandas", "numpy", "flask", "weasyprint", "openpyxl", "docx", "apscheduler")
PROBE = """
import json, sys
from service.cli import main
for args in json.loads(sys.argv[1]):
    try:
        main(args, prog_name="voice")
    except SystemExit as stop:
        assert stop.code == 0, (args, stop.code)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
print(len(sys.modules), file=sys.stderr)
"""


def _loaded(*commands: list[str]) -> tuple[set[str], int]:
    """The top-level packages (and the number of modules) one fresh interpreter loaded to run ``commands``."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(commands)], capture_output=True, text=True, env=env,
                          cwd=PROJECT, timeout=120, check=True)
    *_, packages, count = done.stderr.strip().splitlines()
    return set(json.loads(packages)), int(count)


def _commands() -> list[list[str]]:
    found = []
    for name, command in main.commands.items():
        found.append([name, "--help"])
        for sub in getattr(command, "commands", {}):
            found.append([name, sub, "--help"])
    return found


def test_help_loads_no_heavy_library():
    packages, count = _loaded(["--help"])
    assert not packages & set(HEAVY), packages & set(HEAVY)
    assert count < 900  # 2,837 modules before issue 17 (scikit-learn, spaCy, SciPy, pandas, Flask)


def test_every_subcommand_help_loads_no_heavy_library():
    commands = _commands()
    assert len(commands) > 25 and ["safeguarding", "alert", "--help"] in commands
    packages, _ = _loaded(*commands)
    assert not packages & set(HEAVY), packages & set(HEAVY)


def test_ingest_on_a_database_without_tables_says_run_db_upgrade_in_one_line(runner, tmp_path):
    env = {"VOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = runner.invoke(main, ["ingest", "css"], env=env)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "run `voice db upgrade`" in lines[0] and "empty.db" in lines[0]
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
