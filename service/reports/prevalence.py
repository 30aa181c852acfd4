"""What people tell us: topic prevalence (unweighted and weighted, with 95% intervals), group
comparisons, themes and redacted quotes, read from the topics, weighting and themes runs.

A free text's topics are the reviewer's when a reviewer has confirmed or corrected them, and the
model's otherwise. Prevalence is the share of coded free texts carrying a topic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, exists, func, null, or_, select
from sqlalchemy.orm import Session, aliased

from nlp import theme_label, theme_terms
from service.reports.cache import remember
from service.reports.dashboard import ResponseFilter, apply_filter
from service.reports.masking import is_redaction_uncertain
from service.store.models import (
    AnalysisRun,
    FreeText,
    Response,
    ResponseWeight,
    SafeguardingFlag,
    Source,
    TextReview,
    TopicCode,
)

Z95 = 1.959964


def wilson_interval(n: int, base: int) -> tuple[float, float]:
    """95% Wilson score interval of a proportion, in percent (Wilson 1927)."""
    if base <= 0:
        return 0.0, 0.0
    p = n / base
    centre = (p + Z95**2 / (2 * base)) / (1 + Z95**2 / base)
    half = Z95 * math.sqrt(p * (1 - p) / base + Z95**2 / (4 * base**2)) / (1 + Z95**2 / base)
    return round(100 * max(centre - half, 0.0), 1), round(100 * min(centre + half, 1.0), 1)


def weighted_interval(share: float, n_effective: float) -> tuple[float, float]:
    """95% interval of a weighted proportion using Kish's effective sample size, in percent."""
    if n_effective <= 0:
        return 0.0, 0.0
    half = Z95 * math.sqrt(share * (1 - share) / n_effective)
    return round(100 * max(share - half, 0.0), 1), round(100 * min(share + half, 1.0), 1)


def effective_codes():
    """(free_text_id, topic) pairs: reviewer codes where reviewed, model codes otherwise."""
    reviewed = exists().where(TextReview.free_text_id == TopicCode.free_text_id)
    return (select(TopicCode.free_text_id, TopicCode.topic)
            .where(or_(TopicCode.origin == "reviewer", and_(TopicCode.origin == "model", ~reviewed)))
            .distinct().subquery())


def _is_effective():
    """The condition on a ``topic_codes`` row that makes it one of :func:`effective_codes`, each pair once.

    A model code counts when the text has no review and no reviewer code of the same topic (the
    pair is then counted through the reviewer's row), so plain counts and sums need no DISTINCT.
    """
    reviewer = aliased(TopicCode)
    reviewed = exists().where(TextReview.free_text_id == TopicCode.free_text_id)
    same_by_reviewer = exists().where(reviewer.free_text_id == TopicCode.free_text_id, reviewer.topic == TopicCode.topic,
                                      reviewer.origin == "reviewer")
    return or_(TopicCode.origin == "reviewer", and_(TopicCode.origin == "model", ~reviewed, ~same_by_reviewer))


def _is_coded():
    """The condition on a ``free_texts`` row that it has at least one effective topic code."""
    # One EXISTS (not an OR of several): PostgreSQL turns it into a hashed semi-join.
    reviewed = exists().where(TextReview.free_text_id == TopicCode.free_text_id)
    return exists().where(TopicCode.free_text_id == FreeText.id,
                          or_(TopicCode.origin == "reviewer", and_(TopicCode.origin == "model", ~reviewed)))


def latest_run(session: Session, kind: str, source: str | None = None) -> AnalysisRun | None:
    """The newest finished run of ``kind`` (for ``source`` when given)."""
    query = select(AnalysisRun).where(AnalysisRun.kind == kind, AnalysisRun.status == "finished")
    if source is not None:
        query = query.where(AnalysisRun.source_key == source)
    return session.scalar(query.order_by(AnalysisRun.id.desc()).limit(1))


def _weighting_run_id(session: Session, filt: ResponseFilter) -> tuple[int | None, str | None]:
    """The weighting run used when one source is chosen (its newest finished run), with its method."""
    run = latest_run(session, "weighting", filt.source) if filt.source else None
    return (run.id, run.method) if run else (None, None)


def _counts(session: Session, filt: ResponseFilter, column: str, run_id: int | None) -> dict[str, Any]:
    """Coded free texts and effective codes of the filter, per group of ``column`` (and per topic).

    Two grouped queries; with ``run_id`` they also sum the run's weights (texts without a weight
    add nothing to the sums, as an inner join would). Kept per filter and data version.
    """
    return remember(session, "topic_counts", (filt, column, run_id),
                    lambda: _count_groups(session, filt, column, run_id), scope="codes")


