"""Issue 15: the screen's "may be a child" reading is kept on the safeguarding flag (revision 0014)
and shown. An anonymous QR message in a child's voice reaches the queue, the flag's page and the
alert e-mail as "may be a child (from the text)" with the children's procedure; a stated age under
18 still wins; a stated adult age with a child's text shows both. Real form, real database, a real
file ingest, the text run, and a real SMTP server on loopback."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from service import create_app
from service.ops.alerts import send_overdue_alerts
from service.pipeline.ingest_runs import register_sources, run_ingest
from service.pipeline.text_runs import run_topics
from service.store import sites as site_store
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import FreeText, Question, Response, SafeguardingFlag, Source, utcnow
from service.store.safeguarding import Writer, writer_of
from tests.exports import write_csv
from tests.migration_rows import upgraded_from_0013
from tests.smtp_server import SmtpServer

CHILD = "my mums boyfriend hits me and i am scared to go home after school"
ADULT = "my neighbour's husband hits her, I hear it through the wall every night"
PASSWORD = "correct horse battery"


@pytest.fixture
def form_app(config):
    """The app with the form's minimum time off, one QR site and a safeguarding lead (engagement)."""
    config = replace(config, form=replace(config.form, min_seconds=0))
    app = create_app(config)
    app.config.update(TESTING=True)
    factory = app.extensions["voice_sessions"]
    register_sources(factory, config)
    with transaction(factory) as session:
        app.config["SITE_CODE"] = site_store.add_site(session, "Harrow Lodge Park", "park", "E05013983", None, None).code
        add_user(session, "engagement@example.org", "Test engagement", "engagement", PASSWORD)
    yield app
    app.extensions["voice_engine"].dispose()


def _submit(app, comment: str, age_band: str = "") -> None:
    client = app.test_client()
    code = app.config["SITE_CODE"]
    html = client.get(f"/q/{code}").get_data(as_text=True)
    tokens = {name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1) for name in ("csrf_token", "token")}
    answer = {"safe_here": "1", "feel_safer": comment, "age_band": age_band, "ward": "E05013983", "consent": "yes"}
    reply = client.post(f"/q/{code}", data={**answer, **tokens})
    assert reply.status_code == 303, reply.get_data(as_text=True)[:500]


def _lead(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "engagement@example.org", "password": PASSWORD}).status_code == 302
    return client


def _only_flag(app) -> SafeguardingFlag:
    with app.extensions["voice_sessions"]() as session:
        [flag] = session.scalars(select(SafeguardingFlag)).all()
        return flag


def _row(queue: str, flag_id: int) -> str:
    """The queue's table row of flag ``flag_id``."""
    start = queue.index(f">Flag {flag_id}</a>")
    return queue[start:queue.index("</tr>", start)]


def test_anonymous_child_message_flag_says_may_be_a_child_with_the_childrens_procedure(form_app):
    _submit(form_app, CHILD)
    flag = _only_flag(form_app)
    assert flag.is_child is True and flag.status == "new"
    lead = _lead(form_app)
    row = _row(lead.get("/review/safeguarding").get_data(as_text=True), flag.id)
    assert '<strong class="voice-flag-child">age not given; may be a child (from the text)</strong>' in row
    assert "Children&#39;s procedure" in row
    page = lead.get(f"/review/safeguarding/{flag.id}").get_data(as_text=True)
    assert "may be a child (from the text)" in page[page.index('id="flag-summary"'):page.index("</dl>")]
    procedure = page[page.index('id="procedure"'):][:600]
    assert "the comment reads like a child's" in procedure and "Children&#39;s safeguarding procedure" in procedure
    assert f">Flag {flag.id}</a>" in lead.get("/review/safeguarding?age_group=child").get_data(as_text=True)


def test_anonymous_adult_message_flag_has_no_child_signal(form_app):
    _submit(form_app, ADULT)
    flag = _only_flag(form_app)
    assert flag.is_child is False
    lead = _lead(form_app)
    row = _row(lead.get("/review/safeguarding").get_data(as_text=True), flag.id)
    assert "age not given." in row and "child" not in row.replace("children&#39;s if", "")
    page = lead.get(f"/review/safeguarding/{flag.id}").get_data(as_text=True)
    assert "reads like a child" not in page and "Age not given: follow the children" in page
    assert "0 flags match" in lead.get("/review/safeguarding?age_group=child").get_data(as_text=True)


def test_stated_age_under_18_still_shows_the_childrens_procedure(form_app):
    _submit(form_app, ADULT, age_band="13-15")
    flag = _only_flag(form_app)
    lead = _lead(form_app)
    row = _row(lead.get("/review/safeguarding").get_data(as_text=True), flag.id)
    assert "age 13-15." in row and "Children&#39;s procedure" in row and "from the text" not in row
    page = lead.get(f"/review/safeguarding/{flag.id}").get_data(as_text=True)
    assert "Children&#39;s safeguarding procedure" in page[page.index('id="procedure"'):][:600]


