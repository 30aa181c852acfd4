"""Writes of responses from files, pulls and webhooks, with their answers, free texts and sources.

Responses are upserted on (source, external id): a record seen before with the same content is
left alone, a changed one is updated and its previous raw record kept in ``response_versions``.
The QR form's own insert is ``service.store.form_insert``; ingest runs and quarantine
``service.store.runs``; QR sites ``service.store.sites``; DataFrames for the analysis ``service.store.reads``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ingest import ResponseRecord
from ingest.exports import later_copy_wins
from service.config import Config, SourceConfig
from service.store.db import without_nul
from service.store.models import (
    NOT_SCREENED,  # noqa: F401 - re-exported: pages and exports import it from here
    Answer,
    FreeText,
    QuarantinedRow,
    Question,
    Response,
    ResponseVersion,
    SafeguardingFlag,
    Site,
    Source,
    Wave,
    utcnow,
)
from service.store.safeguarding import new_flag

logger = logging.getLogger(__name__)

DEMOGRAPHICS = ("age", "age_band", "sex", "gender_identity", "ethnicity", "ethnic_group", "ward", "postcode_district")


@dataclass(frozen=True)
class ScreenedText:
    """What the intake screen made of one free text, stored with it in the same transaction.

    ``redacted`` is the only form any page, export or API shows; ``flag_reason`` is set when the
    text may disclose harm (it then goes to the safeguarding queue at once); ``is_child`` (only
    meaningful when flagged) when the writer seems to be a child.
    """

    redacted: str
    flag_reason: str | None = None
    is_redaction_uncertain: bool = False
    is_child: bool = False
    #: Screened by the safeguarding rules only; the trained detector reads the text later.
    is_model_pending: bool = False


Screen = Callable[[str], ScreenedText]


@dataclass
class SaveCounts:
    """What one call of :func:`save_responses` did.

    Every record given lands in one count: new, updated, unchanged, duplicate (its id was met
    earlier in the run: it replaced that copy or went to history) or superseded (the stored copy
    is later, so this one went to history). ``choices`` says, a sentence per id, which copy was
    kept and why; ``field_issues`` are the cells quarantined one field each.
    """

    n_new: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    n_duplicate: int = 0
    n_superseded: int = 0
    choices: list[str] = field(default_factory=list)
    field_issues: list[Any] = field(default_factory=list)


def sync_sources(session: Session, config: Config) -> dict[str, Source]:
    """Create or update a row for every configured source and its questions."""
    existing = {s.key: s for s in session.scalars(select(Source))}
    for source in config.sources:
        row = existing.get(source.key)
        if row is None:
            row = Source(key=source.key, name=source.name, kind=source.kind)
            session.add(row)
            existing[source.key] = row
        row.name, row.kind = source.name, source.kind
        session.flush()
        _sync_questions(session, row, source)
    return existing


def _sync_questions(session: Session, row: Source, source: SourceConfig) -> None:
    known = {q.key: q for q in session.scalars(select(Question).where(Question.source_id == row.id))}
    for spec in source.mapping.questions:
        question = known.get(spec.key) or Question(source_id=row.id, key=spec.key)
        question.wording, question.type, question.options = spec.wording or spec.column, spec.type, list(spec.options)
        session.add(question)
    session.flush()


def get_source(session: Session, key: str) -> Source:
    """Return the stored source ``key``; raise ``LookupError`` naming it when absent."""
    source = session.scalar(select(Source).where(Source.key == key))
    if source is None:
        raise LookupError(f"source {key!r} is not in the database; run `voice db upgrade` and start the app once to register it")
    return source


def save_responses(session: Session, source: Source, records: Sequence[ResponseRecord], seen: set[str], *,
                   screen: Screen, run_id: int | None = None, replace_unchanged: bool = False) -> SaveCounts:
    """Upsert a batch of responses of one source; ``seen`` holds ids met earlier in this run.

    Each new or changed free text is passed through ``screen`` and stored redacted, with its
    safeguarding flag, in this same transaction. Cells a record carries as ``field_issues`` (the
    response is kept without them) are quarantined one field each, for run ``run_id``.

    One copy of each id is kept: of two in ``records`` the later (by submitted time, else the one
    further down) and, against the stored copy, the record, unless the stored copy has a later
    submitted time or the record is a version already in the response's history (a file read
    again). Every copy not kept goes to ``response_versions`` once, and ``choices`` says which was
    kept and why. With ``replace_unchanged`` a stored response with the same content is rewritten
    too (a quarantined field retried after the mapping was fixed). New responses, their answers
    and free texts go in with a few bulk statements.
    """
    counts = SaveCounts()
    fresh: dict[str, ResponseRecord] = {}
    superseded: list[ResponseRecord] = []
    for record in records:
        if "\x00" in record.external_id:  # keyed as the store keeps it, so ids read back match (issue 19)
            record = replace(record, external_id=without_nul(record.external_id))
        kept = fresh.get(record.external_id)
        if kept is None:
            fresh[record.external_id] = record
            continue
        counts.n_duplicate += 1
        wins, why = later_copy_wins(kept.submitted_at, record.submitted_at)
        newer, earlier = (record, kept) if wins else (kept, record)
        fresh[record.external_id] = newer
        if earlier.content_hash != newer.content_hash:
            superseded.append(earlier)
            counts.choices.append(f"id {record.external_id!r}: {newer.location} is kept over {earlier.location} "
                                  f"({why}); the other copy is kept in history")
    if not fresh:
        return counts
    table = Response.__table__
    _refresh_statistics(session)
    wanted = list(fresh.keys() | {r.external_id for r in superseded})
    existing = {ext: (rid, digest, submitted) for ext, rid, digest, submitted in session.execute(
        select(table.c.external_id, table.c.id, table.c.content_hash, Response.submitted_at)
        .where(table.c.source_id == source.id, table.c.external_id.in_(wanted)))}
    new = [r for ext, r in fresh.items() if ext not in existing]
    differing = {ext: r for ext, r in fresh.items()
                 if ext in existing and (replace_unchanged or existing[ext][1] != r.content_hash)}
    history = _history_hashes(session, [existing[ext][0] for ext in {*differing, *(r.external_id for r in superseded)}
                                        if ext in existing])
    changed: dict[int, ResponseRecord] = {}
    older: list[tuple[int, ResponseRecord]] = []
    for ext, record in differing.items():
        rid, _, stored_at = existing[ext]
        wins, why = later_copy_wins(stored_at, record.submitted_at)
        if replace_unchanged or (wins and record.content_hash not in history.get(rid, ())):
            changed[rid] = record
            if ext in seen:
                counts.choices.append(f"id {ext!r}: {record.location} replaced the copy stored earlier in this input "
                                      f"({why}); that copy is kept in history")
            continue
        counts.n_superseded += ext not in seen
        if record.content_hash in history.get(rid, ()):
            counts.choices.append(f"id {ext!r}: {record.location} is a version already replaced (it is in the "
                                  "response's history); the stored copy is kept")
        else:
            older.append((rid, record))
            counts.choices.append(f"id {ext!r}: {record.location} has an earlier submitted time than the stored "
                                  "copy, which is kept; this one is kept in history")
    n_again = sum(1 for ext in fresh if ext in seen)
    counts.n_duplicate += n_again
    counts.n_new = sum(1 for r in new if r.external_id not in seen)
    counts.n_updated = sum(1 for r in changed.values() if r.external_id not in seen)
    counts.n_unchanged = len(fresh) - n_again - counts.n_new - counts.n_updated - counts.n_superseded
    now = utcnow()
    ids: dict[int, ResponseRecord] = dict(changed)
    if new or changed:
        questions = {q.key: q.id for q in session.scalars(select(Question).where(Question.source_id == source.id))}
        waves = _wave_ids(session, source, {r.wave for r in fresh.values() if r.wave})
        sites = _site_ids(session, {r.site for r in fresh.values() if r.site})
        if new:
            values = [{"source_id": source.id, "external_id": r.external_id, "ingested_at": now,
                       **response_values(r, waves, sites, now)} for r in new]
            # One executemany, then one SELECT for the new ids: SQLite ran INSERT ... RETURNING row by row.
            _insert_converted(session, table, values)
            by_id = {r.external_id: r for r in new}
            ids.update((rid, by_id[ext]) for rid, ext in session.execute(
                select(table.c.id, table.c.external_id).where(table.c.source_id == source.id, table.c.external_id.in_(list(by_id)))))
        if changed:
            _replace_changed(session, changed, waves, sites, now)
        _insert_answers(session, ids, questions, screen, now)
        counts.field_issues = _quarantine_fields(session, source, run_id, ids)
    response_of = {**{ext: rid for ext, (rid, _, _) in existing.items()}, **{r.external_id: rid for rid, r in ids.items()}}
    current = {r.external_id: r.content_hash for r in ids.values()}
    current.update((ext, digest) for ext, (rid, digest, _) in existing.items() if rid not in ids)
    older += [(response_of[r.external_id], r) for r in superseded if r.external_id in response_of
              and r.content_hash != current.get(r.external_id) and r.content_hash not in history.get(response_of[r.external_id], ())]
    _add_history(session, older, now)
    return counts


def _history_hashes(session: Session, response_ids: list[int]) -> dict[int, set[str]]:
    """The content hashes of the earlier versions kept for each of these responses."""
    found: dict[int, set[str]] = {}
    if response_ids:
        versions = ResponseVersion.__table__
        for rid, digest in session.execute(select(versions.c.response_id, versions.c.content_hash)
                                           .where(versions.c.response_id.in_(response_ids))):
            found.setdefault(rid, set()).add(digest)
    return found


def _add_history(session: Session, versions: list[tuple[int, ResponseRecord]], now: datetime) -> None:
    """Keep copies that were not kept (older duplicates) as earlier versions of their response, once each."""
    rows, done = [], set()
    for rid, record in versions:
        if (rid, record.content_hash) not in done:
            done.add((rid, record.content_hash))
            rows.append({"response_id": rid, "content_hash": record.content_hash, "raw": record.raw, "replaced_at": now})
    if rows:
        session.execute(insert(ResponseVersion.__table__), rows)


def prepare_bulk_write(session: Session) -> None:
    """Tune this session's connection for writing many rows: on SQLite, a 64 MB page cache and
    temporary structures in memory (the per-connection defaults are 2 MB and a temporary file)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size=-16384")
        connection.exec_driver_sql("PRAGMA temp_store=MEMORY")


