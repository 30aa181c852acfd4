"""Topics, redaction, safeguarding flags and emerging themes for stored free text.

Run by the pipeline, never by a request. Every free text is redacted before anything shows it;
possible disclosures of harm go to the safeguarding queue for a person; topics carry the model
and codeframe version of the run that gave them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import nlp
from service.config import Config
from service.store.db import transaction
from service.store.models import (
    AnalysisRun,
    FreeText,
    SafeguardingFlag,
    TextReview,
    TopicCode,
    utcnow,
)

logger = logging.getLogger(__name__)

BATCH = 2000
POOR_FIT = 0.5


def load_topic_model(session: Session, config: Config) -> nlp.TopicClassifier:
    """The topic model trained on the bundled set plus every code a reviewer has confirmed."""
    reviews = session.execute(select(FreeText.original, TextReview.confirmed_topics)
                              .join(TextReview, TextReview.free_text_id == FreeText.id)
                              .where(FreeText.original.is_not(None))).all()
    return nlp.load_or_train_model(config.analysis.model_dir,
                                   confirmed_texts=[text for text, _ in reviews],
                                   confirmed_topics=[list(topics) for _, topics in reviews])


def run_topics(factory: sessionmaker[Session], config: Config) -> int:
    """Redact, flag and code every free text not processed yet; return the run id."""
    with transaction(factory) as session:
        model = load_topic_model(session, config)
        run = AnalysisRun(kind="topics", method="TopicClassifier", model_version=model.version_,
                          codeframe_version=model.codeframe_version, parameters={"batch": BATCH})
        session.add(run)
        session.flush()
        run_id = run.id
    counts = {"n_texts": 0, "n_flagged": 0, "n_coded": 0, "n_not_english": 0}
    while True:
        with transaction(factory) as session:
            batch = list(session.scalars(select(FreeText).where(FreeText.redacted_at.is_(None)).order_by(FreeText.id).limit(BATCH)))
            if not batch:
                break
            _code_batch(session, batch, model, run_id, counts)
    with transaction(factory) as session:
        run = session.get(AnalysisRun, run_id)
        run.result = counts
    logger.info("topics run %d: %s", run_id, counts)
    return run_id


def _code_batch(session: Session, batch: list[FreeText], model: nlp.TopicClassifier, run_id: int, counts: dict[str, int]) -> None:
    analyses = nlp.analyse_texts([text.original for text in batch], model)
    now = utcnow()
    for text, analysis in zip(batch, analyses):
        text.redacted = analysis.redaction.text
        text.redacted_at = now
        text.confidence = analysis.max_probability
        text.is_english = analysis.prepared.is_english
        counts["n_texts"] += 1
        counts["n_not_english"] += int(not analysis.prepared.is_english)
        for topic in analysis.topics:
            session.add(TopicCode(free_text_id=text.id, topic=topic, origin="model", run_id=run_id))
        counts["n_coded"] += int(bool(analysis.topics))
        if analysis.safeguarding.is_flagged:
            session.add(SafeguardingFlag(free_text_id=text.id, reason="; ".join(analysis.safeguarding.reasons)))
            counts["n_flagged"] += 1


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


def run_evaluation(factory: sessionmaker[Session], config: Config, n_splits: int = 5) -> int:
    """Cross-validate the topic model on the labelled set, against the keyword baseline; store the report."""
    labelled = nlp.load_labelled()
    model = nlp.TopicClassifier(codeframe_version=nlp.load_codeframe().version, random_state=0)
    report = nlp.evaluate_classifier(model, labelled.texts, labelled.topics, n_splits=n_splits, name="topic model")
    baseline = nlp.evaluate_classifier(nlp.KeywordClassifier(), labelled.texts, labelled.topics, n_splits=n_splits,
                                       name="keyword baseline")
    result = {"macro_f1": report.macro_f1, "baseline_macro_f1": baseline.macro_f1, "n_texts": report.n_texts,
              "n_splits": n_splits, "markdown": report.to_markdown(), "baseline_markdown": baseline.to_markdown(),
              "topics": [{"topic": s.topic, "precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}
                         for s in report.per_topic]}
    with transaction(factory) as session:
        run = AnalysisRun(kind="evaluation", method="cross-validation", parameters={"n_splits": n_splits},
                          codeframe_version=nlp.load_codeframe().version, result=result)
        session.add(run)
        session.flush()
        return run.id