def test_stated_adult_age_with_a_childs_text_shows_both_and_the_childrens_procedure(form_app):
    _submit(form_app, CHILD, age_band="35-44")
    flag = _only_flag(form_app)
    assert flag.is_child is True
    lead = _lead(form_app)
    row = _row(lead.get("/review/safeguarding").get_data(as_text=True), flag.id)
    assert "stated age 35-44; the text reads like a child&#39;s" in row and "Children&#39;s procedure" in row
    page = lead.get(f"/review/safeguarding/{flag.id}").get_data(as_text=True)
    assert "Children&#39;s safeguarding procedure" in page[page.index('id="procedure"'):][:600]


def test_writer_of_a_stated_age_wins_and_never_hides_the_texts_signal():
    assert writer_of(35, None, True) == Writer("child", "stated age 35; the text reads like a child's", True)
    assert writer_of(15, None, False) == Writer("child", "age 15", False)
    assert writer_of(15, None, True) == Writer("child", "age 15", False)
    assert writer_of(None, "not_stated", True) == Writer("child", "age not given; may be a child (from the text)", True)
    assert writer_of(None, "25-34", False) == Writer("adult", "age 25-34", False)
    assert writer_of(None, None, False) == Writer("unknown", "age not given", False)


def test_alert_email_says_the_writer_may_be_a_child(form_app):
    _submit(form_app, CHILD)
    _submit(form_app, ADULT, age_band="25-34")
    factory = form_app.extensions["voice_sessions"]
    with transaction(factory) as session:
        session.execute(update(SafeguardingFlag).values(created_at=utcnow() - timedelta(days=3)))
        child_id = session.scalar(select(SafeguardingFlag.id).where(SafeguardingFlag.is_child))
    server = SmtpServer()
    try:
        mail = replace(form_app.config["VOICE"].mail, smtp_host="127.0.0.1", smtp_port=server.port,
                       starttls=False, username_env="", sender="voice@example.gov.uk")
        settings = replace(form_app.config["VOICE"].safeguarding, alert_from="voice@example.gov.uk",
                           alert_to=("sg@example.gov.uk",), alert_after_hours=48)
        with transaction(factory) as session:
            result = send_overdue_alerts(session, settings, mail)
    finally:
        server.close()
    assert len(result.flag_ids) == 2
    lines = {int(m.group(1)): m.group(0) for m in re.finditer(r"^Flag (\d+): .*$", server.messages[0][1].get_content(), re.M)}
    assert "CHILD (age not given; may be a child (from the text)): children's procedure" in lines[child_id]
    assert all("CHILD" not in line for flag_id, line in lines.items() if flag_id != child_id)
    assert "mums" not in server.messages[0][1].get_content()  # never the comment


def test_ingested_row_in_a_childs_voice_gets_the_child_signal(factory, config):
    register_sources(factory, config)
    header = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
              "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]
    rows = [["CSS-00001", "21/04/2023 10:15", "2023", "25-34", "Female", "2", CHILD],
            ["CSS-00002", "21/04/2023 10:20", "2023", "25-34", "Male", "4", ADULT]]
    write_csv(config.source("css").path / "export.csv", header, rows)
    [report] = run_ingest(factory, config, "css")
    assert report.n_new == 2
    with factory() as session:
        flags = dict(session.execute(select(FreeText.original, SafeguardingFlag.is_child)
                                     .join(FreeText, FreeText.id == SafeguardingFlag.free_text_id)).all())
    assert flags == {CHILD: True, ADULT: False}


def test_text_run_flags_an_unscreened_text_with_the_child_signal(factory, config):
    register_sources(factory, config)
    with transaction(factory) as session:
        source = session.scalar(select(Source).where(Source.key == "qr"))
        question_id = session.scalar(select(Question.id).where(Question.source_id == source.id, Question.type == "free_text"))
        response = Response(source_id=source.id, external_id="old-1", content_hash="h1", raw={}, submitted_at=utcnow())
        response.free_texts.append(FreeText(question_id=question_id, original=CHILD))  # stored before the intake screen
        session.add(response)
    run_topics(factory, config)
    with factory() as session:
        [flag] = session.scalars(select(SafeguardingFlag)).all()
    assert flag.is_child is True and flag.status == "new"


def test_migration_0014_adds_the_child_signal_and_keeps_each_flags_history(tmp_path):
    engine = upgraded_from_0013(str(tmp_path / "at0013.db"))
    with engine.connect() as connection:
        flags = connection.execute(text("SELECT id, status, is_child FROM safeguarding_flags")).all()
        n_events = connection.execute(text("SELECT count(*) FROM safeguarding_events")).scalar()
    engine.dispose()
    assert [tuple(f) for f in flags] == [(1, "acknowledged", 0)] and n_events == 1
