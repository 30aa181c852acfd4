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
