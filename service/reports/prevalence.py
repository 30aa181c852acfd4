"""What people tell us: topic prevalence (unweighted and weighted, with 95% intervals), group
comparisons, themes and redacted quotes, read from the topics, weighting and themes runs.

A free text's topics are the reviewer's when a reviewer has confirmed or corrected them, and the
model's otherwise. Prevalence is the share of coded free texts carrying a topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import and_, exists, func, null, or_, select
from sqlalchemy.orm import Session, aliased

from nlp import theme_label, theme_terms
from service.pipeline.periods import quarter_of
from service.reports import estimates
from service.reports.cache import remember
from service.reports.dashboard import ResponseFilter, apply_filter
from service.reports.masking import is_redaction_uncertain
from service.store import weight_runs
from service.store.models import (
    AnalysisRun,
    FreeText,
    Response,
    ResponseWeight,
    SafeguardingFlag,
    Source,
    TextReview,
    TopicCode,
    Wave,
)


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


def respondent_weights(session: Session, filt: ResponseFilter) -> dict[str, Any]:
    """Each coded free text of the filter with the weight of its response from the run of the
    response's own period (wave or quarter), when one source is chosen.

    A filter spanning several periods is weighted from the union of their respondents, each with
    their own run's weights; if any period has no finished run nothing is weighted and ``reason``
    says which. Returns ``texts`` (free text ids), ``weights`` (aligned, NaN where none), ``runs``
    (period label to run id), ``reason`` (why unweighted, or None).
    """

    empty = {"texts": [], "weights": np.array([]), "runs": {}, "reason": "weighted figures need one channel chosen",
             "population": None}
    if not filt.source:
        return empty
    runs = weight_runs.finished_runs(session, filt.source)
    query = apply_filter(select(FreeText.id, Response.id, Wave.key, Response.submitted_at).select_from(Response)
                         .join(FreeText, FreeText.response_id == Response.id + 0).outerjoin(Wave, Wave.id == Response.wave_id)
                         .where(_is_coded()), filt).order_by(FreeText.id)
    rows = session.execute(query).all()
    keys = [weight_runs.response_run(runs, filt.source, wave, quarter_of(at) if at else None) for _t, _r, wave, at in rows]
    missing = sorted({f"wave {w}" if w else (quarter_of(at) if at else "undated") for (_t, _r, w, at), k in zip(rows, keys) if k is None})
    used = {runs[k].parameters["period"]: runs[k].id for k in set(keys) if k is not None}
    values: dict[tuple[int, int], float] = {}
    for run_id in sorted(used.values()):
        for rid, weight in session.execute(select(ResponseWeight.response_id, ResponseWeight.weight).where(ResponseWeight.run_id == run_id)):
            values[(run_id, rid)] = weight
    w = np.array([values.get((runs[k].id, rid), np.nan) if k is not None else np.nan for (_t, rid, _w, _a), k in zip(rows, keys)])
    reason = None
    if missing:
        reason = weight_runs.reasons_text(filt.source, missing, weight_runs.unweighted_reasons(session, filt.source))
    elif np.isnan(w).any():
        reason = f"{int(np.isnan(w).sum())} respondents were left out of their period's weighting run"
    elif not rows:
        reason = "no coded free text in this selection"
    populations = sorted({str(runs[k].parameters.get("population_text")) for k in set(keys)
                          if k is not None and runs[k].parameters.get("population_text")})
    methods = {runs[k].parameters["period"]: str((runs[k].result or {}).get("methods"))
               for k in set(keys) if k is not None and (runs[k].result or {}).get("methods")}
    return {"texts": [t for t, _r, _w, _a in rows], "weights": w, "runs": used, "reason": reason,
            "population": "; ".join(populations) or None, "methods": methods}


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


def topic_prevalence(session: Session, filt: ResponseFilter, labels: Mapping[str, str], by: str = "source",
                     min_reviews: int = 30) -> dict[str, Any]:
    """Share of coded free texts per topic, unweighted with Wilson intervals, and weighted when one
    source is chosen and every period of the selection has a weighting run
    (:func:`respondent_weights`); both from :func:`service.reports.estimates.share`.

    Percentages are rounded to one decimal place. ``weighting_reason`` says why a selection is
    shown unweighted; ``weighting_runs`` maps each period to the run whose weights were used.
    """
    counts = _counts(session, filt, by, None)
    base = sum(n for n, _total, _squares in counts["texts"].values())
    topics: dict[str, int] = {}
    for (topic, _grp), (n, _w) in counts["codes"].items():
        topics[topic] = topics.get(topic, 0) + n
    weighting_info = remember(session, "respondent_weights", (filt,), lambda: respondent_weights(session, filt), scope="codes")
    weighted = weighting_info["reason"] is None
    indicators = _indicators(session, filt, weighting_info["texts"]) if weighted else {}
    rows = []
    for topic, n in sorted(topics.items(), key=lambda item: -item[1]):
        if weighted:
            est = estimates.share(indicators.get(topic, np.zeros(len(weighting_info["texts"]))), weighting_info["weights"])
        else:
            est = estimates.share(np.r_[np.ones(n), np.zeros(base - n)])
        row = {"topic": topic, "label": labels.get(topic, topic), "n": n, "base_n": base,
               "pct": round(est.pct, 1), "ci_low": round(est.ci_low, 1), "ci_high": round(est.ci_high, 1)}
        if weighted:
            row.update({"weighted_pct": round(est.weighted_pct, 1), "weighted_ci_low": round(est.weighted_ci_low, 1),
                        "weighted_ci_high": round(est.weighted_ci_high, 1), "effective_n": round(est.effective_n, 1)})
        rows.append(row)
    _add_ppi(session, filt, rows, weighting_info if weighted else None, min_reviews)
    runs = weighting_info["runs"] if weighted else {}
    return {"base_n": base, "rows": rows, "weighted": weighted, "weighting_run": next(iter(runs.values())) if len(runs) == 1 else None,
            "weighting_runs": runs, "weighting_method": "calibrate" if runs else None, "weighting_note": _note(runs, weighting_info.get("methods") or {}), "weighting_reason": weighting_info["reason"],
            "weighting_population": weighting_info.get("population") if weighted else None,
            "n_effective": _kish(weighting_info["weights"]) if weighted else None}


def _add_ppi(session: Session, filt: ResponseFilter, rows: list[dict[str, Any]], weighting: dict[str, Any] | None,
             min_reviews: int) -> None:
    """Each row's share corrected for coding errors (:mod:`service.reports.topic_ppi`), one decimal place."""
    from service.reports.topic_ppi import topic_shares

    if weighting is not None:
        texts, w = weighting["texts"], weighting["weights"]
    else:
        query = apply_filter(select(FreeText.id).select_from(Response).join(FreeText, FreeText.response_id == Response.id + 0)
                             .where(_is_coded()), filt).order_by(FreeText.id)
        texts, w = list(session.scalars(query)), None
    found = topic_shares(session, texts, w, min_reviews)
    for row in rows:
        est = found.get(row["topic"])
        if est is not None:
            row.update({"ppi_pct": round(est.pct, 1), "ppi_ci_low": round(est.ci_low, 1), "ppi_ci_high": round(est.ci_high, 1),
                        "ppi_corrected": est.is_corrected, "ppi_reviews": est.n_reviewed, "ppi_label": est.label})


