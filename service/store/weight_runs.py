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


def finished_runs(session: Session, source: str | None = None) -> dict[str, AnalysisRun]:
    """The newest finished weighting run of each source and period, keyed ``"source|period"``."""
    query = select(AnalysisRun).where(AnalysisRun.kind == "weighting", AnalysisRun.status == "finished")
    if source is not None:
        query = query.where(AnalysisRun.source_key == source)
    return {f"{run.source_key}|{(run.parameters or {}).get('period')}": run
            for run in session.scalars(query.order_by(AnalysisRun.id))}


def response_run(runs: dict[str, Any], source: str, wave: str | None, quarter: str | None) -> str | None:
    """The key in ``runs`` of the run that weights a response of ``source``: its wave's, else its
    quarter's (a source is weighted by one or the other, see :func:`weighting_periods`); None when
    no run weights it."""
    keys = ([f"{source}|wave {wave}"] if isinstance(wave, str) else []) + [f"{source}|{quarter}"]
    return next((key for key in keys if key in runs), None)