def _count_groups(session: Session, filt: ResponseFilter, column: str, run_id: int | None) -> dict[str, Any]:
    group = Response.source_id if column == "source" else getattr(Response, column)
    weight = ResponseWeight.weight
    sums = (func.sum(weight), func.sum(weight * weight)) if run_id is not None else (null(), null())

    def grouped(query):
        if run_id is not None:
            query = query.outerjoin(ResponseWeight, and_(ResponseWeight.response_id == Response.id,
                                                         ResponseWeight.run_id == run_id))
        return apply_filter(query, filt)

    # Start from the filter's responses (an index scan) and look their texts and codes up by index;
    # ``+ 0`` stops SQLite from starting at topic_codes and fetching a response row per code.
    texts = grouped(select(group, func.count(), *sums).select_from(Response)
                    .join(FreeText, FreeText.response_id == Response.id + 0).where(_is_coded())).group_by(group)
    codes = grouped(select(TopicCode.topic, group, func.count(), sums[0]).select_from(Response)
                    .join(FreeText, FreeText.response_id == Response.id + 0).join(TopicCode, TopicCode.free_text_id == FreeText.id + 0)
                    .where(_is_effective())).group_by(TopicCode.topic, group)
    return {"texts": {grp: (n, total, squares) for grp, n, total, squares in session.execute(texts)},
            "codes": {(topic, grp): (n, total) for topic, grp, n, total in session.execute(codes)}}


def _group_names(session: Session, column: str, counts: dict[str, Any]) -> dict[str, Any]:
    """The counts with source ids replaced by source names (read fresh: a source may be renamed)."""
    if column != "source":
        return counts
    names = dict(session.execute(select(Source.id, Source.name)).all())
    texts: dict[Any, tuple] = {}
    for grp, values in counts["texts"].items():
        texts[names[grp]] = _add(texts.get(names[grp]), values)
    codes: dict[tuple[str, Any], tuple] = {}
    for (topic, grp), values in counts["codes"].items():
        codes[(topic, names[grp])] = _add(codes.get((topic, names[grp])), values)
    return {"texts": texts, "codes": codes}


def _add(left: tuple | None, right: tuple) -> tuple:
    """Element-wise sum of two tuples of counts and sums (``None`` is an empty sum, as in SQL)."""
    if left is None:
        return right
    return tuple(a if b is None else b if a is None else a + b for a, b in zip(left, right))


def topic_prevalence(session: Session, filt: ResponseFilter, labels: Mapping[str, str], by: str = "source") -> dict[str, Any]:
    """Share of coded free texts per topic, unweighted with Wilson intervals, and weighted when one
    source is chosen and it has a weighting run (Kish effective n for the interval).

    The counts come from the database per group of ``by`` and are added up here, so a page that
    also compares groups by ``by`` (:func:`prevalence_by`) reads the same cached counts.
    """
    run_id, method = _weighting_run_id(session, filt)
    counts = _counts(session, filt, by, run_id)
    base, total, squares = 0, None, None
    for values in counts["texts"].values():
        base, total, squares = _add((base, total, squares), values)
    topics: dict[str, tuple] = {}
    for (topic, _grp), values in counts["codes"].items():
        topics[topic] = _add(topics.get(topic), values)
    weighted = _weighted(total, squares, {topic: w for topic, (_n, w) in topics.items()}) if run_id is not None else None
    rows = []
    for topic, n in sorted(((topic, n) for topic, (n, _w) in topics.items()), key=lambda item: -item[1]):
        low, high = wilson_interval(n, base)
        row = {"topic": topic, "label": labels.get(topic, topic), "n": n, "base_n": base,
               "pct": round(100 * n / base, 1) if base else 0.0, "ci_low": low, "ci_high": high}
        if weighted is not None:
            row.update(weighted["topics"].get(topic, {"weighted_pct": 0.0, "weighted_ci_low": 0.0, "weighted_ci_high": 0.0}))
        rows.append(row)
    return {"base_n": base, "rows": rows, "weighting_run": run_id, "weighting_method": method,
            "n_effective": weighted["n_effective"] if weighted else None}


def _weighted(total: float | None, squares: float | None, topic_weights: Mapping[str, float | None]) -> dict[str, Any]:
    if not total:
        return {"topics": {}, "n_effective": 0.0}
    n_effective = total**2 / squares
    topics = {}
    for topic, weight in topic_weights.items():
        if weight is None:  # no weighted text carries the topic: shown as 0, as before
            continue
        share = weight / total
        low, high = weighted_interval(share, n_effective)
        topics[topic] = {"weighted_pct": round(100 * share, 1), "weighted_ci_low": low, "weighted_ci_high": high}
    return {"topics": topics, "n_effective": round(n_effective, 1)}


