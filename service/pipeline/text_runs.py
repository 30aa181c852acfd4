"""Topics, redaction, safeguarding flags and emerging themes for stored free text.

Run by the pipeline, never by a request. Every free text is redacted before anything shows it;
possible disclosures of harm go to the safeguarding queue for a person; every coded text has a
``TextCoding`` per coder (coder, model, prompt and codeframe versions) and the findings coder's
topics as ``TopicCode`` rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

import nlp
from service.config import Config
from service.pipeline.coders import (
    CHAT_CACHE,
    DeferredCoder,
    audit_batch,
    builtin_coder,
    make_chat_coder,
)
from service.pipeline.screening import screen_text
from service.store.db import transaction
from service.store.models import (
    AnalysisRun,
    FreeText,
    Response,
    SafeguardingFlag,
    Source,
    TextCoding,
    TopicCode,
    utcnow,
)
from service.store.responses import add_safeguarding_flags
from service.store.safeguarding import new_flag

logger = logging.getLogger(__name__)

BATCH = 2000
POOR_FIT = 0.5


def has_pending_texts(factory: sessionmaker[Session]) -> bool:
    """True when some stored free text waits for the topic model (``classified_at`` unset)."""
    with factory() as session:
        return session.scalar(select(FreeText.id).where(FreeText.classified_at.is_(None)).limit(1)) is not None


#: Texts the trained disclosure detector reads in one pass and one transaction.
MODEL_BATCH = 256


@dataclass(frozen=True)
class ModelScreenResult:
    """What one pass of :func:`screen_pending_texts` did: texts the detector read, flags it added."""

    n_screened: int = 0
    n_flagged: int = 0

    def summary(self) -> str:
        """One sentence for a run report."""
        return (f"{self.n_screened} text(s) screened by the disclosure detector after storing; "
                f"{self.n_flagged} safeguarding flag(s) added")


def has_model_screen_pending(factory: sessionmaker[Session]) -> bool:
    """True when some stored free text waits for the trained disclosure detector."""
    with factory() as session:
        return session.scalar(select(FreeText.id).where(FreeText.is_model_screen_pending.is_(True)).limit(1)) is not None


def screen_pending_texts(factory: sessionmaker[Session], batch: int = MODEL_BATCH) -> ModelScreenResult:
    """Run the trained disclosure detector on every text stored with the rules only; flag and clear each.

    Bulk ingest redacts and applies the safeguarding rules when it stores a text
    (:mod:`service.pipeline.bulk_screen`); this is the rest of the same screen. Each batch commits
    on its own. A text is claimed by clearing its marker in the transaction that adds its flag
    (``UPDATE ... WHERE pending RETURNING id``), so two processes running this at once, or a
    re-run, never flag a text twice; a text already flagged (by the rules) keeps its one flag.
    """
    table = FreeText.__table__
    n_screened = n_flagged = 0
    after = 0
    while True:
        with factory() as session:
            rows = session.execute(select(table.c.id, table.c.original, table.c.redacted)
                                   .where(table.c.is_model_screen_pending.is_(True), table.c.id > after)
                                   .order_by(table.c.id).limit(batch)).all()
        if not rows:
            break
        after = rows[-1].id
        # The same cleaned text the intake screen reads (service.pipeline.screening.screen_text).
        texts = [nlp.prepare_text(row.original if row.original is not None else row.redacted or "").text for row in rows]
        results = nlp.check_safeguarding_many(texts, use_model=True)
        with transaction(factory) as session:
            claimed = set(session.scalars(update(table).where(table.c.id.in_([row.id for row in rows]),
                                                              table.c.is_model_screen_pending.is_(True))
                                          .values(is_model_screen_pending=False).returning(table.c.id)))
            flagged = set(session.scalars(select(SafeguardingFlag.free_text_id)
                                          .where(SafeguardingFlag.free_text_id.in_(claimed))))
            found = {row.id: ("; ".join(result.reasons), result.is_child) for row, result in zip(rows, results, strict=True)
                     if row.id in claimed and row.id not in flagged and result.is_flagged}
            n_flagged += add_safeguarding_flags(session, found, utcnow())
        n_screened += len(claimed)
    if n_screened:
        logger.info("disclosure detector read %d pending text(s), added %d flag(s)", n_screened, n_flagged)
    return ModelScreenResult(n_screened, n_flagged)


@dataclass
class _Coders:
    """The coders of one topics run and whose codes feed findings."""

    builtin: Any  # nlp.BuiltinCoder
    chat: Any | None  # nlp.ChatCoder, when [nlp.llm] is enabled
    findings: str  # "builtin" or "chat"
    sent: list = field(default_factory=list)  # nlp.BatchSent, audited after each batch


def run_topics(factory: sessionmaker[Session], config: Config) -> int:
    """Code every free text the topic model has not coded yet; return the run id.

    The built-in MiniLM model codes every text (its codes cached by text hash, so identical texts
    and re-runs cost no encoder pass). With ``[nlp.llm] enabled`` the chat coder also codes the
    redacted texts of the sources it may see; ``[nlp] findings_coder`` decides whose codes become
    the ``TopicCode`` rows that findings read. Each coder's result is a ``TextCoding`` row.
    Texts stored since the intake screen (revision 0010_intake) arrive redacted and flagged; older
    texts never redacted are redacted and flagged here too, so nothing is left unscreened.
    """
    coders = _Coders(builtin_coder(config), None, config.nlp.findings_coder)
    if config.llm.enabled:
        coders.chat = make_chat_coder(config, DeferredCoder(coders.builtin.version, coders.builtin.codeframe.version),
                                      cache_path=Path(config.analysis.model_dir) / CHAT_CACHE,
                                      on_batch=coders.sent.append)
    chat_model = coders.chat.settings.model if coders.chat is not None else None
    with transaction(factory) as session:
        run = AnalysisRun(kind="topics", method="ChatCoder" if coders.findings == "chat" else "SentenceTopicClassifier",
                          model_version=chat_model if coders.findings == "chat" else coders.builtin.version,
                          codeframe_version=coders.builtin.codeframe.version,
                          parameters={"batch": BATCH, "findings_coder": coders.findings,
                                      "builtin_model": coders.builtin.version, "chat_model": chat_model,
                                      "prompt_version": coders.chat.prompt.version if coders.chat is not None else None,
                                      "allowed_sources": _allowed(config)})
        session.add(run)
        session.flush()
        run_id = run.id
    counts = dict.fromkeys(("n_texts", "n_flagged", "n_coded", "n_not_english", "n_sent", "n_chat", "n_fallback",
                            "n_encoded"), 0)
    while True:
        with transaction(factory) as session:
            batch = list(session.scalars(select(FreeText).where(FreeText.classified_at.is_(None)).order_by(FreeText.id).limit(BATCH)))
            if not batch:
                break
            _code_batch(session, batch, coders, run_id, config, counts)
        for sent in coders.sent:
            audit_batch(factory, sent)
        coders.sent.clear()
    counts["n_encoded"] = coders.builtin.n_encoded
    with transaction(factory) as session:
        run = session.get(AnalysisRun, run_id)
        run.result = counts
    logger.info("topics run %d: %s", run_id, counts)
    return run_id


def _allowed(config: Config) -> list[str] | str | None:
    if not config.llm.enabled:
        return None
    return "all" if config.llm.allowed_sources is None else list(config.llm.allowed_sources)


def _code_batch(session: Session, batch: list[FreeText], coders: _Coders, run_id: int, config: Config,
                counts: dict[str, int]) -> None:
    now = utcnow()
    # A text coded again (its classified_at cleared) gets this run's codes in place of the old ones.
    session.execute(delete(TopicCode).where(TopicCode.free_text_id.in_([text.id for text in batch]),
                                            TopicCode.origin == "model"))
    for text in batch:
        if text.redacted_at is None:  # stored before the intake screen: screen it now
            age = session.scalar(select(Response.age).where(Response.id == text.response_id))
            screened = screen_text(text.original or "", age=age)
            text.redacted, text.redacted_at = screened.redacted, now
            text.is_redaction_uncertain = screened.is_redaction_uncertain
            if screened.flag_reason:
                session.add(SafeguardingFlag(**new_flag(text.id, screened.flag_reason, screened.is_child, now)))
                counts["n_flagged"] += 1
    prepared = [nlp.prepare_text(text.original if text.original is not None else text.redacted) for text in batch]
    codable = [i for i, item in enumerate(prepared) if not item.is_empty and item.is_english]
    builtin = dict(zip(codable, coders.builtin.code([prepared[i].text for i in codable]), strict=True))
    chat: dict[int, Any] = {}
    if coders.chat is not None:
        sources = dict(session.execute(select(FreeText.id, Source.key).join(Response, Response.id == FreeText.response_id)
                                       .join(Source, Source.id == Response.source_id)
                                       .where(FreeText.id.in_([batch[i].id for i in codable]))).all())
        may_send = [i for i in codable if config.llm.may_send(sources.get(batch[i].id)) and batch[i].redacted]
        chat = dict(zip(may_send, coders.chat.code([batch[i].redacted for i in may_send]), strict=True))
        counts["n_sent"] += len(may_send)
    for i, (text, item) in enumerate(zip(batch, prepared)):
        text.classified_at = now
        text.is_english = item.is_english
        counts["n_texts"] += 1
        counts["n_not_english"] += int(not item.is_english)
        if i not in builtin:
            text.confidence = 0.0
            continue
        text.confidence = builtin[i].confidence
        by_chat = chat.get(i)
        chat_coded = by_chat is not None and by_chat.coder == "chat"
        counts["n_chat"] += int(chat_coded)
        counts["n_fallback"] += int(by_chat is not None and not chat_coded)
        chat_feeds = chat_coded and coders.findings == "chat"
        findings = by_chat if chat_feeds else builtin[i]
        fallback_note = by_chat.note if by_chat is not None and not chat_coded else ""
        session.add(_coding(text.id, run_id, builtin[i], feeds=not chat_feeds, note=fallback_note))
        if chat_coded:
            session.add(_coding(text.id, run_id, by_chat, feeds=chat_feeds, note=by_chat.note))
        for topic in findings.topics:
            session.add(TopicCode(free_text_id=text.id, topic=topic, origin="model", run_id=run_id))
        counts["n_coded"] += int(bool(findings.topics))


def _coding(free_text_id: int, run_id: int, coded: Any, *, feeds: bool, note: str) -> TextCoding:
    return TextCoding(free_text_id=free_text_id, run_id=run_id, coder=coded.coder, model=coded.model[:120],
                      prompt_version=coded.prompt_version, codeframe_version=coded.codeframe_version,
                      topics=list(coded.topics), feeds_findings=feeds, note=note)


def run_themes(factory: sessionmaker[Session], config: Config, n_themes: int = 6) -> int:
    """Cluster the texts the codeframe fits poorly into emerging themes; return the run id.

    Exemplars are redacted and never come from a text flagged for safeguarding.
    """
    with transaction(factory) as session:
        flagged = set(session.scalars(select(SafeguardingFlag.free_text_id)))
        rows = [(i, t) for i, t in _poor_fits(session) if i not in flagged]
        result = nlp.find_themes([t for _, t in rows], n_themes=n_themes, random_state=0)
        themes = [{"number": theme.number, "size": theme.size, "top_terms": list(theme.top_terms),
                   "exemplars": list(theme.exemplars), "free_text_ids": [rows[i][0] for i in theme.exemplar_indices]}
                  for theme in result.themes]
        run = AnalysisRun(kind="themes", method="NMF on TF-IDF", parameters={"n_themes": n_themes, "poor_fit_below": POOR_FIT},
                          result={"n_texts": result.n_texts, "converged": result.converged, "themes": themes})
        session.add(run)
        session.flush()
        return run.id


def _poor_fits(session: Session) -> Iterator[tuple[int, str]]:
    coded_other = select(TopicCode.free_text_id).where(TopicCode.topic == "other", TopicCode.origin == "model")
    query = (select(FreeText.id, FreeText.redacted)
             .where(FreeText.redacted.is_not(None), FreeText.redacted != "", FreeText.is_english.is_(True))
             .where((FreeText.confidence < POOR_FIT) | FreeText.id.in_(coded_other))
             .order_by(FreeText.id))
    for free_text_id, text in session.execute(query):
        yield free_text_id, text


def run_evaluation(factory: sessionmaker[Session], config: Config) -> int:
    """Score the built-in coder on the held-out synthetic test set, beside the keyword baseline; store the report.

    The test set (``nlp/data/test.csv``, team-written) is never trained on. The figure on real
    comments nobody here wrote comes from ``python -m nlp.evaluate --realtext DIR``; agreement with
    this council's reviewers is on /review/coders.
    """
    from nlp.evaluate import score_predictions

    codeframe = nlp.load_codeframe()
    labelled = nlp.load_labelled(nlp.TEST_PATH, codeframe=codeframe)
    coder = builtin_coder(config)
    predicted = [list(coded.topics) for coded in coder.code(list(labelled.texts))]
    report = score_predictions(predicted, labelled.topics, topics=codeframe.ids, name="built-in model")
    baseline = score_predictions(nlp.KeywordClassifier().fit().predict(list(labelled.texts)), labelled.topics,
                                 topics=codeframe.ids, name="keyword baseline")
    result = {"macro_f1": report.macro_f1, "baseline_macro_f1": baseline.macro_f1, "n_texts": report.n_texts,
              "data": "synthetic test set (team-written), held out", "model": coder.version,
              "markdown": report.to_markdown(), "baseline_markdown": baseline.to_markdown(),
              "topics": [{"topic": s.topic, "precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}
                         for s in report.per_topic]}
    with transaction(factory) as session:
        run = AnalysisRun(kind="evaluation", method="held-out test set", parameters={"test_set": nlp.TEST_PATH.name},
                          model_version=coder.version, codeframe_version=codeframe.version, result=result)
        session.add(run)
        session.flush()
        return run.id
