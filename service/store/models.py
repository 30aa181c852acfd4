"""The response store: SQLAlchemy 2 declarative models with typed columns (no Flask here).

Schema changes are Alembic revisions in ``service/store/migrations/versions``; the tests build the
schema by running them, so a model without a revision fails the suite.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
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
    # --- QR form and sites (issue 4; migration 0003) -----------------------------------------
    # The [form.question_sets] entry this site asks (None: the first configured set), and when
    # the site was retired (its old code then shows a polite "closed" page).
    question_set: Mapped[str | None] = mapped_column(String(40))
    retired_at: Mapped[datetime | None]
    # --- end of issue 4 block -------------------------------------------------------------------


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


#: What a page, export or API response shows for a stored text with no redacted form yet.
NOT_SCREENED = "[not yet screened]"


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
    # Set by the topics run (revision 0004): the model's highest topic probability (least
    # confident first in the review queue), and whether the text looks like English.
    confidence: Mapped[float | None]
    is_english: Mapped[bool | None]
    # Revision 0010_intake: redaction and the safeguarding screen run when a text is stored
    # (``redacted_at``); the topic model codes it later, setting ``classified_at``.
    classified_at: Mapped[datetime | None] = mapped_column(index=True)
    is_redaction_uncertain: Mapped[bool | None]
    # Revision 0014_model_screen: stored in bulk with redaction and the safeguarding rules only; the
    # trained detector reads it within a minute (``text_runs.screen_pending_texts``). Never quoted until then.
    # A server default only: a Python default would be added to the form's INSERT ... SELECT (form_insert.py).
    is_model_screen_pending: Mapped[bool] = mapped_column(server_default=false(), index=True)

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
    # What the run noticed but did not refuse: blank rows skipped, columns the mapping ignores (0002).
    notes: Mapped[list[Any] | None] = mapped_column(JSON, default=list)

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
    # Revision 0010_intake: "record" (the whole record was kept out) or "field" (the response was
    # stored without this one answer, which waits here; ``response_id`` names the response).
    scope: Mapped[str] = mapped_column(String(10), default="record", server_default="record")
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))


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
    # Bumped at sign-out, password change and "sign out other sessions": older cookies stop working (revision 0010_security).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")


ROLES = ("admin", "analyst", "engagement", "viewer")


# --- Analysis results (revision 0004): weighting runs, topics, safeguarding flags. -------------
# Analyses run in the pipeline (never in a request); pages and exports read these rows.


class AnalysisRun(Base):
    """One run of an analysis (weighting, representativeness, topics, themes), with its inputs and results.

    ``result`` holds the diagnostics or report as plain JSON, so a page or briefing can show the
    run it used without recomputing it; ``fingerprint`` identifies the data the run read.
    """

    __tablename__ = "analysis_runs"
    __table_args__ = (Index("ix_analysis_runs_kind_source", "kind", "source_key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    source_key: Mapped[str | None] = mapped_column(String(40))
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    method: Mapped[str] = mapped_column(String(60), default="")
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="finished")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    model_version: Mapped[str | None] = mapped_column(String(120))
    codeframe_version: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResponseWeight(Base):
    """The weight one weighting run gave one response."""

    __tablename__ = "response_weights"

    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"), primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True, index=True)
    weight: Mapped[float]


class TopicCode(Base):
    """A topic of the codeframe given to one free text, by the model or by a reviewer."""

    __tablename__ = "topic_codes"
    __table_args__ = (UniqueConstraint("free_text_id", "topic", "origin"), Index("ix_topic_codes_topic", "topic"))

    id: Mapped[int] = mapped_column(primary_key=True)
    free_text_id: Mapped[int] = mapped_column(ForeignKey("free_texts.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    origin: Mapped[str] = mapped_column(String(20))  # "model" or "reviewer"
    probability: Mapped[float | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextCoding(Base):
    """Who coded one free text in one topics run: coder, model, prompt and codeframe versions, topics.

    Revision 0013. The built-in model codes every text; the chat coder codes the texts its sources
    may send when ``[nlp.llm]`` is enabled. ``feeds_findings`` marks the coding whose topics became
    the text's ``TopicCode`` rows (``[nlp] findings_coder``); ``note`` says why a text meant for the
    chat coder was coded by the built-in model instead (endpoint failed, answer unusable).
    """

    __tablename__ = "text_codings"

    id: Mapped[int] = mapped_column(primary_key=True)
    free_text_id: Mapped[int] = mapped_column(ForeignKey("free_texts.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"), index=True)
    coder: Mapped[str] = mapped_column(String(20))  # "builtin" or "chat"
    model: Mapped[str] = mapped_column(String(120))
    prompt_version: Mapped[str] = mapped_column(String(60), default="")
    codeframe_version: Mapped[str] = mapped_column(String(40), default="")
    topics: Mapped[list[Any]] = mapped_column(default=list)
    feeds_findings: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextReview(Base):
    """A reviewer's decision on one free text's topics (accepted or corrected)."""

    __tablename__ = "text_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    free_text_id: Mapped[int] = mapped_column(ForeignKey("free_texts.id", ondelete="CASCADE"), unique=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    model_topics: Mapped[list[Any]] = mapped_column(default=list)
    confirmed_topics: Mapped[list[Any]] = mapped_column(default=list)
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Revision 0010_intake: a review of a text in the random audit sample (the only reviews the
    # model's measured agreement counts), and how many identical texts this one review coded.
    is_audit_sample: Mapped[bool] = mapped_column(default=False, server_default=false())
    n_copies: Mapped[int] = mapped_column(default=1, server_default="1")


class SafeguardingFlag(Base):
    """A free text that may disclose harm or risk, waiting for (or given) a person's review."""

    __tablename__ = "safeguarding_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    free_text_id: Mapped[int] = mapped_column(ForeignKey("free_texts.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    # new -> acknowledged -> referred -> closed (revision 0010); every change is a SafeguardingEvent.
    status: Mapped[str] = mapped_column(String(20), default="new")
    note: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who is dealing with it, where it was referred, and when the overdue alert went out (once).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    referred_to: Mapped[str | None] = mapped_column(String(40))
    alerted_at: Mapped[datetime | None]
    # The intake screen read the writer as a child: from the text, or a stated age under 18 (revision 0014).
    is_child: Mapped[bool] = mapped_column(default=False, server_default=false())