def prevalence_by(session: Session, filt: ResponseFilter, column: str, labels: Mapping[str, str]) -> dict[str, Any]:
    """Unweighted topic shares within each group of ``column`` (``source`` or a demographic)."""
    run_id = _weighting_run_id(session, filt)[0]  # the same cached counts as topic_prevalence(..., by=column)
    counts = _group_names(session, column, _counts(session, filt, column, run_id))
    bases = {grp: n for grp, (n, _total, _squares) in counts["texts"].items()}
    cells: dict[str, dict[Any, int]] = {}
    for (topic, grp), (n, _w) in counts["codes"].items():
        cells.setdefault(topic, {})[grp] = n
    groups = sorted((g for g in bases if g is not None), key=str)
    rows = []
    for topic in sorted(cells, key=lambda t: -sum(cells[t].values())):
        rows.append({"topic": topic, "label": labels.get(topic, topic),
                     "cells": [{"n": cells[topic].get(g, 0), "base_n": bases[g],
                                "pct": round(100 * cells[topic].get(g, 0) / bases[g], 1)} for g in groups]})
    return {"groups": groups, "bases": [bases[g] for g in groups], "rows": rows}


def quotes(session: Session, filt: ResponseFilter, topic: str | None, limit: int = 6) -> list[dict[str, Any]]:
    """Redacted free texts (never originals) for a topic, skipping any with a safeguarding flag or an uncertain redaction."""
    # Newest responses first, then their texts: ``+ 0`` keeps SQLite from starting at free_texts
    # and sorting all of them (it may not use the primary key of responses for this join).
    query = (select(FreeText.id, FreeText.redacted, Source.name, Response.submitted_at, FreeText.original).select_from(Response)
             .join(FreeText, FreeText.response_id == Response.id + 0).join(Source, Response.source_id == Source.id)
             .where(FreeText.redacted.is_not(None), FreeText.redacted != "", FreeText.is_redaction_uncertain.is_not(True),
                    ~exists().where(SafeguardingFlag.free_text_id == FreeText.id)))
    if topic:
        by_reviewer = exists().where(TopicCode.free_text_id == FreeText.id, TopicCode.topic == topic, TopicCode.origin == "reviewer")
        by_model = and_(exists().where(TopicCode.free_text_id == FreeText.id, TopicCode.topic == topic, TopicCode.origin == "model"),
                        ~exists().where(TextReview.free_text_id == FreeText.id))
        query = query.where(or_(by_reviewer, by_model))  # the text carries the topic among its effective codes
    # A text the redactor is unsure about is never quoted either (issue 19): read a few spare ones.
    query = apply_filter(query, filt).order_by(Response.submitted_at.desc(), FreeText.id.desc()).limit(limit * 3)
    found = [{"id": text_id, "text": text, "source": source, "submitted_at": at}
             for text_id, text, source, at, original in session.execute(query) if not is_redaction_uncertain(original)]
    return found[:limit]


def themes(session: Session, source: str | None = None) -> dict[str, Any]:
    """The newest themes run: label, key terms, size and one redacted example of each emerging theme."""
    run = latest_run(session, "themes", source) or (latest_run(session, "themes") if source else None)
    if run is None:
        return {"run": None, "themes": []}
    items = run.result.get("themes", []) if isinstance(run.result, dict) else []
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        terms = [str(t) for t in item.get("terms") or item.get("top_terms") or item.get("keywords") or []]
        exemplars = [(i, str(text)) for i, text in zip(item.get("free_text_ids") or [], item.get("exemplars") or [])]
        out.append({"label": str(item.get("label") or item.get("name") or theme_label(terms)),
                    "terms": theme_terms(terms)[:6], "n": item.get("n") or item.get("size") or item.get("n_texts"),
                    "exemplars": exemplars})
    # A text flagged for safeguarding after the themes run (a reviewer's flag) is not quoted either.
    flagged = set(session.scalars(select(SafeguardingFlag.free_text_id).where(
        SafeguardingFlag.free_text_id.in_([i for theme in out for i, _ in theme["exemplars"]]))))
    for theme in out:
        theme["example"] = next((text for i, text in theme.pop("exemplars") if i not in flagged), None)
    return {"run": {"id": run.id, "created_at": run.created_at, "source": run.source_key}, "themes": out}
