"""What people tell us: topic prevalence (unweighted and weighted, with 95% intervals), group
comparisons, themes and redacted quotes, read from the topics, weighting and themes runs.

A free text's topics are the reviewer's when a reviewer has confirmed or corrected them, and the
model's otherwise. Prevalence is the share of coded free texts carrying a topic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from service.models import (
    AnalysisRun,
    FreeText,
    Response,
    ResponseWeight,
    SafeguardingFlag,
    Source,
    TextReview,
    TopicCode,
)
from service.queries import ResponseFilter, apply_filter

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


def latest_run(session: Session, kind: str, source: str | None = None) -> AnalysisRun | None:
    """The newest finished run of ``kind`` (for ``source`` when given)."""
    query = select(AnalysisRun).where(AnalysisRun.kind == kind, AnalysisRun.status == "finished")
    if source is not None:
        query = query.where(AnalysisRun.source_key == source)
    return session.scalar(query.order_by(AnalysisRun.id.desc()).limit(1))


def _coded_texts(filt: ResponseFilter):
    codes = effective_codes()
    query = (select(FreeText.id.label("text_id"), FreeText.response_id.label("response_id"))
             .join(Response, FreeText.response_id == Response.id)
             .where(exists().where(codes.c.free_text_id == FreeText.id)))
    return apply_filter(query, filt).subquery(), codes


def topic_prevalence(session: Session, filt: ResponseFilter, labels: Mapping[str, str]) -> dict[str, Any]:
    """Share of coded free texts per topic, unweighted with Wilson intervals, and weighted when one
    source is chosen and it has a weighting run (Kish effective n for the interval)."""
    texts, codes = _coded_texts(filt)
    base = session.scalar(select(func.count()).select_from(texts)) or 0
    counts = dict(session.execute(select(codes.c.topic, func.count()).join(texts, texts.c.text_id == codes.c.free_text_id)
                                  .group_by(codes.c.topic)).all())
    weighting = latest_run(session, "weighting", filt.source) if filt.source else None
    weighted = _weighted(session, texts, codes, weighting.id) if weighting else None
    rows = []
    for topic, n in sorted(counts.items(), key=lambda item: -item[1]):
        low, high = wilson_interval(n, base)
        row = {"topic": topic, "label": labels.get(topic, topic), "n": n, "base_n": base,
               "pct": round(100 * n / base, 1) if base else 0.0, "ci_low": low, "ci_high": high}
        if weighted is not None:
            row.update(weighted["topics"].get(topic, {"weighted_pct": 0.0, "weighted_ci_low": 0.0, "weighted_ci_high": 0.0}))
        rows.append(row)
    return {"base_n": base, "rows": rows, "weighting_run": weighting.id if weighting else None,
            "weighting_method": weighting.method if weighting else None,
            "n_effective": weighted["n_effective"] if weighted else None}


def _weighted(session: Session, texts, codes, run_id: int) -> dict[str, Any]:
    joined = (select(texts.c.text_id, ResponseWeight.weight)
              .join(ResponseWeight, and_(ResponseWeight.response_id == texts.c.response_id, ResponseWeight.run_id == run_id))
              .subquery())
    total, squares = session.execute(select(func.sum(joined.c.weight), func.sum(joined.c.weight * joined.c.weight))).one()
    if not total:
        return {"topics": {}, "n_effective": 0.0}
    n_effective = total**2 / squares
    topics = {}
    query = (select(codes.c.topic, func.sum(joined.c.weight)).join(joined, joined.c.text_id == codes.c.free_text_id)
             .group_by(codes.c.topic))
    for topic, weight in session.execute(query):
        share = weight / total
        low, high = weighted_interval(share, n_effective)
        topics[topic] = {"weighted_pct": round(100 * share, 1), "weighted_ci_low": low, "weighted_ci_high": high}
    return {"topics": topics, "n_effective": round(n_effective, 1)}


def prevalence_by(session: Session, filt: ResponseFilter, column: str, labels: Mapping[str, str]) -> dict[str, Any]:
    """Unweighted topic shares within each group of ``column`` (``source`` or a demographic)."""
    texts, codes = _coded_texts(filt)
    group = Source.name if column == "source" else getattr(Response, column)
    keyed = (select(texts.c.text_id, group.label("grp")).join(Response, Response.id == texts.c.response_id)
             .join(Source, Response.source_id == Source.id).subquery())
    bases = dict(session.execute(select(keyed.c.grp, func.count()).group_by(keyed.c.grp)).all())
    cells: dict[str, dict[Any, int]] = {}
    query = (select(codes.c.topic, keyed.c.grp, func.count()).join(keyed, keyed.c.text_id == codes.c.free_text_id)
             .group_by(codes.c.topic, keyed.c.grp))
    for topic, grp, n in session.execute(query):
        cells.setdefault(topic, {})[grp] = n
    groups = sorted((g for g in bases if g is not None), key=str)
    rows = []
    for topic in sorted(cells, key=lambda t: -sum(cells[t].values())):
        rows.append({"topic": topic, "label": labels.get(topic, topic),
                     "cells": [{"n": cells[topic].get(g, 0), "base_n": bases[g],
                                "pct": round(100 * cells[topic].get(g, 0) / bases[g], 1)} for g in groups]})
    return {"groups": groups, "bases": [bases[g] for g in groups], "rows": rows}


def quotes(session: Session, filt: ResponseFilter, topic: str | None, limit: int = 6) -> list[dict[str, Any]]:
    """Redacted free texts (never originals) for a topic, skipping any with a safeguarding flag."""
    codes = effective_codes()
    query = (select(FreeText.id, FreeText.redacted, Source.name, Response.submitted_at)
             .join(Response, FreeText.response_id == Response.id).join(Source, Response.source_id == Source.id)
             .where(FreeText.redacted.is_not(None), FreeText.redacted != "",
                    ~exists().where(SafeguardingFlag.free_text_id == FreeText.id)))
    if topic:
        query = query.where(exists().where(codes.c.free_text_id == FreeText.id, codes.c.topic == topic))
    query = apply_filter(query, filt).order_by(Response.submitted_at.desc(), FreeText.id.desc()).limit(limit)
    return [{"id": text_id, "text": text, "source": source, "submitted_at": at} for text_id, text, source, at in session.execute(query)]


def themes(session: Session, source: str | None = None) -> dict[str, Any]:
    """The newest themes run: label, key terms and size of each emerging theme (no texts)."""
    run = latest_run(session, "themes", source) or (latest_run(session, "themes") if source else None)
    if run is None:
        return {"run": None, "themes": []}
    items = run.result.get("themes", []) if isinstance(run.result, dict) else []
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        terms = item.get("terms") or item.get("top_terms") or item.get("keywords") or []
        out.append({"label": str(item.get("label") or item.get("name") or ", ".join(map(str, terms[:3]))),
                    "terms": [str(t) for t in terms][:8], "n": item.get("n") or item.get("size") or item.get("n_texts")})
    return {"run": {"id": run.id, "created_at": run.created_at, "source": run.source_key}, "themes": out}