class SafeguardingEvent(Base):
    """One change of a safeguarding flag: its new status (and referral), who made it, when, and why."""

    __tablename__ = "safeguarding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_flags.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    referred_to: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Connectors (ingest): revision 0002 ------------------------------------------------------


class JobLock(Base):
    """A lock row, so that two scheduler processes never run the same job at once (SQLite).

    PostgreSQL uses an advisory lock instead; this table is then left empty.
    """

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]



# --- Dashboard and JSON API (revision 0006): API clients with hashed tokens. ---------------------


class ApiClient(Base):
    """A partner system or script that calls the JSON API with a bearer token, under one role.

    Only the SHA-256 of the token is stored; ``voice api-token add`` prints the token once.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # revision 0010_security; None: until revoked


# The dashboard counts responses per site within a period (revision 0006).
Index("ix_responses_site_submitted", Response.site_id, Response.submitted_at)
# Every column the dashboard filters and groups responses by, so its aggregates scan this narrow
# index instead of the wide rows (revision 0008).
Index("ix_responses_dashboard", Response.source_id, Response.submitted_at, Response.site_id, Response.ward,
      Response.age_band, Response.sex, Response.ethnic_group)


# --- Briefings and SNA export (issue 7; revision 0005): the actions log and the report archive. --


class Action(Base):
    """"You said, we did": what the partnership did about a topic or a site residents raised.

    ``quarter`` is the quarter whose briefing raised it (``2024Q1``); the next quarter's
    briefing shows it back to the meeting with its status.
    """

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    topic: Mapped[str | None] = mapped_column(String(60))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    ward: Mapped[str | None] = mapped_column(String(12))
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned, in_progress, done
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportFile(Base):
    """A generated briefing or export, kept byte for byte with the fingerprint of its inputs."""

    __tablename__ = "report_files"
    __table_args__ = (Index("ix_report_files_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # briefing, sna
    format: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    origin: Mapped[str] = mapped_column(String(20), default="cli")  # cli, web, scheduler
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- end of issue 7 block ------------------------------------------------------------------------


# --- Trust: audit log (issue 8; revision 0007). -------------------------------------------------
# Append-only: no code updates or deletes these rows, and revision 0007 adds database triggers
# that refuse UPDATE and DELETE on the table (PostgreSQL and SQLite). Write with service.store.audit.record.


class AuditEvent(Base):
    """One thing a person or the system did that a data protection officer may need to see later.

    ``actor`` is ``"user:<id> <email>"``, ``"api:<client name>"`` or ``"system"``; ``detail``
    never holds free text or answers, only ids, counts and settings.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(250))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(250), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    address: Mapped[str | None] = mapped_column(String(64))


# --- end of issue 8 block ------------------------------------------------------------------------
