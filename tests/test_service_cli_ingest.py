"""`voice ingest` and `voice quarantine` on a real database, configured through the environment."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.store.db import make_engine
from service.store.models import IngestRun, QuarantinedRow, Response
from tests.exports import write_csv

HEADER = ["Respondent ID", "Date submitted", "How safe do you feel in your neighbourhood during the day?"]


@pytest.fixture
def env(database_url, tmp_path):
    folder = tmp_path / "css_drop"
    folder.mkdir()
    write_csv(folder / "e.csv", HEADER, [["A", "21/04/2023", "4"], ["B", "21/04/2023", "9"]])
    return {"VOICE_DATABASE_URL": database_url, "VOICE_SOURCES_CSS_PATH": str(folder),
            "VOICE_INSTANCE_PATH": str(tmp_path / "instance")}


def test_ingest_prints_a_run_report_and_a_second_run_is_a_no_op(runner, env):
    first = runner.invoke(main, ["ingest", "css"], env=env)
    assert first.exit_code == 0, first.output
    # B's answer 9 is off the 1-5 scale: B is stored without it and that one cell is quarantined
    assert "css e.csv: finished; read 2, new 2, updated 0, unchanged 0, duplicate 0, quarantined 0, fields quarantined 1;" in first.output
    again = runner.invoke(main, ["ingest", "css"], env=env)
    assert "css e.csv: skipped;" in again.output and "this file was already ingested (same content)" in again.output


def test_ingest_of_a_file_missing_a_configured_column_exits_non_zero_with_one_line_and_stores_nothing(runner, env, tmp_path):
    folder = tmp_path / "misnamed"
    folder.mkdir()
    write_csv(folder / "e.csv", HEADER, [["A", "21/04/2023", "4"]], rename={"Sex": "Sex?"})
    result = runner.invoke(main, ["ingest", "css"], env={**env, "VOICE_SOURCES_CSS_PATH": str(folder)})
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("css e.csv: failed; read 0, new 0,") and "Traceback" not in result.output
    assert ("errors: e.csv: column 'Sex' (set by [sources.css] mapping.sex_column) is not in the file; "
            "the closest are 'Sex?'. Nothing was stored.") in line
    engine = make_engine(env["VOICE_DATABASE_URL"])
    with engine.connect() as connection:
        counts = [connection.scalar(select(func.count()).select_from(t)) for t in (Response, QuarantinedRow)]
        run = connection.execute(select(IngestRun.status, IngestRun.errors)).one()
    engine.dispose()
    assert counts == [0, 0] and run.status == "failed" and run.errors[0] in line


def test_ingest_without_source_or_all_says_what_to_name(runner, env):
    result = runner.invoke(main, ["ingest"], env=env)
    assert result.exit_code == 2
    assert "name a SOURCE (one of: css, shout, qr" in result.output


def test_quarantine_list_fix_and_retry(runner, env):
    runner.invoke(main, ["ingest", "css"], env=env)
    listed = runner.invoke(main, ["quarantine", "list"], env=env)
    assert "stored without it] css e.csv row 3: 'How safe do you feel in your neighbourhood during the day?' = '9' breaks range" in listed.output
    row_id = listed.output.split()[0].lstrip("#")
    shown = runner.invoke(main, ["quarantine", "show", row_id], env=env)
    assert "value '9'; expected a number from 1 to 5" in shown.output
    fixed = runner.invoke(main, ["quarantine", "fix", row_id, "--field", HEADER[2], "--value", "5"], env=env)
    assert fixed.exit_code == 0, fixed.output
    retried = runner.invoke(main, ["quarantine", "retry", "--source", "css"], env=env)
    assert "stored 1, still quarantined 0" in retried.output
    assert "No quarantined records." in runner.invoke(main, ["quarantine", "list"], env=env).output


def test_quarantine_fix_of_unknown_field_fails_listing_fields(runner, env):
    runner.invoke(main, ["ingest", "css"], env=env)
    row_id = runner.invoke(main, ["quarantine", "list"], env=env).output.split()[0].lstrip("#")
    result = runner.invoke(main, ["quarantine", "fix", row_id, "--field", "Age", "--value", "3"], env=env)
    assert result.exit_code == 1
    assert "has no field 'Age'; its fields are 'Respondent ID'" in result.output


def test_ingest_watch_reports_each_settled_file_and_stops_on_ctrl_c(env, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-c", "from service.cli import main; main()", "ingest", "css", "--watch", "--interval", "0.2"]
    process = subprocess.Popen(command, env={**os.environ, **env, "VOICE_SECRET_KEY": "x" * 32}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # blocks until the first report (or the process ends)
        assert "css e.csv: finished; read 2, new 2" in line, (line, process.stderr.read() if process.poll() is not None else "")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Watching" in err and "Stopped watching." in err and out == ""


def test_ingest_watch_takes_one_source(runner, env):
    result = runner.invoke(main, ["ingest", "--all", "--watch"], env=env)
    assert result.exit_code == 2 and "--watch takes one SOURCE" in result.output
