"""Every model survives a round trip through the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.store.models import (
    Answer,
    FreeText,
    IngestRun,
    QuarantinedRow,
    Question,
    Response,
    ResponseVersion,
    Site,
    Source,
    User,
    Wave,
)


def _source(session) -> Source:
    source = Source(key="css", name="Community Safety Survey", kind="file")
    session.add(source)
    session.flush()
    return source


def test_every_model_round_trips_with_types_intact(session):
    source = _source(session)
    wave = Wave(source_id=source.id, key="2023", name="2023 survey", starts_on=date(2023, 4, 3), ends_on=date(2023, 5, 14))
    question = Question(source_id=source.id, key="feel_safer", wording="What would make you feel safer?", type="free_text", options=[])
    site = Site(code="k7m2x9q", name="Romford station", kind="station", ward="E05013983", campaign="Feel safe here?")
    session.add_all([wave, question, site])
    session.flush()
    when = datetime(2023, 4, 21, 9, 30, tzinfo=timezone.utc)
    response = Response(source_id=source.id, wave_id=wave.id, site_id=site.id, external_id="CSS23-0001", submitted_at=when,
                        consent=True, age=None, age_band="25-34", sex="female", gender_identity="same_as_sex",
                        ethnicity="13", ethnic_group="H4", ward="E05013983", postcode_district="RM1",
                        content_hash="a" * 64, raw={"Respondent ID": "CSS23-0001", "Sex": "Female", "nested": [1, "£"]})
    response.answers.append(Answer(question_id=question.id, value_text=None))
    response.free_texts.append(FreeText(question_id=question.id, original="More police, please", redacted="More police, please"))
    session.add(response)
    session.flush()
    run = IngestRun(source_id=source.id, input_name="export.csv", input_hash="b" * 64, n_read=3, n_new=2, n_quarantined=1,
                    errors=["row 3: bad date"])
    session.add(run)
    session.flush()
    session.add_all([
        ResponseVersion(response_id=response.id, content_hash="c" * 64, raw={"old": True}),
        QuarantinedRow(source_id=source.id, run_id=run.id, external_id="CSS23-0003", location="export.csv row 4",
                       field="Date submitted", value="31/04/2023", rule="date", reason="not a real date", raw={"x": "y"}),
        User(email="a@example.org", name="A", role="admin", password_hash="h"),
    ])
    session.commit()
    session.expunge_all()

    stored = session.scalar(select(Response).where(Response.external_id == "CSS23-0001"))
    assert stored.submitted_at == when
    assert stored.raw["nested"] == [1, "£"]
    assert (stored.sex, stored.ethnicity, stored.ethnic_group, stored.ward) == ("female", "13", "H4", "E05013983")
    assert stored.free_texts[0].original == "More police, please"
    assert session.scalar(select(Wave)).starts_on == date(2023, 4, 3)
    assert session.scalar(select(Site)).ward == "E05013983"
    assert session.scalar(select(IngestRun)).errors == ["row 3: bad date"]
    assert session.scalar(select(QuarantinedRow)).value == "31/04/2023"
    assert session.scalar(select(ResponseVersion)).raw == {"old": True}
    assert session.scalar(select(User)).role == "admin"
    assert session.scalar(select(Question)).type == "free_text"


def test_response_external_id_is_unique_per_source(session):
    source = _source(session)
    session.add(Response(source_id=source.id, external_id="1", content_hash="x", raw={}))
    session.add(Response(source_id=source.id, external_id="1", content_hash="y", raw={}))
    with pytest.raises(IntegrityError):
        session.flush()


def test_deleting_a_response_deletes_its_answers(session):
    source = _source(session)
    question = Question(source_id=source.id, key="q", type="scale", options=[])
    session.add(question)
    session.flush()
    response = Response(source_id=source.id, external_id="1", content_hash="x", raw={})
    response.answers.append(Answer(question_id=question.id, value_number=4.0))
    session.add(response)
    session.commit()
    session.delete(response)
    session.commit()
    assert session.scalar(select(Answer)) is None
