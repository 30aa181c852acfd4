"""Read the store for briefings and the SNA export: one frame, and the shares both are built from.

The briefing, the SNA workbook, its CSVs and its narrative all call these functions, so the same
figure is the same number everywhere. Nothing here fits a model: weights come from the stored
weighting runs and topics from the stored topic codes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

import weights
from ingest import NOT_STATED
from service.pipeline.periods import quarter_of
from service.reports import estimates
from service.reports.prevalence import effective_codes
from service.store import reads as response_reads
from service.store import weight_runs
from service.store.models import (
    AnalysisRun,
    Answer,
    FreeText,
    Question,
    Response,
    ResponseWeight,
    SafeguardingFlag,
    Source,
)


@dataclass(frozen=True)
class Snapshot:
    """The data a report read: its rows, and what identifies them (for methods box and archive)."""

    frame: pd.DataFrame
    weighting_runs: dict[str, dict[str, Any]]
    topics_run: dict[str, Any] | None
    snapshot_at: datetime | None
    fingerprint: str
    # Issue 20.8: "source|period" of each period read without weights, and why.
    unweighted: dict[str, str] = field(default_factory=dict)


def load_snapshot(session: Session, sources: Sequence[str] | None = None, start: datetime | None = None,
                  end: datetime | None = None, waves: dict[str, str] | None = None) -> Snapshot:
    """Responses (no suspected bots) with answers, weights, redacted free text and topics.

    ``waves`` maps a source key to the wave to keep for it (``{"css": "2023"}``); responses of
    other sources are kept by ``start``/``end``. Columns: those of
    :func:`service.store.reads.responses_frame`, one per question key, ``weight``, ``weight_run``,
    ``text`` (redacted), ``topics`` (list), ``is_flagged``, ``is_uncertain`` (the redactor was unsure), ``is_model_pending`` (the
    disclosure detector has not read it yet), ``quarter``.
    """
    frame = response_reads.responses_frame(session, sources)
    frame = frame[~frame["is_suspected_bot"].astype(bool)]
    keep = pd.Series(False, index=frame.index)
    for key, rows in frame.groupby("source"):
        if waves and key in waves:
            keep[rows.index] = rows["wave"] == waves[key]
        else:
            stamps = pd.to_datetime(rows["submitted_at"], utc=True)
            inside = stamps.notna() if (start is not None or end is not None) else pd.Series(True, index=rows.index)
            if start is not None:
                inside &= stamps >= pd.Timestamp(start).tz_convert("UTC")
            if end is not None:
                inside &= stamps < pd.Timestamp(end).tz_convert("UTC")
            keep[rows.index] = inside
    frame = frame[keep].reset_index(drop=True)
    frame["quarter"] = [quarter_of(t) if pd.notna(t) else None for t in frame["submitted_at"]]
    ids = [int(i) for i in frame["id"]]
    frame = _with_answers(session, frame, ids)
    runs = _weighting_runs(session, frame)
    frame = _with_weights(session, frame, runs)
    frame = _with_texts(session, frame, ids)
    topics = session.scalar(select(AnalysisRun).where(AnalysisRun.kind == "topics", AnalysisRun.status == "finished")
                            .order_by(AnalysisRun.id.desc()).limit(1))
    topics_run = None if topics is None else {"id": topics.id, "codeframe_version": topics.codeframe_version,
                                              "model_version": topics.model_version}
    hashes, snapshot_at = _hashes(session, ids)
    digest = hashlib.sha256("|".join(hashes).encode())
    digest.update(repr(sorted((k, v["id"]) for k, v in runs.items())).encode())
    digest.update(repr(topics_run).encode())
    digest.update(frame[["id", "topics", "is_flagged", "is_model_pending"]].to_csv(index=False).encode())
    return Snapshot(frame, runs, topics_run, snapshot_at, digest.hexdigest(), _unweighted(session, frame, runs))


def _hashes(session: Session, ids: list[int]) -> tuple[list[str], datetime | None]:
    hashes: list[str] = []
    latest: datetime | None = None
    for chunk in _chunks(ids):
        for rid, digest, updated in session.execute(select(Response.id, Response.content_hash, Response.updated_at)
                                                    .where(Response.id.in_(chunk)).order_by(Response.id)):
            hashes.append(f"{rid}:{digest}")
            latest = updated if latest is None or updated > latest else latest
    return hashes, latest


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)] or [[]]


def _with_answers(session: Session, frame: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
    rows: list[tuple[int, str, Any]] = []
    for chunk in _chunks(ids):
        query = (select(Answer.response_id, Question.key, Answer.value_text, Answer.value_number, Answer.value_list)
                 .join(Question, Answer.question_id == Question.id).where(Answer.response_id.in_(chunk)))
        for rid, key, text, number, items in session.execute(query):
            value = text if text is not None else number if number is not None else items
            rows.append((rid, key, value))
    if not rows:
        return frame
    long = pd.DataFrame(rows, columns=["id", "question", "value"])
    wide = long.pivot(index="id", columns="question", values="value")
    wide.columns = [str(c) for c in wide.columns]
    return frame.merge(wide, left_on="id", right_index=True, how="left")


def _weighting_runs(session: Session, frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The run weighting each (source, period) the frame covers (:func:`weight_runs.finished_runs`)."""
    found: dict[str, dict[str, Any]] = {}
    runs = weight_runs.finished_runs(session)
    for source, wave, quarter in set(zip(frame["source"], frame["wave"], frame["quarter"])):
        key = weight_runs.response_run(runs, source, wave, quarter)
        if key is None or key in found:
            continue
        run = runs[key]
        found[key] = {
            "id": run.id, "source": run.source_key, "period": (run.parameters or {}).get("period"), "method": run.method,
            "variables": list((run.result.get("collapse") or {}).get("variables")
                              or (run.parameters or {}).get("variables", [])), "cap": (run.parameters or {}).get("cap"),
            "design_effect": run.result.get("design_effect"), "effective_n": run.result.get("effective_n"),
            "converged": run.result.get("converged"), "created_at": run.created_at,
            "population_text": (run.parameters or {}).get("population_text"), "methods": run.result.get("methods")}
    return found


