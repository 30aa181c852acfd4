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
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

import weights
from ingest import NOT_STATED
from ingest.codes import ETHNIC_GROUPS, ETHNICITIES
from service.config import BOROUGH_NAMES, Config, SourceConfig
from service.pipeline.periods import quarter_bounds, quarter_of
from service.store import reads as response_reads
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


@dataclass(frozen=True)
class Population:
    """The residents a source speaks for (issue 20.7): their census margins and what pages print.

    ``bands`` are the source's age bands inside the target ages; ``notes`` say which margins are
    for residents of all ages (the census has no ethnic group or ward table by age).
    """

    margins: weights.Margins
    target: str
    text: str
    bands: tuple[str, ...]
    coverage: dict[str, str]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """What a stored run keeps of it, for pages, the API and documents."""
        return {"target": self.target, "text": self.text, "bands": list(self.bands), "coverage": dict(self.coverage),
                "notes": list(self.notes)}


def target_bands(source: SourceConfig) -> tuple[str, ...]:
    """The source's age bands inside its target ages; a band that straddles the edge is an error."""
    low, high = source.min_age, source.max_age
    inside = []
    for band in source.mapping.age_bands:
        start, end = weights.parse_age_band(band)
        if start >= low and (high is None or (end is not None and end <= high)):
            inside.append(band)
        elif (high is None or start <= high) and (end is None or end >= low):
            raise ValueError(f"[sources.{source.key}] age band {band!r} lies partly outside the target population "
                             f"(ages {source.population}): set min_age/max_age on a band edge")
    return tuple(inside)


def source_population(config: Config, source: SourceConfig, variables: tuple[str, ...]) -> Population:
    """Census margins for residents of the source's target ages, from the shipped single-year tables."""
    bands = target_bands(source)
    wanted = [v for v in variables if v != "age_band" or bands]
    built = weights.build_target_margins(_census(config.app.borough), source.population, wanted,
                                         age_bands=bands or None)
    return Population(built.margins, source.population, source.population_text(config.app.borough), bands,
                      dict(built.coverage), built.notes)


def source_margins(config: Config, source: SourceConfig, variables: tuple[str, ...]) -> weights.Margins:
    """Census margins for the population a source speaks for (its target ages and age bands)."""
    return source_population(config, source, variables).margins


def in_population(frame: pd.DataFrame, population: Population) -> pd.Series:
    """True for respondents inside the target ages, or who did not say their age (they may be)."""
    bands = set(population.bands)
    low, high = weights.parse_age_band(population.target)

    def inside(band: Any, age: Any) -> bool:
        if isinstance(band, str) and band != NOT_STATED:
            return band in bands if bands else True
        if age is not None and not pd.isna(age):
            return int(age) >= low and (high is None or int(age) <= high)
        return True
    return pd.Series([inside(b, a) for b, a in zip(frame["age_band"], frame["age"])], index=frame.index, dtype=bool)


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
                            variables: tuple[str, ...]) -> Iterator[tuple[SourceConfig, pd.DataFrame, Population]]:
    """Each source that has responses (suspected bots left out), with its target population."""
    for source in config.sources:
        frame = response_reads.responses_frame(session, [source.key])
        frame = frame[~frame["is_suspected_bot"]]
        if not frame.empty:
            yield source, frame, source_population(config, source, variables)


def run_representativeness(factory: sessionmaker[Session], config: Config, variables: tuple[str, ...]) -> list[int]:
    """Store one representativeness run per source and period; return the run ids."""
    ids: list[int] = []
    with transaction(factory) as session:
        for source, frame, population in _sources_with_responses(session, config, variables):
            youth = youth_shares(config, source, variables)
            for period in periods_of(frame):
                ids.append(_store_representativeness(session, source, period, period.select(frame), population, youth))
    return ids


def youth_shares(config: Config, source: SourceConfig, variables: tuple[str, ...]) -> dict[str, Any] | None:
    """Census shares (percent) for the young people a source speaks for: residents of its target ages up to
    ``[reports] youth_max_age`` (the survey's 16-24, the youth survey's 11-18), for the youth briefing.

    Age is left out when a source band straddles the youth edge; None when no target age is young."""
    high = config.reports.youth_max_age if source.max_age is None else min(source.max_age, config.reports.youth_max_age)
    if source.min_age > high:
        return None
    target = f"{source.min_age}-{high}"
    bands = tuple(b for b in target_bands(source) if (weights.parse_age_band(b)[1] or high + 1) <= high)
    covered = bands and weights.parse_age_band(bands[-1])[1] == high
    wanted = [v for v in variables if v != "age_band" or covered]
    built = weights.build_target_margins(_census(config.app.borough), target, wanted,
                                         age_bands=bands if covered else None)
    shares = {v: (100 * built.margins.population(v) / built.margins.control_total).to_dict()
              for v in built.margins.variables if v != "age_band" or covered}
    ages = f"{source.min_age} to {high}"
    return _plain({"target": target, "shares": shares, "coverage": dict(built.coverage),
                   "text": f"{BOROUGH_NAMES.get(config.app.borough, config.app.borough)} residents aged {ages}, Census 2021"})