def _note(runs: Mapping[str, int], methods: Mapping[str, str]) -> str | None:
    """How the weighted figures were made, in words, with each run's methods sentence (what it was
    weighted to, which thin categories were combined and which variables left out)."""
    if not runs:
        return None
    said = " ".join(f"{period}: {methods[period]}." for period in sorted(runs) if period in methods)
    if len(runs) == 1:
        (period, run_id), = runs.items()
        return f"Weighted with the weights of run {run_id} for {period}." + (f" {said}" if said else "")
    listed = ", ".join(f"{period} (run {run_id})" for period, run_id in sorted(runs.items()))
    return (f"Weighted over the union of {len(runs)} periods' respondents, each with their own run's weights: {listed}."
            + (f" {said}" if said else ""))


def _indicators(session: Session, filt: ResponseFilter, texts: list[int]) -> dict[str, np.ndarray]:
    """0/1 per topic aligned to ``texts`` (the filter's coded free texts), from the effective codes."""
    position = {t: i for i, t in enumerate(texts)}
    query = apply_filter(select(TopicCode.free_text_id, TopicCode.topic).select_from(Response)
                         .join(FreeText, FreeText.response_id == Response.id + 0)
                         .join(TopicCode, TopicCode.free_text_id == FreeText.id + 0).where(_is_effective()), filt)
    out: dict[str, np.ndarray] = {}
    for text_id, topic in session.execute(query):
        out.setdefault(topic, np.zeros(len(texts)))[position[text_id]] = 1.0
    return out


def _kish(w: np.ndarray) -> float:
    return round(float(w.sum() ** 2 / (w ** 2).sum()), 1) if len(w) else 0.0


def prevalence_by(session: Session, filt: ResponseFilter, column: str, labels: Mapping[str, str]) -> dict[str, Any]:
    """Unweighted topic shares within each group of ``column`` (``source`` or a demographic)."""
    counts = _group_names(session, column, _counts(session, filt, column, None))  # the cached counts of topic_prevalence(..., by=column)
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
                    FreeText.is_model_screen_pending.is_(False),  # not yet read by the detector: may be flagged
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
    shown = [i for theme in out for i, _ in theme["exemplars"]]
    flagged = set(session.scalars(select(SafeguardingFlag.free_text_id).where(SafeguardingFlag.free_text_id.in_(shown))))
    # ... nor one the disclosure detector has not read yet (stored in bulk).
    flagged.update(session.scalars(select(FreeText.id).where(FreeText.id.in_(shown), FreeText.is_model_screen_pending.is_(True))))
    for theme in out:
        theme["example"] = next((text for i, text in theme.pop("exemplars") if i not in flagged), None)
    return {"run": {"id": run.id, "created_at": run.created_at, "source": run.source_key}, "themes": out}
