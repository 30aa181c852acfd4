"""Make a briefing or SNA output as bytes, and keep it in the archive with its inputs' fingerprint.

Called by ``voice briefing``, ``voice export sna``, the staff pages and the scheduler's
:func:`run_quarterly_briefings` job; all of them only read the store, then add one archive row.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from service.config import Config
from service.pipeline.periods import last_closed_quarter
from service.store.db import transaction
from service.store.models import ReportFile, Response

logger = logging.getLogger(__name__)

BRIEFING_FORMATS = ("pdf", "docx", "html")
SNA_FORMATS = ("xlsx", "csv", "sav", "docx", "md")
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "application/zip", "sav": "application/x-spss-sav"}


@dataclass(frozen=True)
class Output:
    """A generated file: its bytes, name, title and the fingerprint of what it read."""

    content: bytes
    filename: str
    title: str
    fingerprint: str
    kind: str
    format: str
    parameters: dict


class EmptyQuarterError(ValueError):
    """A briefing asked for a quarter without responses; the message lists the quarters that have some."""


def quarters_with_responses(session: Session) -> list[str]:
    """Every quarter holding at least one response, newest first (what a briefing can be made of)."""
    from service.pipeline.periods import next_quarter, quarter_bounds, quarter_of
    from service.store import listings

    first, last = listings.earliest_submitted_at(session), listings.latest_submitted_at(session)
    if first is None or last is None:
        return []
    found, quarter = [], quarter_of(first)
    while quarter <= quarter_of(last):
        if listings.count_submitted_between(session, *quarter_bounds(quarter)):
            found.append(quarter)
        quarter = next_quarter(quarter)
    return found[::-1]


def make_briefing(session: Session, config: Config, quarter: str, ward: str | None, youth: bool, fmt: str) -> Output:
    """A quarterly briefing as PDF, DOCX or HTML.

    Raises
    ------
    EmptyQuarterError
        When the quarter has no responses at all (a one-page "no responses" briefing helps nobody).
    """
    from service.reports.briefing import BriefingRequest, build_briefing, fingerprint_extra
    from service.reports.document import to_docx, to_html, to_pdf

    if fmt not in BRIEFING_FORMATS:
        raise ValueError(f"briefing format {fmt!r} is not one of {', '.join(BRIEFING_FORMATS)}")
    existing = quarters_with_responses(session)
    if quarter not in existing:
        choices = ", ".join(existing) if existing else "none yet: import or collect some responses first"
        raise EmptyQuarterError(f"There are no responses for {quarter}, so there is nothing to brief on. "
                                f"Quarters with responses: {choices}.")
    request = BriefingRequest(quarter, ward, youth)
    doc, snap = build_briefing(session, config, request)
    content = {"pdf": to_pdf, "docx": to_docx, "html": lambda d: to_html(d).encode("utf-8")}[fmt](doc)
    name = f"briefing_{quarter}" + (f"_{ward}" if ward else "") + ("_youth" if youth else "") + f".{fmt}"
    # The actions shown and the codeframe/model that coded the topics are inputs too: a briefing
    # with an action added since, or recoded topics, is a different briefing.
    inputs = snap.fingerprint + "|" + fingerprint_extra(session, request, snap)
    return Output(content, name, doc.title, _fingerprint(inputs, config), "briefing", fmt,
                  {"quarter": quarter, "ward": ward, "youth": youth})


def make_sna(session: Session, config: Config, year: int, fmt: str) -> Output:
    """The SNA Theme 6 export as XLSX, a zip of CSVs, SPSS .sav, DOCX or Markdown."""
    from service.reports import workbook
    from service.reports.document import to_docx, to_markdown
    from service.reports.narrative import build_narrative
    from service.reports.sna import build_sna

    if fmt not in SNA_FORMATS:
        raise ValueError(f"SNA export format {fmt!r} is not one of {', '.join(SNA_FORMATS)}")
    report = build_sna(session, config, year)
    if report.snapshot.frame.empty:
        first, last = session.execute(select(func.min(Response.submitted_at), func.max(Response.submitted_at))).one()
        stored = f"responses in the store run from {first.year} to {last.year}" if first and last else "the store has no dated responses"
        raise ValueError(f"there are no responses for {year} in the store, so there is nothing to export; "
                         f"choose a year that has responses ({stored})")
    writers = {"xlsx": workbook.write_xlsx, "csv": workbook.write_csv_zip, "sav": workbook.write_sav,
               "docx": lambda r: to_docx(build_narrative(r)), "md": lambda r: to_markdown(build_narrative(r)).encode("utf-8")}
    extension = "zip" if fmt == "csv" else fmt
    return Output(writers[fmt](report), f"sna_theme6_{year}.{extension}", f"SNA Theme 6 Community Voice {year}",
                  _fingerprint(report.snapshot.fingerprint, config), "sna", fmt, {"year": year})


def _fingerprint(data: str, config: Config) -> str:
    return hashlib.sha256(f"{data}|min_cell={config.reports.min_cell}|youth={config.reports.youth_max_age}".encode()).hexdigest()


def archive(session: Session, output: Output, origin: str, user_id: int | None = None) -> ReportFile:
    """Store an output in the archive and return its row."""
    row = ReportFile(kind=output.kind, format=output.format, title=output.title, filename=output.filename,
                     parameters=output.parameters, fingerprint=output.fingerprint,
                     content_hash=hashlib.sha256(output.content).hexdigest(), size=len(output.content),
                     content=output.content, origin=origin, created_by=user_id)
    session.add(row)
    session.flush()
    return row


def archived(session: Session, limit: int = 200, kinds: tuple[str, ...] | None = None) -> list[ReportFile]:
    """Archived outputs (only of ``kinds``, when given), newest first (content not loaded until read)."""
    from sqlalchemy.orm import defer

    query = select(ReportFile).options(defer(ReportFile.content))
    if kinds is not None:
        query = query.where(ReportFile.kind.in_(kinds))
    return list(session.scalars(query.order_by(ReportFile.created_at.desc(), ReportFile.id.desc()).limit(limit)))


def record_output(session: Session, row: ReportFile, actor: str, address: str | None = None,
                  is_download: bool = False) -> None:
    """Write an archived output's making (or downloading) to the audit log: ``briefing`` or ``export``.

    ``actor`` is :func:`service.store.audit.actor_of` of the user, or ``"system"`` for the CLI and scheduler.
    """
    from service.store import audit

    detail = {"report_file": row.id, "kind": row.kind, "format": row.format, "parameters": dict(row.parameters),
              "origin": row.origin, "fingerprint": row.fingerprint[:16], "is_download": is_download}
    audit.record(session, "briefing" if row.kind == "briefing" else "export", actor=actor,
                 target=f"report_file:{row.id}", detail=detail, address=address)


def run_quarterly_briefings(factory: sessionmaker[Session], config: Config, now: datetime | None = None) -> list[int]:
    """Scheduler job: archive the briefing (borough and youth focus) of the quarter just closed, once.

    Idempotent: a briefing whose fingerprint and format are already archived is not made again.
    """
    quarter = last_closed_quarter(now or datetime.now(timezone.utc))
    ids: list[int] = []
    for youth in (False, True):
        for fmt in config.reports.scheduled_formats:
            with transaction(factory) as session:
                try:
                    output = make_briefing(session, config, quarter, None, youth, fmt)
                except EmptyQuarterError as error:
                    logger.info("quarterly briefing for %s skipped: %s", quarter, error)
                    return ids
                seen = session.scalar(select(ReportFile.id).where(ReportFile.fingerprint == output.fingerprint,
                                                                  ReportFile.format == fmt).limit(1))
                if seen is None:
                    row = archive(session, output, "scheduler")
                    record_output(session, row, "system")
                    ids.append(row.id)
    logger.info("quarterly briefings for %s: archived %s", quarter, ids or "nothing new")
    return ids