def _outside(rows: pd.DataFrame, inside: pd.Series, population: Population) -> dict[str, Any]:
    """How many respondents are outside the target ages, with the sentence pages print."""
    n = int((~inside).sum())
    note = (f"{n:,} of {len(rows):,} respondents are outside the target population ({population.text}) and are "
            "left out of this comparison and of the weights." if n else "")
    return {"n_outside": n, "outside_note": note}


def _store_representativeness(session: Session, source: SourceConfig, period: Period, rows: pd.DataFrame,
                              population: Population, youth: dict[str, Any] | None = None) -> int:
    inside = in_population(rows, population)
    kept = rows[inside]
    result = representativeness_result(kept, population.margins)
    if youth is not None:
        result["youth"] = youth
    result["population"] = {**population.as_json(), **_outside(rows, inside, population),
                            "residents": source.residents}
    if kept["site"].notna().any():
        result["by_site"] = reach_by_group(kept, result, "site")
    result["by_ward"] = reach_by_group(kept, result, "ward")
    run = AnalysisRun(kind="representativeness", source_key=source.key, period_start=period.start, period_end=period.end,
                      method="compare_to_census", parameters={"period": period.label, "wave": period.wave,
                                                              "variables": list(population.margins.variables),
                                                              "population": population.target},
                      result=result, fingerprint=fingerprint(rows))
    session.add(run)
    session.flush()
    return run.id


def weighting_periods(source: SourceConfig, frame: pd.DataFrame) -> list[Period]:
    """What each source is weighted by: survey waves where it has them, calendar quarters otherwise."""
    found = [p for p in periods_of(frame) if p.label != "all"]
    waves = [p for p in found if p.wave is not None]
    return waves or [p for p in found if p.wave is None]


@dataclass(frozen=True)
class Limits:
    """When not to weight (issue 20.8): ``[analysis] max_design_effect``, ``max_weight``, ``min_cell``."""

    max_design_effect: float = 3.0
    max_weight: float = 10.0
    min_cell: int = 10
    collapse_thin: bool = True  # merge thin categories and drop what still fails before refusing

    @classmethod
    def of(cls, config: Config) -> Limits:
        """The limits configured in ``[analysis]``."""
        a = config.analysis
        return cls(a.max_design_effect, a.max_weight, a.min_cell, a.collapse_thin)


def run_weighting(factory: sessionmaker[Session], config: Config, variables: tuple[str, ...], cap: float,
                  limits: Limits | None = None) -> list[int]:
    """Calibrate each source's waves (or quarters) to its target population and store the weights.

    Respondents outside the target ages get no weight. The weights come from
    :func:`weights.calibrate`: raking with respondents missing a variable in a "not stated"
    category, and with ``cap`` > 0 every weight kept at most ``cap`` times the mean weight by
    bounded raking, so the final weights still meet every margin. Diagnostics are measured on
    the final weights. A run past ``limits`` (:func:`weights.assess_weighting`), or of a channel
    whose respondents may not be residents, is stored with status ``"not_weighted"`` and
    ``result["reason"]``, and no weights; a period that cannot be raked (a group with residents
    but no respondents) is a ``"failed"`` run whose ``result["error"]`` names the group. Pages
    show both unweighted, with the reason.
    """
    limits = limits or Limits.of(config)
    ids: list[int] = []
    with transaction(factory) as session:
        for source, frame, population in _sources_with_responses(session, config, variables):
            usable = tuple(v for v in population.margins.variables if frame[v].notna().any())
            chosen = replace(population, margins=population.margins.select(usable))
            for period in weighting_periods(source, frame):
                rows = period.select(frame).set_index("id")
                if not source.residents:
                    ids.append(_store_refused(session, source, period, rows, chosen, cap,
                                              source.residence_reason(config.app.borough)))
                    continue
                ids.append(_store_weighting(session, source, period, rows, chosen, cap, limits))
    return ids


def _run(source: SourceConfig, period: Period, rows: pd.DataFrame, population: Population, cap: float,
         limits: Limits | None = None) -> AnalysisRun:
    parameters = {"period": period.label, "wave": period.wave, "variables": list(population.margins.variables),
                  "missing": "category", "cap": cap, "bounds": [0.0, cap] if cap > 0 else None,
                  "population": population.target, "population_text": population.text,
                  "limits": None if limits is None else {"max_design_effect": limits.max_design_effect,
                                                         "max_weight": limits.max_weight,
                                                         "min_cell": limits.min_cell,
                                                         "collapse_thin": limits.collapse_thin}}
    return AnalysisRun(kind="weighting", source_key=source.key, period_start=period.start, period_end=period.end,
                       method="calibrate", parameters=parameters, fingerprint=fingerprint(rows.reset_index()))