def _unweighted(session: Session, frame: pd.DataFrame, runs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each (source, period) of the frame no run weights, with the stored reason (or "no weighting run")."""
    reasons = weight_runs.unweighted_reasons(session)
    out: dict[str, str] = {}
    for source, wave, quarter in set(zip(frame["source"], frame["wave"], frame["quarter"])):
        if weight_runs.response_run(runs, source, wave, quarter) is None:
            key = f"{source}|wave {wave}" if isinstance(wave, str) else f"{source}|{quarter}"
            out[key] = reasons.get(key, "not weighted: no weighting run.")
    return dict(sorted(out.items()))


def _with_weights(session: Session, frame: pd.DataFrame, runs: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frame = frame.copy()
    keys = [weight_runs.response_run(runs, s, w, q) for s, w, q in zip(frame["source"], frame["wave"], frame["quarter"])]
    frame["weight_run"] = [runs[k]["id"] if k is not None else None for k in keys]
    run_ids = sorted({r["id"] for r in runs.values()})
    values: dict[tuple[int, int], float] = {}
    if run_ids:
        for run_id, rid, weight in session.execute(select(ResponseWeight.run_id, ResponseWeight.response_id, ResponseWeight.weight)
                                                   .where(ResponseWeight.run_id.in_(run_ids))):
            values[(run_id, rid)] = weight
    frame["weight"] = [values.get((int(r), int(i)), np.nan) if r is not None and not pd.isna(r) else np.nan
                       for r, i in zip(frame["weight_run"], frame["id"])]
    return frame


def _with_texts(session: Session, frame: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
    codes = effective_codes()
    texts: dict[int, tuple[int, str | None, bool, bool, bool]] = {}
    topics: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        flagged = exists().where(SafeguardingFlag.free_text_id == FreeText.id)
        query = select(FreeText.id, FreeText.response_id, FreeText.redacted, flagged, FreeText.is_redaction_uncertain,
                       FreeText.is_model_screen_pending).where(FreeText.response_id.in_(chunk))
        for text_id, rid, redacted, is_flagged, uncertain, pending in session.execute(query.order_by(FreeText.id)):
            texts.setdefault(rid, (text_id, redacted, bool(is_flagged), bool(uncertain), bool(pending)))
        query = (select(FreeText.response_id, codes.c.topic).join(codes, codes.c.free_text_id == FreeText.id)
                 .where(FreeText.response_id.in_(chunk)).order_by(codes.c.topic))
        for rid, topic in session.execute(query):
            topics.setdefault(rid, []).append(topic)
    frame = frame.copy()
    none = (None, None, False, False, False)
    frame["text"] = [texts.get(i, none)[1] for i in frame["id"]]
    frame["is_flagged"] = [texts.get(i, none)[2] for i in frame["id"]]
    frame["is_uncertain"] = [texts.get(i, none)[3] for i in frame["id"]]
    # Not yet read by the trained disclosure detector (stored in bulk): may still be flagged, so never quoted.
    frame["is_model_pending"] = [texts.get(i, none)[4] for i in frame["id"]]
    frame["topics"] = [topics.get(i) for i in frame["id"]]
    return frame


def is_young(frame: pd.DataFrame, max_age: int) -> pd.Series:
    """True for respondents aged ``max_age`` or under (by age, or by an age band that ends by then)."""
    def young(age: Any, band: Any) -> bool | None:
        if age is not None and not pd.isna(age):
            return int(age) <= max_age
        if not band or band == NOT_STATED:
            return None
        low, high = weights.parse_age_band(band)
        return None if high is None and low <= max_age else (high is not None and high <= max_age)
    return pd.Series([young(a, b) for a, b in zip(frame["age"], frame["age_band"])], index=frame.index, dtype=object)


def shares(frame: pd.DataFrame, column: str, group: str, categories: Sequence[str] | None = None,
           weighted: bool = True) -> pd.DataFrame:
    """Share of respondents giving each answer to ``column`` (one value or a list), per ``group``.

    Only respondents who answered count in the base. Every share comes from
    :func:`service.reports.estimates.share` (the estimator of the dashboard and API too): Wilson
    intervals unweighted; weighted shares with their 95% interval only when every respondent of
    the group has a weight from the run of their own period, missing otherwise. Columns:
    ``group``, ``category``, ``n``, ``base_n``, ``pct``, ``ci_low``, ``ci_high``, ``weighted_pct``,
    ``weighted_ci_low``, ``weighted_ci_high``, ``effective_n``.
    """
    answered = frame.loc[frame[column].map(_is_answered).astype(bool)] if column in frame else frame.iloc[0:0]
    rows: list[dict[str, Any]] = []
    for name, part in answered.groupby(group, sort=True):
        values = part[column].map(_as_list)
        cats = list(categories) if categories is not None else sorted({v for row in values for v in row})
        w = part["weight"].to_numpy(dtype=float) if weighted and len(part) > 1 else None
        for category in cats:
            y = np.array([category in row for row in values], dtype=float)
            est = estimates.share(y, w)
            rows.append({"group": name, "category": category, "n": est.n, "base_n": est.base_n, "pct": est.pct,
                         "ci_low": est.ci_low, "ci_high": est.ci_high, "weighted_pct": est.weighted_pct,
                         "weighted_ci_low": est.weighted_ci_low, "weighted_ci_high": est.weighted_ci_high,
                         "effective_n": est.effective_n if est.is_weighted else np.nan})
    columns = ["group", "category", "n", "base_n", "pct", "ci_low", "ci_high", "weighted_pct", "weighted_ci_low",
               "weighted_ci_high", "effective_n"]
    return pd.DataFrame(rows, columns=columns)


def _is_answered(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value != ""


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [str(value)]


def stated_share(frame: pd.DataFrame, column: str, levels: Sequence[str]) -> tuple[int, int]:
    """How many of those who stated ``column`` are in ``levels``: ``(n, base)``."""
    stated = frame[column].notna() & (frame[column] != NOT_STATED)
    return int(frame.loc[stated, column].isin(list(levels)).sum()), int(stated.sum())


def population_shares(session: Session, source: str, youth: bool = False) -> dict[str, dict[str, float]]:
    """Census 2021 share (percent) of each level of each variable, for the ages ``source`` speaks for
    (with ``youth``, only its young ones, e.g. the survey's residents aged 16-24).

    Read from the newest representativeness run of the source (the census side of it does not
    depend on the period).
    """
    run = session.scalar(select(AnalysisRun).where(AnalysisRun.kind == "representativeness", AnalysisRun.source_key == source)
                         .order_by(AnalysisRun.id.desc()).limit(1))
    if youth:
        return dict(((run.result or {}).get("youth") or {}).get("shares") or {}) if run else {}
    out: dict[str, dict[str, float]] = {}
    for dimension in (run.result.get("dimensions", []) if run else []):
        out[dimension["variable"]] = {r["level"]: r["population_pct"] for r in dimension["table"] if r["population_pct"] is not None}
    return out


def population_texts(session: Session, youth: bool = False) -> dict[str, dict[str, Any]]:
    """Each source's target population as its newest representativeness run stored it (issue 20.7):
    ``text`` ("Havering residents aged 11 to 18, Census 2021"), ``target``, ``notes`` (margins for all ages);
    with ``youth`` its young residents' (``text``, ``target``, ``coverage``)."""
    out: dict[str, dict[str, Any]] = {}
    key = "youth" if youth else "population"
    for source, result in session.execute(select(AnalysisRun.source_key, AnalysisRun.result)
                                          .where(AnalysisRun.kind == "representativeness").order_by(AnalysisRun.id)):
        if source and (result or {}).get(key):
            out[source] = result[key]
    return out


def question_wordings(session: Session) -> dict[tuple[str, str], tuple[str, str, list[Any]]]:
    """(source key, question key) to (wording, type, options)."""
    query = select(Source.key, Question.key, Question.wording, Question.type, Question.options).join(Source, Question.source_id == Source.id)
    return {(s, q): (w, t, list(o or [])) for s, q, w, t, o in session.execute(query)}


def source_names(session: Session) -> dict[str, str]:
    """Source key to name."""
    return dict(session.execute(select(Source.key, Source.name)).all())


def count_responses(session: Session, source: str, wave: str | None = None) -> int:
    """Stored responses of a source (one wave), bots excluded: an independent check for tests and pages."""
    query = select(func.count(Response.id)).join(Source, Response.source_id == Source.id).where(
        Source.key == source, Response.is_suspected_bot.is_(False), Response.consent.is_not(False))
    if wave is not None:
        from service.store.models import Wave

        query = query.join(Wave, Response.wave_id == Wave.id).where(Wave.key == wave)
    return int(session.scalar(query) or 0)
