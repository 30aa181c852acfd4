"""Store one QR form submission: the response, its answers and free texts, in one statement on PostgreSQL.

The form's hot path (issue 4): it takes a Core connection, not an ORM session, and builds its
statements once per process. Imports of files and feeds go through :mod:`service.store.responses` instead.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Float,
    Integer,
    Text,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal,
    null,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from ingest import ResponseRecord
from service.store import responses as store
from service.store.models import (
    Answer,
    FreeText,
    Question,
    Response,
    SafeguardingFlag,
    Site,
    Source,
    utcnow,
)
from service.store.responses import ScreenedText
from service.store.safeguarding import new_flag

# Ids never change once a source and its questions are registered, so each process reads them
# once per database; a question key not found is read again (it may have been added since).
_QUESTION_IDS: WeakKeyDictionary[Any, dict[str, tuple[int, dict[str, int]]]] = WeakKeyDictionary()


def question_ids(connection: Connection, key: str, *, refresh: bool = False) -> tuple[int, dict[str, int]]:
    """The id of source ``key`` and its question ids by question key; raise ``LookupError`` when absent."""
    known = _QUESTION_IDS.setdefault(connection.engine, {})
    if refresh or key not in known:
        source_id = connection.scalar(select(Source.id).where(Source.key == key))
        if source_id is None:
            raise LookupError(f"source {key!r} is not in the database; run `voice db upgrade` and start the app once "
                              "to register it")
        known[key] = (source_id, dict(connection.execute(select(Question.key, Question.id).where(Question.source_id == source_id)).all()))
    return known[key]


@cache
def _insert_if_site_open() -> Any:
    """INSERT INTO responses (...) SELECT :values WHERE the site is open RETURNING id, built once."""
    table = Response.__table__
    names = ["source_id", "external_id", "ingested_at", *store.DEMOGRAPHICS, "wave_id", "site_id", "submitted_at", "updated_at",
             "consent", "is_suspected_bot", "is_synthetic", "content_hash", "raw"]
    is_open = select(Site.id).where(Site.id == bindparam("open_site_id"), Site.is_retired.is_(False)).exists()
    row = select(*[bindparam(name, type_=table.c[name].type) for name in names]).where(is_open)
    return insert(table).from_select(names, row).returning(table.c.id)


@cache
def _insert_form_response_at_once() -> Any:
    """PostgreSQL: :func:`_insert_if_site_open` with the answers and free texts in the same statement.

    ``WITH r AS (INSERT INTO responses ... RETURNING id), a AS (INSERT INTO answers SELECT r.id, ...
    FROM r, jsonb_to_recordset(:answers)), t AS (INSERT INTO free_texts ...) SELECT id FROM r``:
    when the site is retired, r is empty and so are the others.
    """
    response = _insert_if_site_open().cte("r")
    answer_rows = func.jsonb_to_recordset(bindparam("answers", type_=JSONB)).table_valued(
        column("question_id", Integer), column("value_text", Text), column("value_number", Float),
        column("value_date", Date), column("value_list", JSONB)).render_derived(with_types=True).alias("a_rows")
    answers = Answer.__table__
    add_answers = insert(answers).from_select(
        ["response_id", "question_id", "value_text", "value_number", "value_date", "value_list"],
        select(response.c.id, answer_rows.c.question_id, answer_rows.c.value_text, answer_rows.c.value_number,
               answer_rows.c.value_date, cast(answer_rows.c.value_list, answers.c.value_list.type))
        .select_from(response).join(answer_rows, true()))
    text_rows = func.jsonb_to_recordset(bindparam("texts", type_=JSONB)).table_valued(
        column("question_id", Integer), column("original", Text), column("redacted", Text),
        column("is_redaction_uncertain", Boolean), column("flag_reason", Text),
        column("is_child", Boolean)).render_derived(with_types=True).alias("t_rows")
    texts = FreeText.__table__
    add_texts = insert(texts).from_select(
        ["response_id", "question_id", "original", "redacted", "redacted_at", "is_redaction_uncertain"],
        select(response.c.id, text_rows.c.question_id, text_rows.c.original, text_rows.c.redacted,
               bindparam("redacted_at", type_=texts.c.redacted_at.type), text_rows.c.is_redaction_uncertain)
        .select_from(response).join(text_rows, true())).returning(texts.c.id, texts.c.question_id).cte("t")
    # A safeguarding flag for each stored text the screen flagged, in the same statement: the
    # columns of safeguarding.new_flag, which the other paths insert as a row.
    add_flags = insert(SafeguardingFlag.__table__).from_select(
        ["free_text_id", "reason", "status", "is_child", "created_at"],
        select(add_texts.c.id, text_rows.c.flag_reason, literal("new"), text_rows.c.is_child,
               bindparam("redacted_at", type_=texts.c.redacted_at.type))
        .select_from(add_texts).join(text_rows, text_rows.c.question_id == add_texts.c.question_id)
        .where(text_rows.c.flag_reason.is_not(None)))
    return select(response.c.id).add_cte(add_answers.cte("a"), add_texts, add_flags.cte("f"))


def _text_row(question_id: int, original: str, screened: ScreenedText) -> dict[str, Any]:
    return {"question_id": question_id, "original": original, "redacted": screened.redacted,
            "is_redaction_uncertain": screened.is_redaction_uncertain, "flag_reason": screened.flag_reason,
            "is_child": screened.is_child}


def _add_form_response_at_once(connection: Connection, values: dict[str, Any], record: ResponseRecord,
                               questions: dict[str, int], screened: dict[str, ScreenedText]) -> int | None:
    # One round trip instead of three: two fewer waits for the server per submission, about a
    # third of its database time (bench/RESULTS.md, "form").
    answers, texts = [], []
    for answer in record.answers:
        if answer.question in questions:
            question_id = questions[answer.question]
            row = store.answer_values(0, question_id, answer.type, answer.value)
            del row["response_id"]
            if row["value_date"] is not None:
                row["value_date"] = row["value_date"].isoformat()
            answers.append(row)  # a missing value_list, like JSON null, becomes SQL NULL
            if answer.type == "free_text":
                texts.append(_text_row(question_id, answer.value, screened[answer.question]))
    return connection.scalar(_insert_form_response_at_once(), {**values, "answers": answers, "texts": texts,
                                                               "redacted_at": values["ingested_at"]})


def add_form_response(connection: Connection, source_key: str, site_id: int, record: ResponseRecord,
                      screened: dict[str, ScreenedText]) -> int | None:
    """Insert one new response of the QR form with its answers; return its id, or None if the site is retired.

    ``screened`` holds, by question key, what the intake screen made of each free-text answer:
    its redacted form is stored with the original, and a flagged text gets its safeguarding flag
    in the same transaction (on PostgreSQL, the same statement).

    The insert is guarded by the site's state in the same statement, so a site retired a moment
    ago takes no more answers. A response already stored with this external id (a replayed form
    token) breaks the unique constraint: ``IntegrityError``, which the caller reports as a duplicate.
    On SQLite three statements or more: the response, its answers, each free text (and its flag);
    on PostgreSQL one statement does all of it. It takes a Core connection, not an ORM session: the form's hot path
    needs no ORM, and skipping it saves about 6% of a submission's instructions (bench/RESULTS.md, "form").
    """
    source_id, questions = question_ids(connection, source_key)
    if any(a.question not in questions for a in record.answers):
        source_id, questions = question_ids(connection, source_key, refresh=True)
    now = utcnow()
    values = {"source_id": source_id, "external_id": record.external_id, "ingested_at": now,
              **store.response_values(record, {}, {record.site or "": site_id}, now), "open_site_id": site_id}
    if connection.dialect.name == "postgresql":
        return _add_form_response_at_once(connection, values, record, questions, screened)
    response_id = connection.scalar(_insert_if_site_open(), values)
    if response_id is None:
        return None
    answers, texts = [], []
    for answer in record.answers:
        if answer.question in questions:
            question_id = questions[answer.question]
            # null(): SQL NULL for answers that are not lists, as save_responses stores them (None would be JSON null)
            answers.append({"value_list": null(), **store.answer_values(response_id, question_id, answer.type, answer.value)})
            if answer.type == "free_text":
                texts.append({"response_id": response_id, **_text_row(question_id, answer.value, screened[answer.question])})
    if answers:
        connection.execute(insert(Answer.__table__), answers)
    for row in texts:
        reason, is_child = row.pop("flag_reason"), row.pop("is_child")
        text_id = connection.scalar(insert(FreeText.__table__).returning(FreeText.id), {**row, "redacted_at": now})
        if reason:
            connection.execute(insert(SafeguardingFlag.__table__), new_flag(text_id, reason, is_child, now))
    return response_id