def _store_refused(session: Session, source: SourceConfig, period: Period, rows: pd.DataFrame,
                   population: Population, cap: float, reason: str) -> int:
    run = _run(source, period, rows, population, cap)
    run.status, run.result = "not_weighted", {"reason": reason, "n_respondents": len(rows),
                                              "population": population.as_json()}
    session.add(run)
    session.flush()
    logger.info("weighting %s %s: %s", source.key, period.label, reason)
    return run.id


def _store_weighting(session: Session, source: SourceConfig, period: Period, rows: pd.DataFrame,
                     population: Population, cap: float, limits: Limits) -> int:
    run = _run(source, period, rows, population, cap, limits)
    inside = in_population(rows, population)
    kept = rows[inside]
    bounds = (0.0, cap) if cap > 0 else None
    if limits.collapse_thin:
        return _store_collapsing(session, run, source, period, rows, inside, population, bounds, limits)
    try:
        fit = weights.calibrate(kept, population.margins, bounds=bounds)
    except weights.WeightingError as error:
        return _store_failed(session, run, source, period, rows, population, str(error))
    verdict = weights.assess_weighting(fit, max_design_effect=limits.max_design_effect,
                                       max_weight=limits.max_weight, min_cell=limits.min_cell,
                                       labels={v: population.margins.labels(v) for v in population.margins.variables})
    run.result = _fit_result(fit, verdict, rows, inside, population)
    if not verdict.is_ok:
        run.status = "not_weighted"
        run.result = {**run.result, "reason": verdict.message, "reasons": list(verdict.reasons)}
        logger.warning("weighting %s %s not used: %s", source.key, period.label, verdict.message)
    return _finish(session, run, fit if verdict.is_ok else None)


def _store_failed(session: Session, run: AnalysisRun, source: SourceConfig, period: Period, rows: pd.DataFrame,
                  population: Population, error: str) -> int:
    run.status, run.result = "failed", {"error": error, "n_respondents": len(rows), "population": population.as_json()}
    session.add(run)
    session.flush()
    logger.warning("weighting %s %s failed: %s", source.key, period.label, error)
    return run.id


def _fit_result(fit: weights.RakeResult, verdict: weights.WeightingAssessment, rows: pd.DataFrame, inside: pd.Series,
                population: Population) -> dict[str, Any]:
    """The run's diagnostics, measured on the final weights."""
    diagnostics = weights.describe_weights(fit.weights.dropna())
    return _plain({
        "converged": fit.converged, "n_iter": fit.n_iter, "max_gap": fit.max_gap,
        "n_respondents": len(rows), "n_used": fit.n_used, "n_missing": fit.n_missing,
        "n_at_bounds": fit.n_at_bounds, "design_effect": diagnostics.design_effect,
        "effective_n": diagnostics.effective_n, "min": diagnostics.min, "max": diagnostics.max, "cv": diagnostics.cv,
        "max_ratio": diagnostics.max_ratio, "smallest_cell": verdict.smallest_cell,
        "margins_achieved": fit.margins_achieved.to_dict(orient="records"), "notes": list(fit.notes),
        "population": {**population.as_json(), **_outside(rows, inside, population)},
    })


def _finish(session: Session, run: AnalysisRun, fit: weights.RakeResult | None) -> int:
    """Store the run, and the weights of ``fit`` when it is used."""
    session.add(run)
    session.flush()
    if fit is not None:
        values = [{"run_id": run.id, "response_id": int(i), "weight": float(w)}
                  for i, w in fit.weights.items() if not math.isnan(w)]
        if values:
            session.execute(insert(ResponseWeight), values)
    return run.id


def _store_collapsing(session: Session, run: AnalysisRun, source: SourceConfig, period: Period, rows: pd.DataFrame,
                      inside: pd.Series, population: Population, bounds: tuple[float, float] | None,
                      limits: Limits) -> int:
    """Weights after merging thin categories and dropping what still fails (:func:`weights.calibrate_collapsing`)."""
    done = weights.calibrate_collapsing(rows[inside], population.margins, bounds=bounds,
                                        max_design_effect=limits.max_design_effect, max_weight=limits.max_weight,
                                        min_cell=limits.min_cell, parents={c: g for c, (g, _l) in ETHNICITIES.items()},
                                        group_labels=ETHNIC_GROUPS)
    if done.fit is None or done.verdict is None:
        run.status = "not_weighted"
        run.result = {"reason": done.reason, "n_respondents": len(rows), "collapse": done.as_json(),
                      "methods": done.methods, "population": {**population.as_json(), **_outside(rows, inside, population)}}
        logger.warning("weighting %s %s not used: %s", source.key, period.label, done.reason)
        return _finish(session, run, None)
    run.result = {**_fit_result(done.fit, done.verdict, rows, inside, population), "collapse": done.as_json(),
                  "methods": done.methods}
    logger.info("weighting %s %s: %s", source.key, period.label, done.methods)
    return _finish(session, run, done.fit)


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


