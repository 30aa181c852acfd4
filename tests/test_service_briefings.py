"""Staff pages for briefings, the SNA export, their archive and the actions log (issue 7), with CSRF on."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from service.store.models import Action, AuditEvent, ReportFile, Site
from tests.dashboard_data import PASSWORD, seed

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def seeded(app):
    """The small dashboard data set (ten QR responses in March 2024, one user per role); CSRF stays on."""
    return seed(app.extensions["voice_sessions"])


def _token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return TOKEN.search(page.get_data(as_text=True)).group(1)


def _sign_in(client, role: str) -> None:
    response = client.post("/sign-in", data={"csrf_token": _token(client, "/sign-in"), "email": f"{role}@example.org",
                                             "password": PASSWORD})
    assert response.status_code == 302, response.data[:500]


def _post(client, url: str, form_url: str, **data):
    return client.post(url, data={"csrf_token": _token(client, form_url), **data})


def _topic() -> str:
    from nlp import load_codeframe

    return load_codeframe().topics[0].id


def _archive_sna(factory) -> int:
    from service.reports.generate import Output, archive

    output = Output(b"PK test workbook", "sna_theme6_2023.xlsx", "SNA Theme 6 Community Voice 2023", "e" * 64, "sna",
                    "xlsx", {"year": 2023})
    with factory() as session:
        file_id = archive(session, output, "cli").id
        session.commit()
    return file_id


def test_briefing_made_on_the_page_is_archived_and_downloads_byte_identical(client, seeded, factory, config):
    from service.reports.generate import make_briefing

    _sign_in(client, "engagement")
    response = _post(client, "/briefings/", "/briefings/", quarter="2024Q1", format="pdf")
    assert response.status_code == 302
    file_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with factory() as session:
        row = session.get(ReportFile, file_id)
        stored, content_hash, fingerprint = row.content, row.content_hash, row.fingerprint
        assert (row.kind, row.format, row.origin, row.created_by) == ("briefing", "pdf", "web", seeded["engagement"])
        assert row.parameters == {"quarter": "2024Q1", "ward": None, "youth": False}
        again = make_briefing(session, config, "2024Q1", None, False, "pdf")
    assert fingerprint == again.fingerprint  # the same inputs give the same fingerprint
    entry = client.get(f"/briefings/files/{file_id}").get_data(as_text=True)
    assert fingerprint in entry and "Test engagement" in entry
    downloads = [client.get(f"/briefings/files/{file_id}/download") for _ in range(2)]
    assert all(d.status_code == 200 and d.mimetype == "application/pdf" for d in downloads)
    assert downloads[0].data == downloads[1].data == stored
    assert stored.startswith(b"%PDF") and hashlib.sha256(downloads[0].data).hexdigest() == content_hash
    assert 'filename="briefing_2024Q1.pdf"' in downloads[0].headers["Content-Disposition"]
    listing = client.get("/briefings/").get_data(as_text=True)
    assert fingerprint[:12] in listing and "briefing_2024Q1.pdf" in listing
    with factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.target == f"report_file:{file_id}")).all()
    assert [(e.action, e.detail["is_download"]) for e in events] == [("briefing", False), ("briefing", True), ("briefing", True)]
    assert events[0].actor.startswith(f"user:{seeded['engagement']} ")


def test_sna_export_viewer_is_refused_making_seeing_and_downloading_it(client, seeded, factory):
    sna_id = _archive_sna(factory)
    _sign_in(client, "viewer")
    assert _post(client, "/briefings/sna", "/briefings/", year="2023", format="xlsx").status_code == 403
    assert client.get(f"/briefings/files/{sna_id}/download").status_code == 403
    assert client.get(f"/briefings/files/{sna_id}").status_code == 403
    listing = client.get("/briefings/").get_data(as_text=True)
    assert "sna_theme6_2023" not in listing and "Make the export" not in listing and "Make the briefing" not in listing
    assert _post(client, "/briefings/", "/briefings/", quarter="2024Q1", format="html").status_code == 403
    with factory() as session:
        assert session.scalars(select(ReportFile.kind)).all() == ["sna"]
        assert session.scalars(select(AuditEvent.id).where(AuditEvent.action == "export")).all() == []


def test_sna_export_engagement_is_refused_but_analyst_downloads_it(client, seeded, factory):
    sna_id = _archive_sna(factory)
    _sign_in(client, "engagement")
    assert client.get(f"/briefings/files/{sna_id}/download").status_code == 403
    assert _post(client, "/briefings/sna", "/briefings/", year="2023", format="xlsx").status_code == 403
    client.post("/sign-out", data={"csrf_token": _token(client, "/briefings/")})
    _sign_in(client, "analyst")
    download = client.get(f"/briefings/files/{sna_id}/download")
    assert download.status_code == 200 and download.data == b"PK test workbook"
    with factory() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.target == f"report_file:{sna_id}" and event.detail["is_download"] is True


def test_briefing_viewer_downloads_the_pdf_but_not_the_docx(client, seeded, factory):
    from service.reports.generate import Output, archive

    with factory() as session:
        ids = {fmt: archive(session, Output(f"{fmt} bytes".encode(), f"briefing_2024Q1.{fmt}", "Briefing", "d" * 64,
                                            "briefing", fmt, {"quarter": "2024Q1", "ward": None, "youth": False}), "scheduler").id
               for fmt in ("pdf", "docx")}
        session.commit()
    _sign_in(client, "viewer")
    assert client.get(f"/briefings/files/{ids['pdf']}/download").data == b"pdf bytes"
    assert client.get(f"/briefings/files/{ids['docx']}/download").status_code == 403


def test_action_added_on_the_page_appears_in_the_next_quarters_briefing(client, seeded, factory):
    _sign_in(client, "engagement")
    response = _post(client, "/briefings/actions/new", "/briefings/actions/new", quarter="2023Q4", topic=_topic(),
                     site="", ward="", you_said="Residents asked for more lighting by the station car park",
                     we_did="Two new lamps were fitted in May", status="done")
    assert response.status_code == 302
    assert "Residents asked for more lighting" in client.get("/briefings/actions").get_data(as_text=True)
    made = _post(client, "/briefings/", "/briefings/", quarter="2024Q1", format="html", youth="")
    file_id = int(made.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/briefings/files/{file_id}/download").get_data(as_text=True)
    assert "Residents asked for more lighting by the station car park" in html
    assert "Two new lamps were fitted in May" in html


def test_briefing_of_an_empty_quarter_is_refused_naming_the_quarters_with_responses(client, seeded, factory):
    _sign_in(client, "engagement")
    page = client.get("/briefings/").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="quarter"[^>]*>\s*<option value="2024Q1" selected>2024Q1</option>\s*</select>', page)
    refused = _post(client, "/briefings/", "/briefings/", quarter="2024Q2", format="pdf")
    assert refused.status_code == 400
    assert "There are no responses for 2024Q2, so there is nothing to brief on. Quarters with responses: 2024Q1." in \
        refused.get_data(as_text=True)
    with factory() as session:
        assert session.scalar(select(ReportFile.id)) is None


def test_briefing_fingerprint_changes_when_an_action_is_added(seeded, factory, config):
    from service.reports.generate import make_briefing

    with factory() as session:
        first = make_briefing(session, config, "2024Q1", None, False, "html")
        session.add(Action(quarter="2023Q4", topic=_topic(), you_said="More patrols", status="planned"))
        session.flush()
        second = make_briefing(session, config, "2024Q1", None, False, "html")
        again = make_briefing(session, config, "2024Q1", None, False, "html")
    assert first.fingerprint != second.fingerprint and second.fingerprint == again.fingerprint


def test_action_edited_on_the_page_keeps_the_site_ward_and_new_status(client, seeded, factory):
    with factory() as session:
        session.add(Action(quarter="2024Q1", topic=_topic(), you_said="Too dark", status="planned"))
        session.commit()
        action_id = session.scalar(select(Action.id))
        site_id = session.scalar(select(Site.id).where(Site.name == "Romford station"))
    _sign_in(client, "analyst")
    url = f"/briefings/actions/{action_id}/edit"
    response = _post(client, url, url, quarter="2024Q1", topic="", site=str(site_id), ward="", you_said="Too dark",
                     we_did="Lights fixed", status="in_progress")
    assert response.status_code == 302
    with factory() as session:
        action = session.get(Action, action_id)
        assert (action.topic, action.site_id, action.ward, action.status) == (None, site_id, "E05013983", "in_progress")
    assert "In progress" in client.get("/briefings/actions").get_data(as_text=True)


def test_action_form_shows_each_error_beside_its_field_and_escapes_values(client, seeded, factory):
    _sign_in(client, "engagement")
    response = _post(client, "/briefings/actions/new", "/briefings/actions/new", quarter="2099Q1", topic="", site="",
                     ward="nowhere", you_said="<script>alert(1)</script>", we_did="", status="finished")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and 'href="#quarter"' in page
    for message in ("2099Q1 has not started yet", "Choose a topic, a site, or both", "Choose a ward from the list",
                    "Choose whether the action is planned, in progress or done"):
        assert message in page
    assert 'id="ward-error"' in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    with factory() as session:
        assert session.scalars(select(Action.id)).all() == []


def test_briefing_form_with_a_bad_quarter_says_how_to_write_one(client, seeded):
    _sign_in(client, "engagement")
    response = _post(client, "/briefings/", "/briefings/", quarter="spring", format="pdf")
    assert response.status_code == 400
    assert "Enter the quarter to brief on, like 2024Q1." in response.get_data(as_text=True)


def test_actions_viewer_reads_the_log_but_cannot_add(client, seeded):
    _sign_in(client, "viewer")
    page = client.get("/briefings/actions")
    assert page.status_code == 200 and b"Add an action" not in page.data
    assert client.get("/briefings/actions/new").status_code == 403


def test_forms_without_csrf_token_are_refused(client, seeded, factory):
    _sign_in(client, "admin")
    action = client.post("/briefings/actions/new", data={"quarter": "2024Q1", "topic": _topic(), "you_said": "x",
                                                         "status": "planned"})
    briefing = client.post("/briefings/", data={"quarter": "2024Q1", "format": "pdf"})
    sna = client.post("/briefings/sna", data={"year": "2023", "format": "md"})
    assert (action.status_code, briefing.status_code, sna.status_code) == (400, 400, 400)
    with factory() as session:
        assert session.scalars(select(Action.id)).all() == [] and session.scalars(select(ReportFile.id)).all() == []


def test_scheduler_has_the_quarterly_briefings_job_and_it_archives_once(engine, factory, config, seeded):
    from service.ops.scheduler import build_scheduler, run_briefings_job, sync_jobs

    config = replace(config, reports=replace(config.reports, scheduled_formats=("html",)))
    scheduler = build_scheduler(config, engine)
    scheduler.start(paused=True)
    try:
        assert "reports:quarterly" in sync_jobs(scheduler, config)
        assert str(scheduler.get_job("reports:quarterly").trigger).startswith("cron[month='1,4,7,10', day='1'")
        assert "reports:quarterly" not in sync_jobs(scheduler, replace(config, reports=replace(config.reports, schedule="")))
        assert scheduler.get_job("reports:quarterly") is None
    finally:
        scheduler.shutdown()
    assert run_briefings_job() == []  # the quarter just closed (today's) has no responses: nothing archived
    from service.reports.generate import run_quarterly_briefings

    april = datetime(2024, 4, 2, tzinfo=timezone.utc)  # the seed's responses are in 2024Q1
    ids = run_quarterly_briefings(factory, config, now=april)
    assert len(ids) == 2 and run_quarterly_briefings(factory, config, now=april) == []  # borough and youth; once
    with factory() as session:
        rows = session.scalars(select(ReportFile).where(ReportFile.id.in_(ids))).all()
        assert {(r.origin, r.format) for r in rows} == {("scheduler", "html")}
        actors = session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "briefing")).all()
    assert actors == ["system", "system"]


def test_reports_schedule_that_is_not_cron_names_the_key(engine, config):
    from service.config import ConfigError
    from service.ops.scheduler import build_scheduler, sync_jobs

    broken = replace(config, reports=replace(config.reports, schedule="quarterly"))
    scheduler = build_scheduler(broken, engine)
    scheduler.start(paused=True)
    try:
        with pytest.raises(ConfigError, match=r"\[reports\] schedule 'quarterly' is not a cron expression"):
            sync_jobs(scheduler, broken)
    finally:
        scheduler.shutdown()


def test_quarter_of_and_last_closed_quarter_agree_at_a_boundary():
    from service.pipeline.periods import last_closed_quarter, quarter_of

    now = datetime(2024, 4, 1, 7, tzinfo=timezone.utc)
    assert (quarter_of(now), last_closed_quarter(now)) == ("2024Q2", "2024Q1")


def test_sna_export_made_by_an_analyst_is_archived_and_logged(client, seeded, factory):
    _sign_in(client, "analyst")
    response = _post(client, "/briefings/sna", "/briefings/", year="2024", format="md")
    assert response.status_code == 302
    file_id = int(response.headers["Location"].rsplit("/", 1)[1])
    download = client.get(f"/briefings/files/{file_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/markdown"
    assert "SYNTHETIC DEMO DATA" in download.get_data(as_text=True)
    with factory() as session:
        row = session.get(ReportFile, file_id)
        assert (row.kind, row.parameters, row.created_by) == ("sna", {"year": 2024}, seeded["analyst"])
        events = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "export")).all()
    assert [e["is_download"] for e in events] == [False, True]


def test_briefing_form_starts_at_the_last_quarter_with_responses(client, seeded, factory):
    from sqlalchemy import func

    from service.pipeline.periods import quarter_of
    from service.store.models import Response

    _sign_in(client, "analyst")
    with factory() as session:
        latest = session.scalar(select(func.max(Response.submitted_at)))
    page = client.get("/briefings/").get_data(as_text=True)
    shown = re.search(r'<option value="([^"]+)" selected>', page[page.index('id="quarter"'):]).group(1)
    assert shown == quarter_of(latest) and shown < "2026Q1"  # the seeded data stop in 2024, long before today


def test_sna_export_of_a_year_without_responses_says_so_and_keeps_nothing(client, seeded, factory, runner, config):
    from service.cli import main

    _sign_in(client, "analyst")
    page = client.get("/briefings/").get_data(as_text=True)
    assert re.search(r'id="year" name="year" type="text" inputmode="numeric" value="2024"', page)  # the seeded data's year
    answer = _post(client, "/briefings/sna", "/briefings/", year="2019", format="xlsx")
    assert answer.status_code == 400
    assert "There are no responses for 2019 in the store" in answer.get_data(as_text=True)
    assert "responses in the store run from 2024 to 2024" in answer.get_data(as_text=True)
    with factory() as session:
        assert session.scalar(select(ReportFile)) is None
    result = runner.invoke(main, ["export", "sna", "--year", "2019", "--format", "md", "--out", "-", "--no-archive"],
                           env={"VOICE_DATABASE_URL": config.database.url})
    assert result.exit_code == 1 and "there are no responses for 2019" in result.output
    assert "Traceback" not in result.output


def test_export_on_a_database_never_upgraded_says_to_upgrade(runner, tmp_path):
    from service.cli import main

    result = runner.invoke(main, ["export", "sna", "--year", "2023", "--format", "md", "--out", str(tmp_path / "x.md"),
                                  "--no-archive"], env={"VOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    assert result.exit_code == 1 and "run `voice db upgrade`" in result.output and "stopped" not in result.output


@pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="needs poppler-utils")
def test_briefing_pdf_page_one_opens_with_key_messages_then_you_said_we_did(seeded, factory, config, tmp_path):
    import subprocess

    from service.reports.generate import make_briefing

    with factory() as session:
        session.add(Action(quarter="2023Q4", topic=_topic(), you_said="Too dark by the station", we_did="New lamps",
                           status="done"))
        session.flush()
        pdf = tmp_path / "briefing.pdf"
        pdf.write_bytes(make_briefing(session, config, "2024Q1", None, False, "pdf").content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    assert list(tmp_path.glob("page*.png"))  # page 1 rasterised, kept with the test's files
    page_one = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout
    everything = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    flat = " ".join(page_one.split())
    assert flat.index("Key messages") < flat.index("You said, we did")
    assert "We heard from 10 residents this quarter (QR posters: vendor app 10)." in flat
    assert "Too dark by the station" in flat and "1 of 1 actions from earlier quarters are done" in flat
    body = everything[:everything.index("Appendix: technical detail")]
    assert "How to read this briefing" in body
    for jargon in ("nlp.", "rake on", "age_band", "ethnic_group"):
        assert jargon not in body, jargon
    # The methods box names the coder in plain words ("the built-in model"), never a version or hash.
    assert "Topics were coded by the built-in model." in " ".join(body.split())
    assert not re.search(r"model [\w.-]*\+|model v\d|codeframe", body)
