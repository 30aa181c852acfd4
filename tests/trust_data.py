"""Stored responses with everything derived from them, for the retention, erasure and backup tests."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.models import (
    AnalysisRun,
    Answer,
    FreeText,
    QuarantinedRow,
    Question,
    Response,
    ResponseVersion,
    ResponseWeight,
    SafeguardingFlag,
    Source,
    TextCoding,
    TextReview,
    TopicCode,
)

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)
OLD = datetime(2022, 1, 10, 9, 30, tzinfo=timezone.utc)  # 41 months before NOW
RECENT = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
SECRET_TEXT = "My name is Jo Bloggs of 12 Acacia Avenue and I was followed home"

# Raw records as each source sends them: the css export's columns, the qr vendor's JSON fields.
_RAW = {
    "css": lambda ext: {"Respondent ID": ext, "Date submitted": "10/01/2022", "Age group": "16-24", "Sex": "Female",
                        "Ward": "St Edward's", "How safe do you feel in your neighbourhood during the day?": "4",
                        "What would make you feel safer?": SECRET_TEXT, "Any other comments": "call me on 07700 900123"},
    "qr": lambda ext: {"id": ext, "submitted_at": "2022-01-10", "site": "RMD-STN", "age_band": "13-15", "safe_here": 2,
                       "feel_safer": SECRET_TEXT, "device": {"ip": "198.51.100.7"}},
}
_FREE = {"css": "feel_safer", "qr": "feel_safer"}
_SCALE = {"css": "safe_day", "qr": "safe_here"}


def add_response(session: Session, source_key: str, external_id: str, submitted_at: datetime) -> Response:
    """One response with a scale answer, a free text (original and redacted) with a topic code,
    a review and a safeguarding flag, an earlier version, and a weight."""
    source = session.scalar(select(Source).where(Source.key == source_key))
    questions = {q.key: q for q in session.scalars(select(Question).where(Question.source_id == source.id))}
    raw = _RAW[source_key](external_id)
    response = Response(source_id=source.id, external_id=external_id, submitted_at=submitted_at, content_hash="h" * 64,
                        raw=raw, age_band="16-24", sex="female", ward="E05013983")
    session.add(response)
    session.flush()
    session.add(Answer(response_id=response.id, question_id=questions[_SCALE[source_key]].id, value_number=4.0))
    session.add(Answer(response_id=response.id, question_id=questions[_FREE[source_key]].id, value_text=SECRET_TEXT))
    text = FreeText(response_id=response.id, question_id=questions[_FREE[source_key]].id, original=SECRET_TEXT,
                    redacted="My name is [NAME] of [ADDRESS] and I was followed home")
    session.add(text)
    session.add(ResponseVersion(response_id=response.id, content_hash="g" * 64, raw=dict(raw)))
    session.flush()
    run = AnalysisRun(kind="weighting", source_key=source_key)
    session.add(run)
    session.flush()
    session.add_all([TopicCode(free_text_id=text.id, topic="street_lighting", origin="model", probability=0.8),
                     TextCoding(free_text_id=text.id, coder="builtin", model="test", topics=["street_lighting"],
                                feeds_findings=True),
                     TextReview(free_text_id=text.id, model_topics=["street_lighting"], confirmed_topics=["street_lighting"]),
                     SafeguardingFlag(free_text_id=text.id, reason="followed"),
                     ResponseWeight(run_id=run.id, response_id=response.id, weight=1.3)])
    session.flush()
    return response


def add_quarantined(session: Session, source_key: str, external_id: str, created_at: datetime) -> QuarantinedRow:
    """A quarantined copy of a record, as an import keeps it."""
    source = session.scalar(select(Source).where(Source.key == source_key))
    row = QuarantinedRow(source_id=source.id, external_id=external_id, location="row 2", field="Age group", value="99",
                         rule="age_range", reason="age out of range", raw=_RAW[source_key](external_id), created_at=created_at)
    session.add(row)
    session.flush()
    return row