def _refresh_statistics(session: Session) -> None:
    """On PostgreSQL, ANALYZE ``responses`` when it holds over twice the rows the planner last saw.

    Without statistics (autovacuum off, or not yet run in a long ingest) the planner looked up
    existing ids through the (source, submitted) index and filtered every row of the source, so each
    batch got slower as the table grew (2 s per batch at 90,000 rows). Doubling keeps ANALYZE rare.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    row = connection.exec_driver_sql(
        "SELECT c.reltuples, s.n_live_tup FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.oid = 'responses'::regclass").first()
    if row is not None and row[1] > 2 * max(row[0], 500):
        connection.exec_driver_sql("ANALYZE responses")


def content_hashes(session: Session, source: Source, external_ids: Iterable[str]) -> dict[str, str]:
    """The stored content hash of each of these responses of ``source`` that exists."""
    ids = list(external_ids)
    if not ids:
        return {}
    stored_as = {without_nul(i): i for i in ids}  # the caller's ids, by the form the store keeps them in
    query = select(Response.external_id, Response.content_hash).where(Response.source_id == source.id,
                                                                      Response.external_id.in_(list(stored_as)))
    return {stored_as.get(external_id, external_id): digest for external_id, digest in session.execute(query)}


def response_values(record: ResponseRecord, waves: dict[str, int], sites: dict[str, int], now: datetime) -> dict[str, Any]:
    """The ``responses`` columns of one record (waves and sites: ids by key), as every insert and update writes them."""
    values: dict[str, Any] = {name: getattr(record.demographics, name) for name in DEMOGRAPHICS}
    values.update(
        wave_id=waves.get(record.wave) if record.wave else None,
        site_id=sites.get(record.site) if record.site else None,
        submitted_at=record.submitted_at, updated_at=now, consent=record.consent,
        is_suspected_bot=record.is_suspected_bot, is_synthetic=_is_synthetic(record.raw),
        content_hash=record.content_hash, raw=record.raw,
    )
    return values


def _is_synthetic(raw: dict[str, Any]) -> bool:
    """Demo rows say so: a true ``synthetic`` field, or a ``note``/``Note`` field saying SYNTHETIC."""
    if any(raw.get(key) for key in ("synthetic", "Synthetic", "SYNTHETIC")):
        return True
    return any("SYNTHETIC" in str(raw.get(key, "")).upper() for key in ("note", "Note", "NOTE"))


def _replace_changed(session: Session, changed: dict[int, ResponseRecord], waves: dict[str, int],
                     sites: dict[str, int], now: datetime) -> None:
    table = Response.__table__
    old = session.execute(select(table.c.id, table.c.content_hash, table.c.raw).where(table.c.id.in_(list(changed))))
    session.execute(insert(ResponseVersion.__table__),
                    [{"response_id": rid, "content_hash": digest, "raw": raw, "replaced_at": now} for rid, digest, raw in old])
    session.execute(delete(Answer.__table__).where(Answer.__table__.c.response_id.in_(list(changed))))
    session.execute(delete(FreeText.__table__).where(FreeText.__table__.c.response_id.in_(list(changed))))
    # Cells quarantined from the replaced version no longer belong to the response; the new version's are added anew.
    fields = QuarantinedRow.__table__
    session.execute(update(fields).where(fields.c.response_id.in_(list(changed)), fields.c.scope == "field",
                                         fields.c.resolved_at.is_(None)).values(resolved_at=now))
    session.execute(update(Response), [{"id": rid, **response_values(r, waves, sites, now)} for rid, r in changed.items()])


def _insert_answers(session: Session, ids: dict[int, ResponseRecord], questions: dict[str, int], screen: Screen,
                    now: datetime) -> None:
    plain: list[tuple[Any, ...]] = []
    others: list[dict[str, Any]] = []
    texts: list[tuple[Any, ...]] = []
    for response_id, record in ids.items():
        for answer in record.answers:
            question_id = questions.get(answer.question)
            if question_id is None:
                continue
            kind = answer.type
            if kind in ("scale", "number"):
                plain.append((response_id, question_id, None, float(answer.value)))
            elif kind == "free_text":  # the text itself lives in free_texts, redacted before display
                plain.append((response_id, question_id, None, None))
                texts.append((response_id, question_id, answer.value))
            elif kind in ("date", "multiple_choice"):
                others.append(answer_values(response_id, question_id, kind, answer.value))
            else:
                plain.append((response_id, question_id, str(answer.value), None))
    _insert_plain(session, "answers", ("response_id", "question_id", "value_text", "value_number"), plain)
    _insert_screened_texts(session, texts, screen, now)
    if others:
        session.execute(insert(Answer.__table__), others)


def _insert_screened_texts(session: Session, texts: list[tuple[int, int, str]], screen: Screen, now: datetime) -> None:
    """Insert free texts with their redacted form, then a safeguarding flag for each that needs one."""
    if not texts:
        return
    screened = [screen(original) for _, _, original in texts]
    stamp = _driver_time(session, now)
    rows = [(rid, qid, original, s.redacted, stamp, s.is_redaction_uncertain, s.is_model_pending)
            for (rid, qid, original), s in zip(texts, screened)]
    _insert_plain(session, "free_texts", ("response_id", "question_id", "original", "redacted", "redacted_at",
                                          "is_redaction_uncertain", "is_model_screen_pending"), rows)
    flagged = {(rid, qid): (s.flag_reason, s.is_child) for (rid, qid, _), s in zip(texts, screened) if s.flag_reason}
    if not flagged:
        return
    found = session.execute(select(FreeText.id, FreeText.response_id, FreeText.question_id)
                            .where(FreeText.response_id.in_({rid for rid, _ in flagged})))
    add_safeguarding_flags(session, {text_id: flagged[(rid, qid)] for text_id, rid, qid in found if (rid, qid) in flagged}, now)


def add_safeguarding_flags(session: Session, flags: dict[int, tuple[str, bool]], now: datetime) -> int:
    """Put each free text (id -> (reason, is_child)) in the safeguarding queue as a New flag; return how many.

    The one place ingest and the queued detector step create flags, so both write the same row
    (:func:`service.store.safeguarding.new_flag`).
    """
    if flags:
        session.execute(insert(SafeguardingFlag.__table__),
                        [new_flag(text_id, reason, is_child, now) for text_id, (reason, is_child) in flags.items()])
    return len(flags)


def _driver_time(session: Session, moment: datetime) -> Any:
    """A UTC time as the driver-level inserts pass it: naive for PostgreSQL's COPY, SQLAlchemy's text form on SQLite."""
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    if session.connection().dialect.driver == "psycopg":
        return naive
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f")


def _quarantine_fields(session: Session, source: Source, run_id: int | None, ids: dict[int, ResponseRecord]) -> list[Any]:
    """One quarantined row per cell that broke a rule, tied to the response stored without it; returns the issues.

    Reads the records' optional ``field_issues`` (each with ``field``, ``value``, ``rule``,
    ``reason`` and, from ``ingest``, the file's ``column``, which is what ``voice quarantine fix``
    edits); records without that attribute have none.
    """
    issues = [(response_id, record, issue) for response_id, record in ids.items()
              for issue in getattr(record, "field_issues", ())]
    rows = [{"source_id": source.id, "run_id": run_id, "external_id": record.external_id, "scope": "field",
             "response_id": response_id, "location": str(getattr(issue, "location", "") or record.location)[:500],
             "field": str(getattr(issue, "column", "") or getattr(issue, "field", ""))[:200],
             "value": str(getattr(issue, "value", ""))[:10_000],
             "rule": str(getattr(issue, "rule", "field"))[:60], "reason": _field_reason(record, issue),
             "raw": record.raw, "created_at": utcnow()}
            for response_id, record, issue in issues]
    if rows:
        session.execute(insert(QuarantinedRow.__table__), rows)
    return [issue for _, _, issue in issues]


def _field_reason(record: ResponseRecord, issue: Any) -> str:
    """The reason as a person reads it: where, which column, the value and the rule (as a whole record's reason)."""
    column = getattr(issue, "column", "")
    reason = str(getattr(issue, "reason", issue))
    if not column:
        return reason
    location = getattr(issue, "location", "") or record.location
    return f"{location}, field {column!r}: value {str(getattr(issue, 'value', ''))[:200]!r}; {reason}; the response is stored without it"


def _insert_plain(session: Session, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows of plain values (ints, floats, text) with the driver's executemany.

    These are most of the rows a survey writes (one per answer); going around SQLAlchemy's
    per-row parameter processing made the save about twice as fast. Values need no conversion.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.driver == "psycopg":
        # COPY in the same transaction: executemany sent these rows one statement each.
        driver: Any = connection.connection.driver_connection
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # our own names (see _insert_sql)
        dbapi = connection.dialect.loaded_dbapi
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(without_nul(row))  # COPY passes no statement parameters to clean
        except dbapi.Error as error:
            # As SQLAlchemy handles its own statements' errors: a lost connection is invalidated (the
            # rollback then does not fail again) and becomes an OperationalError, whichever way rows went in.
            is_lost = connection.dialect.is_disconnect(error, driver, None)
            if is_lost:
                connection.invalidate(error)
            raise DBAPIError.instance(statement, None, error, dbapi.Error, connection_invalidated=is_lost,
                                      dialect=connection.dialect) from error
        return
    connection.exec_driver_sql(_insert_sql(connection.dialect.paramstyle, table, columns), rows)


def _insert_sql(paramstyle: str, table: str, columns: Sequence[str]) -> str:
    """``INSERT INTO table (columns) VALUES (?, ...)`` for the driver's placeholder style.

    Table and column names always come from our models, never from input; values travel as
    parameters.
    """
    marker = "?" if paramstyle == "qmark" else "%s"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"  # nosec B608


def _insert_converted(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) with the driver's executemany, converting each value
    by its column type as SQLAlchemy would (JSON, UTC times, booleans) but once per column and
    without SQLAlchemy's per-row parameter processing, which took as long as the insert itself."""
    connection = session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    converters = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    values = [list(row.values()) for row in rows]
    for i, convert in enumerate(converters):
        if convert is not None:
            for row in values:
                row[i] = convert(row[i])
    connection.exec_driver_sql(_insert_sql(dialect.paramstyle, table.name, columns), [tuple(row) for row in values])


def answer_values(response_id: int, question_id: int, kind: str, value: Any) -> dict[str, Any]:
    """One ``answers`` row: the value in the column of its type (text, number, date or list)."""
    row: dict[str, Any] = {"response_id": response_id, "question_id": question_id,
                           "value_text": None, "value_number": None, "value_date": None}
    if kind in ("scale", "number"):
        row["value_number"] = float(value)
    elif kind == "date":
        row["value_date"] = date.fromisoformat(value) if value else None
    elif kind == "multiple_choice":
        row["value_list"] = list(value)
    elif kind != "free_text":  # the text itself lives in free_texts, redacted before display
        row["value_text"] = str(value)
    return row


def _wave_ids(session: Session, source: Source, keys: set[str]) -> dict[str, int]:
    found = {w.key: w.id for w in session.scalars(select(Wave).where(Wave.source_id == source.id))}
    for key in keys - set(found):
        wave = Wave(source_id=source.id, key=key, name=f"{source.name} {key}")
        session.add(wave)
        session.flush()
        found[key] = wave.id
    return found


def _site_ids(session: Session, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    return {s.code: s.id for s in session.scalars(select(Site).where(Site.code.in_(codes)))}
