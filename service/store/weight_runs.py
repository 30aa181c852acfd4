"""Which stored weighting run weights which response: the run of its own wave or quarter.

Reads only. The pipeline writes the runs (:mod:`service.pipeline.weighting`); the dashboard, the
API, briefings and the SNA export read them through here, so every figure of a period uses the
run of exactly that period.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.models import AnalysisRun


def _newest_runs(session: Session, source: str | None) -> dict[str, AnalysisRun]:
    query = select(AnalysisRun).where(AnalysisRun.kind == "weighting")
    if source is not None:
        query = query.where(AnalysisRun.source_key == source)
    return {f"{run.source_key}|{(run.parameters or {}).get('period')}": run
            for run in session.scalars(query.order_by(AnalysisRun.id))}


def finished_runs(session: Session, source: str | None = None) -> dict[str, AnalysisRun]:
    """The weighting run of each source and period, keyed ``"source|period"``, where the newest
    run of that period finished: a newer run that was not weighted (issue 20.8) or failed
    withdraws the older weights."""
    return {key: run for key, run in _newest_runs(session, source).items() if run.status == "finished"}


def unweighted_reasons(session: Session, source: str | None = None) -> dict[str, str]:
    """Why each source and period whose newest run did not finish is shown unweighted, keyed as
    :func:`finished_runs`: the stored "not weighted: ..." reason, or the failed run's error."""
    out = {}
    for key, run in _newest_runs(session, source).items():
        if run.status != "finished":
            result = run.result or {}
            out[key] = str(result.get("reason") or f"not weighted: {result.get('error') or 'the weighting run failed'}")
    return out


def reasons_text(source: str, periods: list[str], reasons: dict[str, str]) -> str:
    """One sentence for periods without weights: each stored reason with its periods, else "no
    weighting run for ..."."""
    grouped: dict[str, list[str]] = {}
    for period in periods:
        reason = reasons.get(f"{source}|{period}")
        text = reason.removeprefix("not weighted: ").rstrip(".") if reason else "no weighting run"
        grouped.setdefault(text, []).append(period)
    return "; ".join(f"{text} for {', '.join(found)}" if text == "no weighting run" else f"{', '.join(found)}: {text}"
                     for text, found in grouped.items())


def response_run(runs: dict[str, Any], source: str, wave: str | None, quarter: str | None) -> str | None:
    """The key in ``runs`` of the run that weights a response of ``source``: its wave's, else its
    quarter's (a source is weighted by one or the other, see :func:`weighting_periods`); None when
    no run weights it."""
    keys = ([f"{source}|wave {wave}"] if isinstance(wave, str) else []) + [f"{source}|{quarter}"]
    return next((key for key in keys if key in runs), None)
