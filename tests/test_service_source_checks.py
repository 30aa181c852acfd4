"""`voice sources check|suggest` and the analysts' sample-check page (service/pipeline/source_checks.py).

The checks themselves are ``ingest.check_export`` and ``ingest.suggest_mapping`` from the ingest
update. Where they are missing, the commands and page must say "needs ingest update" clearly;
where they exist, they must run on a real export and store nothing.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import Response

PASSWORD = "correct horse battery"
HEADER = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
          "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "sample.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, ["CSS-1", "21/04/2023 10:15", "2023", "25-34", "Female", "9", "More lighting"]])
    return path


@pytest.fixture
def env(database_url, tmp_path):
    return {"VOICE_DATABASE_URL": database_url, "VOICE_INSTANCE_PATH": str(tmp_path / "instance")}


@pytest.fixture
def analyst(app, factory):
    with transaction(factory) as session:
        add_user(session, "analyst@example.org", "Test analyst", "analyst", PASSWORD)
        add_user(session, "viewer@example.org", "Test viewer", "viewer", PASSWORD)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "analyst@example.org", "password": PASSWORD}).status_code == 302
    return client


def test_cli_check_names_an_unknown_source(runner, env, export):
    result = runner.invoke(main, ["sources", "check", str(export), "--source", "nosuch"], env=env)
    assert result.exit_code == 1 and "no source called 'nosuch'" in result.output


def test_page_refuses_viewers_and_files_of_other_kinds(app, analyst, factory):
    assert analyst.get("/sources/check").status_code == 200
    reply = analyst.post("/sources/check", data={"sample": (io.BytesIO(b"%PDF"), "sample.pdf")}, content_type="multipart/form-data")
    assert reply.status_code == 400 and "expected one of .csv, .txt, .xlsx, .sav" in reply.get_data(as_text=True)
    viewer = app.test_client()
    viewer.post("/sign-in", data={"email": "viewer@example.org", "password": PASSWORD})
    assert viewer.get("/sources/check").status_code == 403


def test_cli_check_and_suggest_run_on_a_real_export_and_store_nothing(runner, env, export, factory):
    checked = runner.invoke(main, ["sources", "check", str(export), "--source", "css"], env=env)
    suggested = runner.invoke(main, ["sources", "suggest", str(export)], env=env)
    assert checked.exit_code == 0 and "against [sources.css]" in checked.output, checked.output
    assert suggested.exit_code == 0 and "Suggested mapping" in suggested.output, suggested.output
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_page_checks_an_uploaded_sample_and_stores_nothing(analyst, export, factory):
    reply = analyst.post("/sources/check", data={"source": "css", "sample": (io.BytesIO(export.read_bytes()), "sample.csv")},
                         content_type="multipart/form-data")
    assert reply.status_code == 200 and "sample.csv against css" in reply.get_data(as_text=True)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_wrong_sheet_or_encoding_names_the_source_and_the_config_file_loaded(runner, env, tmp_path):
    """Analyst trial 3, finding 8: both said "Fix [sources.KEY.file] ... in config.toml", whatever was loaded."""
    from openpyxl import Workbook

    from tests.test_ingest_exports import SHIPPED

    book = Workbook()
    book.active.title = "Responses"
    book.active.append(["UserNo", "Ended"])
    book.active.append(["1", "01/05/2024 10:00"])
    (tmp_path / "ss").mkdir()
    book.save(tmp_path / "ss" / "export.xlsx")
    (tmp_path / "cs").mkdir()
    (tmp_path / "cs" / "export.txt").write_text("Response ID\tSubmitted on\nANON-1\t2024-05-01 10:00\n", encoding="utf-16")
    config = tmp_path / "mistakes.toml"
    sections = [f'\n[sources.{key}]\nname = "{key}"\nkind = "file"\nmin_age = 16\npath = "{tmp_path / folder}"\n'
                f'[sources.{key}.file]\n{setting}\n[sources.{key}.mapping]\nid_column = "{id_column}"\n'
                for key, folder, setting, id_column in [("wrongsheet", "ss", 'sheet = "Sheet1"', "UserNo"),
                                                        ("wrongcode", "cs", 'encoding = "utf-8"', "Response ID")]]
    config.write_text(SHIPPED.read_text(encoding="utf-8") + "".join(sections), encoding="utf-8")
    expected = {"wrongsheet": f"sheet 'Sheet1' not found; sheets in the workbook: 'Responses'; fix [sources.wrongsheet.file] "
                              f"sheet in {config}",
                "wrongcode": f"is not valid UTF-8 text (tried: utf-8); fix [sources.wrongcode.file] encoding in {config}, "
                             "or leave it \"\" to detect"}
    for key, message in expected.items():
        sample = next((tmp_path / ("ss" if key == "wrongsheet" else "cs")).iterdir())
        checked = runner.invoke(main, ["--config", str(config), "sources", "check", str(sample), "--source", key], env=env)
        assert checked.exit_code == 1 and message in checked.output and "Traceback" not in checked.output, checked.output
        ingested = runner.invoke(main, ["--config", str(config), "ingest", key], env=env)
        assert "failed" in ingested.output and message in ingested.output, ingested.output
        assert "KEY" not in ingested.output and "config.toml" not in ingested.output
