"""Bulk ingest: redaction and the safeguarding rules when stored, the trained detector right after.

Real files into a real database (SQLite, or PostgreSQL with VOICE_TEST_DATABASE_URL), the real
detector; the disclosure below is from the team-written kept-apart set, one the rules miss.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.pipeline.ingest_runs import register_sources, run_ingest
from service.pipeline.text_runs import has_model_screen_pending, screen_pending_texts
from service.store.db import make_engine, make_session_factory, upgrade
from service.store.models import Answer, FreeText, Question, Response, SafeguardingFlag
from tests.exports import write_csv

HEADER = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
          "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]
MISSED_BY_RULES = "when hes angry he grabs me by the neck and squeezes and i cant breathe properly"
RULES_FLAG = "My stepdad hits me when he is drunk"


def _row(i, text, safe="4"):
    return [f"CSS-{i:05d}", f"21/04/2023 10:{i:02d}", "2023", "25-34", "Female", safe, text]


@pytest.fixture
def sources(factory, config):
    register_sources(factory, config)
    return config


def _texts(session):
    return {t.original: t for t in session.scalars(select(FreeText))}


def _flagged(session):
    return set(session.scalars(select(FreeText.original).join(SafeguardingFlag, SafeguardingFlag.free_text_id == FreeText.id)))


def test_disclosure_the_rules_miss_is_flagged_by_the_detector_step_and_a_rerun_does_nothing(factory, sources):
    write_csv(sources.source("css").path / "e.csv", HEADER,
              [_row(1, MISSED_BY_RULES), _row(2, "More lighting by the station"), _row(3, RULES_FLAG), _row(4, " ")])
    [report] = run_ingest(factory, sources, "css")
    assert report.n_new == 4
    with factory() as session:
        texts = _texts(session)
        assert all(t.redacted_at is not None for t in texts.values())  # redacted in the storing transaction
        assert {o for o, t in texts.items() if t.is_model_screen_pending} == {MISSED_BY_RULES, "More lighting by the station",
                                                                              RULES_FLAG}
        assert _flagged(session) == {RULES_FLAG}  # the rules' flag is in the queue at once
    assert has_model_screen_pending(factory)
    result = screen_pending_texts(factory, batch=2)  # two batches, each its own transaction
    assert (result.n_screened, result.n_flagged) == (3, 1)
    assert "3 text(s) screened by the disclosure detector after storing; 1 safeguarding flag(s) added" == result.summary()
    with factory() as session:
        assert _flagged(session) == {MISSED_BY_RULES, RULES_FLAG}
        assert not any(t.is_model_screen_pending for t in _texts(session).values())
        reason = session.scalar(select(SafeguardingFlag.reason).join(FreeText).where(FreeText.original == MISSED_BY_RULES))
    assert reason and "abuse" in reason
    assert not has_model_screen_pending(factory)
    again = screen_pending_texts(factory)
    assert (again.n_screened, again.n_flagged) == (0, 0)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SafeguardingFlag)) == 2


def test_classify_job_runs_the_detector_on_pending_texts_before_the_topics(factory, sources, engine):
    from service.ops.scheduler import MODEL_SCREEN_LOCK, build_scheduler, job_lock, run_classify_job

    build_scheduler(sources, engine)
    write_csv(sources.source("css").path / "e.csv", HEADER, [_row(1, MISSED_BY_RULES)])
    run_ingest(factory, sources, "css")
    with job_lock(engine, MODEL_SCREEN_LOCK):
        # Another process holds the detector step: this run leaves the pending texts to it and codes topics.
        assert isinstance(run_classify_job(), int)
        assert has_model_screen_pending(factory)
    assert run_classify_job() is None  # no topics left to code, but the detector step ran
    assert not has_model_screen_pending(factory)
    with factory() as session:
        assert _flagged(session) == {MISSED_BY_RULES}
    assert run_classify_job() is None  # nothing waits: nothing is done again
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SafeguardingFlag)) == 1


def test_voice_ingest_ends_fully_screened_and_its_report_says_what_the_detector_did(runner, database_url, tmp_path):
    folder = tmp_path / "css_drop"
    folder.mkdir()
    write_csv(folder / "e.csv", HEADER, [_row(1, MISSED_BY_RULES), _row(2, "Nothing")])
    env = {"VOICE_DATABASE_URL": database_url, "VOICE_SOURCES_CSS_PATH": str(folder),
           "VOICE_INSTANCE_PATH": str(tmp_path / "instance")}
    result = runner.invoke(main, ["ingest", "css"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 text(s) screened by the disclosure detector after storing; 1 safeguarding flag(s) added" in result.output
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    try:
        assert not has_model_screen_pending(factory)
        with factory() as session:
            assert _flagged(session) == {MISSED_BY_RULES}
    finally:
        engine.dispose()


def test_pending_texts_are_never_quoted_until_the_detector_has_read_them(factory, sources):
    from service.reports.dashboard import ResponseFilter
    from service.reports.prevalence import quotes
    from service.reports.queries import load_snapshot

    write_csv(sources.source("css").path / "e.csv", HEADER, [_row(1, "Too dark on the path by the lake")])
    run_ingest(factory, sources, "css")
    with factory() as session:
        assert quotes(session, ResponseFilter(), None) == []
        assert list(load_snapshot(session).frame["is_model_pending"]) == [True]
    screen_pending_texts(factory)
    with factory() as session:
        assert [q["text"] for q in quotes(session, ResponseFilter(), None)] == ["Too dark on the path by the lake"]


def _stored(factory):
    """Everything an ingest stored, without ids or times, in a fixed order."""
    with factory() as session:
        responses = sorted((r.external_id, r.content_hash, r.age_band, r.sex, r.consent, r.submitted_at.replace(tzinfo=None),
                            repr(sorted(r.raw.items()))) for r in session.scalars(select(Response)))
        answers = sorted(session.execute(select(Response.external_id, Question.key, Answer.value_text, Answer.value_number,
                                                Answer.value_date).join(Answer, Answer.response_id == Response.id)
                                         .join(Question, Question.id == Answer.question_id)).all())
        texts = sorted(session.execute(select(Response.external_id, FreeText.original, FreeText.redacted,
                                              FreeText.is_redaction_uncertain, FreeText.is_model_screen_pending)
                                       .join(FreeText, FreeText.response_id == Response.id)).all())
        flags = sorted(session.execute(select(Response.external_id, SafeguardingFlag.reason, SafeguardingFlag.status)
                                       .join(FreeText, FreeText.response_id == Response.id)
                                       .join(SafeguardingFlag, SafeguardingFlag.free_text_id == FreeText.id)).all())
    return responses, answers, texts, flags


def test_the_configured_database_stores_exactly_what_sqlite_stores(factory, sources, tmp_path):
    """On PostgreSQL (VOICE_TEST_DATABASE_URL) answers and free texts go in by COPY; on SQLite by executemany."""
    rows = [_row(i, text, safe=str(1 + i % 5)) for i, text in enumerate(
        ["More lighting", RULES_FLAG, "Call me on 07700 900123 about the park", "", "Tab\there, quote \" and back\\slash",
         "Nul\x00byte", "Émile’s café — unicode"], start=1)]
    rows.append(_row(2, "A later copy of the same id", safe="9"))  # a repeated id and a cell off the scale
    write_csv(sources.source("css").path / "e.csv", HEADER, rows)
    lite = make_engine(f"sqlite:///{tmp_path / 'beside.db'}")
    upgrade(lite)
    beside = make_session_factory(lite)
    try:
        register_sources(beside, sources)
        ours, theirs = run_ingest(factory, sources, "css")[0], run_ingest(beside, sources, "css")[0]
        assert ours.summary().split(";")[1] == theirs.summary().split(";")[1]
        before = _stored(factory), _stored(beside)
        screen_pending_texts(factory)
        screen_pending_texts(beside)
        after = _stored(factory), _stored(beside)
    finally:
        lite.dispose()
    assert before[0] == before[1]
    assert after[0] == after[1]
    assert len(after[0][2]) == 6 and after[0][1]


def test_migration_keeps_every_flag_and_marks_no_earlier_text_pending(tmp_path):
    from sqlalchemy import text

    from tests.migration_rows import upgraded_from_0013

    engine = upgraded_from_0013(str(tmp_path / "old.db"))
    with engine.connect() as connection:
        flags = connection.scalar(text("SELECT count(*) FROM safeguarding_flags"))
        pending = connection.execute(text("SELECT is_model_screen_pending FROM free_texts")).scalars().all()
    engine.dispose()
    assert (flags, [bool(p) for p in pending]) == (1, [False])


@pytest.mark.parametrize("n_records, is_pending", [(1, False), (11, True)], ids=["small delivery", "bulk delivery"])
def test_a_bulk_webhook_delivery_leaves_the_detector_to_the_queued_step(factory, sources, n_records, is_pending):
    from service.pipeline.deliveries import accept_delivery
    from service.store.db import transaction
    from service.store.models import Site

    with transaction(factory) as session:
        session.add(Site(code="zzsite1", name="Romford station", kind="station"))
    items = [{"id": f"w-{i}", "submitted_at": "2024-02-01T10:00:00Z", "site": "zzsite1", "consent": "yes",
              "age_band": "25-34", "safe_here": 2, "happened": [], "feel_safer": MISSED_BY_RULES if i == 0 else f"More bins {i}"}
             for i in range(n_records)]
    assert accept_delivery(factory, sources, "qr", items).report.n_new == n_records
    with factory() as session:
        assert {t.is_model_screen_pending for t in _texts(session).values()} == {is_pending}
        assert _flagged(session) == (set() if is_pending else {MISSED_BY_RULES})
    screen_pending_texts(factory)
    with factory() as session:
        assert _flagged(session) == {MISSED_BY_RULES}
