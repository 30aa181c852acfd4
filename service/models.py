"""The response store: SQLAlchemy 2 declarative models with typed columns (no Flask here).

Schema changes are Alembic revisions in ``service/migrations/versions``; the tests build the
schema by running them, so a model without a revision fails the suite.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Now, in UTC, as stored in every timestamp column."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Store times as naive UTC (the same on SQLite and PostgreSQL); read them back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraint names are fixed so migrations are portable."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime}


class Source(Base):
    """A configured channel: the Community Safety Survey, Shout, QR feedback, or one added later."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    cursor: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Wave(Base):
    """A wave or collection period of one source (e.g. the 2023 survey)."""

    __tablename__ = "waves"
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]


class Question(Base):
    """A question a source asks, with its type (single choice, scale, free text, ...)."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    wording: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20))
    options: Mapped[list[Any]] = mapped_column(default=list)


class Site(Base):
    """A QR-code placement: a station, bus stop, bus route, park, town centre, school or event."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    ward: Mapped[str | None] = mapped_column(String(12))
    campaign: Mapped[str | None] = mapped_column(String(200))
    is_retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(Base):
    """One submission from one respondent, with demographics in our vocabulary and the raw record."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_responses_source_submitted", "source_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    external_id: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    consent: Mapped[bool | None]
    age: Mapped[int | None]
    age_band: Mapped[str | None] = mapped_column(String(12))
    sex: Mapped[str | None] = mapped_column(String(12))
    gender_identity: Mapped[str | None] = mapped_column(String(20))
    ethnicity: Mapped[str | None] = mapped_column(String(12))
    ethnic_group: Mapped[str | None] = mapped_column(String(12))
    ward: Mapped[str | None] = mapped_column(String(12), index=True)
    postcode_district: Mapped[str | None] = mapped_column(String(8))
    is_suspected_bot: Mapped[bool] = mapped_column(default=False)
    is_synthetic: Mapped[bool] = mapped_column(default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]]

    source: Mapped[Source] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    free_texts: Mapped[list[FreeText]] = relationship(back_populates="response", cascade="all, delete-orphan")


class ResponseVersion(Base):
    """An earlier version of a response that changed upstream: history is kept, not overwritten."""

    __tablename__ = "response_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Answer(Base):
    """One typed answer to one question; free text is kept in :class:`FreeText` as well."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    value_text: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[float | None]
    value_date: Mapped[date | None]
    value_list: Mapped[list[Any] | None] = mapped_column(JSON)

    response: Mapped[Response] = relationship(back_populates="answers")


class FreeText(Base):
    """A free-text answer: the original (for authorised staff only) and its redacted form."""

    __tablename__ = "free_texts"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    original: Mapped[str | None] = mapped_column(Text)
    redacted: Mapped[str | None] = mapped_column(Text)
    redacted_at: Mapped[datetime | None]

    response: Mapped[Response] = relationship(back_populates="free_texts")


class IngestRun(Base):
    """One run of one connector, with what it did and what went wrong."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    input_name: Mapped[str | None] = mapped_column(String(500))
    input_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    n_read: Mapped[int] = mapped_column(default=0)
    n_new: Mapped[int] = mapped_column(default=0)
    n_updated: Mapped[int] = mapped_column(default=0)
    n_unchanged: Mapped[int] = mapped_column(default=0)
    n_duplicate: Mapped[int] = mapped_column(default=0)
    n_quarantined: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)

    source: Mapped[Source] = relationship()


class QuarantinedRow(Base):
    """A record that broke a rule, kept whole with the field, value and rule, until re-processed."""

    __tablename__ = "quarantined_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class User(Base):
    """A member of staff who signs in: admin, analyst, engagement officer or viewer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


ROLES = ("admin", "analyst", "engagement", "viewer")
