"""Representativeness and weighting runs: the store's responses against Census 2021.

Run by the pipeline (``voice analyse``, the demo and the scheduler), never by a request. Each
run is an :class:`~service.store.models.AnalysisRun` whose ``result`` is plain JSON that pages,
briefings and exports read as it is.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

import weights
from ingest import NOT_STATED
from service.config import Config, SourceConfig
from service.pipeline.periods import quarter_bounds, quarter_of
from service.store import responses as store
from service.store.db import transaction
from service.store.models import AnalysisRun, ResponseWeight

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class Period:
    """A slice of one source's responses: everything, one wave, or one calendar quarter."""

    label: str
    start: datetime | None = None
    end: datetime | None = None
    wave: str | None = None

    def select(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` inside this period."""
        rows = frame
        if self.wave is not None:
            rows = rows[rows["wave"] == self.wave]
        if self.start is not None:
            rows = rows[(rows["submitted_at"] >= self.start) & (rows["submitted_at"] < self.end)]
        return rows


@lru_cache(maxsize=4)
def _census(borough: str) -> weights.CensusTables:
    return weights.load_census(borough)


def source_margins(config: Config, source: SourceConfig, variables: tuple[str, ...]) -> weights.Margins:
    """Census margins for the population a source speaks for (its ages and age bands)."""
    wanted = [v for v in variables if v != "age_band" or source.mapping.age_bands]
    return weights.build_margins(_census(config.app.borough), variables=wanted,
                                 age_bands=source.mapping.age_bands or None,
                                 min_age=source.min_age, max_age=source.max_age)


def periods_of(frame: pd.DataFrame) -> Iterator[Period]:
    """All responses, each wave, and each quarter with responses."""
    yield Period("all")
    for wave in sorted(w for w in frame["wave"].dropna().unique()):
        yield Period(f"wave {wave}", wave=wave)
    stamps = frame["submitted_at"].dropna()
    for label in sorted({quarter_of(t) for t in stamps}):
        start, end = quarter_bounds(label)
        yield Period(label, start=start, end=end)


def fingerprint(frame: pd.DataFrame) -> str:
    """A short hash of the responses a run read (ids and demographics)."""
    text = frame.drop(columns=["submitted_at"], errors="ignore").to_csv(index=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """JSON-safe copies of numpy and pandas values (NaN becomes None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if value is pd.NA or value is None:
        return None
    return value


def representativeness_result(frame: pd.DataFrame, margins: weights.Margins) -> dict[str, Any]:
    """The representativeness report of ``frame`` as plain JSON."""
    report = weights.compare_to_census(frame, margins)
    return _plain({
        "n_respondents": report.n_respondents,
        "r_indicator": report.r_indicator,
        "propensity_cv": report.propensity_cv,
        "caveats": list(report.caveats),
        "notes": list(report.notes),
        "summary": list(report.summary),
        "dimensions": [{
            "variable": d.variable, "n_stated": d.n_stated, "n_not_stated": d.n_not_stated,
            "chi_square": d.chi_square, "degrees_of_freedom": d.degrees_of_freedom, "p_value": d.p_value,
            "dissimilarity": d.dissimilarity, "summary": list(d.summary),
            "table": d.table.to_dict(orient="records"),
        } for d in report.dimensions],
    })


def reach_by_group(frame: pd.DataFrame, result: dict[str, Any], by: str, min_n: int = 10) -> list[dict[str, Any]]:
    """For each under-represented group, its share of respondents at each site (or ward).

    A group is under-represented when its representation index overall is below 0.8. Sites
    with fewer than ``min_n`` respondents stating the variable are left out (too few to say).
    """
    rows: list[dict[str, Any]] = []
    for dimension in result["dimensions"]:
        variable = dimension["variable"]
        if variable == by:
            continue
        short = [r for r in dimension["table"] if (r["representation_index"] or 0) < 0.8 and r["population_pct"]]
        stated = frame[frame[variable].notna() & (frame[variable] != NOT_STATED) & frame[by].notna()]
        for place, group in stated.groupby(by):
            if len(group) < min_n:
                continue
            for level in short:
                n_group = int((group[variable] == level["level"]).sum())
                pct = 100 * n_group / len(group)
                rows.append({"place": place, "variable": variable, "level": level["level"], "label": level["label"],
                             "n": n_group, "base_n": len(group), "pct": pct, "population_pct": level["population_pct"],
                             "representation_index": pct / level["population_pct"]})
    return _plain(rows)


def _sources_with_responses(session: Session, config: Config,
                            variables: tuple[str, ...]) -> Iterator[tuple[SourceConfig, pd.DataFrame, weights.Margins]]:
    """Each source that has responses (suspected bots left out), with its census margins."""
    for source in config.sources:
        frame = store.responses_frame(session, [source.key])
        frame = frame[~frame["is_suspected_bot"]]
        if not frame.empty:
            yield source, frame, source_margins(config, source, variables)


def run_representativeness(factory: sessionmaker[Session], config: Config, variables: tuple[str, ...]) -> list[int]:
    """Store one representativeness run per source and period; return the run ids."""
    ids: list[int] = []
    with transaction(factory) as session:
        for source, frame, margins in _sources_with_responses(session, config, variables):
            for period in periods_of(frame):
                ids.append(_store_representativeness(session, source, period, period.select(frame), margins))
    return ids


def _store_representativeness(session: Session, source: SourceConfig, period: Period, rows: pd.DataFrame,
                              margins: weights.Margins) -> int:
    result = representativeness_result(rows, margins)
    if rows["site"].notna().any():
        result["by_site"] = reach_by_group(rows, result, "site")
    result["by_ward"] = reach_by_group(rows, result, "ward")
    run = AnalysisRun(kind="representativeness", source_key=source.key, period_start=period.start, period_end=period.end,
                      method="compare_to_census", parameters={"period": period.label, "wave": period.wave,
                                                              "variables": list(margins.variables)},
                      result=result, fingerprint=fingerprint(rows))
    session.add(run)
    session.flush()
    return run.id


def weighting_periods(source: SourceConfig, frame: pd.DataFrame) -> list[Period]:
    """What each source is weighted by: survey waves where it has them, calendar quarters otherwise."""
    found = [p for p in periods_of(frame) if p.label != "all"]
    waves = [p for p in found if p.wave is not None]
    return waves or [p for p in found if p.wave is None]


def run_weighting(factory: sessionmaker[Session], config: Config, variables: tuple[str, ...], cap: float) -> list[int]:
    """Rake each source's waves (or quarters) to its census margins and store the weights.

    Respondents missing a variable keep a weight from the margins they have
    (``missing="margin"``). With ``cap`` > 0 weights above ``cap`` times the mean are trimmed
    and the excess shared among the others (R's ``trimWeights``); the count is reported. A
    period that cannot be raked (a group with residents but no respondents) is stored as a
    failed run whose ``result["error"]`` names the group, so pages can say why.
    """
    ids: list[int] = []
    with transaction(factory) as session:
        for source, frame, margins in _sources_with_responses(session, config, variables):
            usable = tuple(v for v in margins.variables if frame[v].notna().any())
            for period in weighting_periods(source, frame):
                rows = period.select(frame).set_index("id")
                ids.append(_store_weighting(session, source, period, rows, margins.select(usable), cap))
    return ids


def _store_weighting(session: Session, source: SourceConfig, period: Period, rows: pd.DataFrame,
                     margins: weights.Margins, cap: float) -> int:
    parameters = {"period": period.label, "wave": period.wave, "variables": list(margins.variables),
                  "missing": "margin", "cap": cap}
    run = AnalysisRun(kind="weighting", source_key=source.key, period_start=period.start, period_end=period.end,
                      method="rake", parameters=parameters, fingerprint=fingerprint(rows.reset_index()))
    try:
        raked = weights.rake(rows, margins, missing="margin")
    except weights.WeightingError as error:
        run.status, run.result = "failed", {"error": str(error), "n_respondents": len(rows)}
        session.add(run)
        session.flush()
        logger.warning("weighting %s %s failed: %s", source.key, period.label, error)
        return run.id
    final, n_trimmed = raked.weights, 0
    if cap > 0:
        trimmed = weights.trim_weights(raked.weights, upper=cap * float(raked.weights.mean()))
        final, n_trimmed = trimmed.weights, trimmed.n_trimmed
    diagnostics = weights.describe_weights(final)
    run.result = _plain({
        "converged": raked.converged, "n_iter": raked.n_iter, "max_gap": raked.max_gap,
        "n_respondents": raked.n_respondents, "n_used": raked.n_used, "n_missing": raked.n_missing,
        "n_trimmed": n_trimmed, "design_effect": diagnostics.design_effect, "effective_n": diagnostics.effective_n,
        "min": diagnostics.min, "max": diagnostics.max, "cv": diagnostics.cv, "max_ratio": diagnostics.max_ratio,
        "margins_achieved": raked.margins_achieved.to_dict(orient="records"), "notes": list(raked.notes),
    })
    session.add(run)
    session.flush()
    values = [{"run_id": run.id, "response_id": int(i), "weight": float(w)} for i, w in final.items() if not math.isnan(w)]
    if values:
        session.execute(insert(ResponseWeight), values)
    return run.id


def run_analyses(factory: sessionmaker[Session], config: Config, *, evaluate: bool = False,
                 echo: Callable[[str], None] | None = None) -> dict[str, object]:
    """Run every analysis on the stored responses: text first (redaction, flags, topics,
    themes), then representativeness and weights. Returns the run ids by kind."""
    from service.pipeline import text_runs as text_analysis

    say = echo or logger.info
    runs: dict[str, object] = {}
    say("Redacting, flagging and coding free text ...")
    runs["topics"] = text_analysis.run_topics(factory, config)
    runs["themes"] = text_analysis.run_themes(factory, config)
    if evaluate:
        say("Scoring the topic model on the held-out test set ...")
        runs["evaluation"] = text_analysis.run_evaluation(factory, config)
    say("Comparing respondents with Census 2021 ...")
    runs["representativeness"] = run_representativeness(factory, config, config.analysis.compare_variables)
    say("Weighting ...")
    runs["weighting"] = run_weighting(factory, config, config.analysis.weight_variables, config.analysis.weight_cap)
    return runs


