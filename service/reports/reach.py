"""Representativeness for the dashboard: stored runs, trends over periods, and who each site reaches.

The comparison with the Census is computed by the pipeline (``analysis_runs`` rows of kind
``representativeness``); this module only reads those rows, plus one grouped count of responses
per site or ward to show where under-represented groups were reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.reports.cache import remember
from service.store.models import AnalysisRun, Response, Site, Source

UNDER = 0.8  # representation index below which a group is flagged as under-represented
OVER = 1.25
MIN_BASE = 20  # a site or ward needs this many respondents before its share is ranked
REACH_VARIABLES = ("age_band", "sex", "ethnic_group")


def representativeness_runs(session: Session) -> list[dict[str, Any]]:
    """The latest representativeness run of each (source, period), oldest period first."""
    rows = session.execute(select(AnalysisRun.id, AnalysisRun.source_key, AnalysisRun.parameters, AnalysisRun.period_start)
                           .where(AnalysisRun.kind == "representativeness", AnalysisRun.status == "finished")
                           .order_by(AnalysisRun.id)).all()
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for run_id, source, parameters, start in rows:
        period = str((parameters or {}).get("period") or "all")
        latest[(source or "", period)] = {"id": run_id, "source": source or "", "period": period, "start": start}
    return sorted(latest.values(), key=lambda r: (r["source"], r["period"] != "all", r["start"].isoformat() if r["start"] else "", r["period"]))


def load_run(session: Session, run_id: int) -> AnalysisRun | None:
    """One analysis run by id."""
    return session.get(AnalysisRun, run_id)


def choose_run(runs: list[dict[str, Any]], source: str | None, period: str | None) -> dict[str, Any] | None:
    """The run for the requested source and period; else the source's all-time run; else the first."""
    for run in runs:
        if run["source"] == (source or run["source"]) and run["period"] == (period or "all"):
            return run
    mine = [r for r in runs if not source or r["source"] == source]
    return next((r for r in mine if r["period"] == "all"), mine[0] if mine else None)


def dimension_rows(dimension: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A dimension's table rows with a plain status (under-, over- or fairly represented)."""
    rows = []
    for row in dimension.get("table", []):
        index = row.get("representation_index")
        status = "fair"
        if index is not None and row.get("population_pct"):
            status = "under" if index < UNDER else "over" if index > OVER else "fair"
        rows.append({**row, "status": status})
    return rows


def under_represented(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Groups whose representation index is below :data:`UNDER`, the biggest shortfall first."""
    found = []
    for dimension in result.get("dimensions", []):
        for row in dimension_rows(dimension):
            if row["status"] == "under":
                found.append({"variable": dimension["variable"], **row})
    return sorted(found, key=lambda r: -(r.get("responses_needed") or 0))


def trend(session: Session, runs: list[dict[str, Any]], source: str, variable: str) -> dict[str, Any]:
    """Representation index of each level of ``variable`` over the source's dated periods (quarters, not waves)."""
    periodic = [r for r in runs if r["source"] == source and r["period"] != "all" and r["start"] is not None]
    periods, series = [], {}
    for position, run in enumerate(periodic):
        row = load_run(session, run["id"])
        periods.append(run["period"])
        for dimension in (row.result if row else {}).get("dimensions", []):
            if dimension.get("variable") != variable:
                continue
            for entry in dimension.get("table", []):
                values = series.setdefault(entry.get("label") or entry.get("level"), [None] * len(periodic))
                values[position] = entry.get("representation_index")
    return {"periods": periods, "series": series}


def reach(session: Session, source: str | None, unit: str, groups: list[dict[str, Any]],
          labels: Mapping[str, str], stored: list[dict[str, Any]] | None = None, top: int = 3) -> list[dict[str, Any]]:
    """For each under-represented group, the sites (or wards) where it made up the largest share.

    Parameters
    ----------
    source
        The source whose respondents are counted; ``None`` for every source.
    unit
        ``"site"`` (QR placements) or ``"ward"``.
    groups
        Rows from :func:`under_represented`; only age, sex and ethnic group are ranked.
    labels
        Names of places: ward names, or site names by code.
    stored
        The run's ``by_site`` or ``by_ward`` rows when it has them (else responses are counted here).
    """
    wanted = [g for g in groups if g["variable"] in REACH_VARIABLES]
    if not wanted:
        return []
    out = []
    for variable in sorted({g["variable"] for g in wanted}):
        shares = (_stored_shares(stored, variable, labels) if stored is not None
                  else _shares(session, source, unit, variable, labels))
        for group in (g for g in wanted if g["variable"] == variable):
            ranked = sorted(((name, counts.get(group["level"], 0), base) for name, (counts, base) in shares.items()
                             if base >= MIN_BASE), key=lambda t: -t[1] / t[2])
            best = [{"name": name, "n": n, "base_n": base, "share_pct": round(100 * n / base, 1)}
                    for name, n, base in ranked[:top] if n]
            out.append({"group": group.get("label") or group["level"], "variable": variable,
                        "population_pct": group.get("population_pct"), "sample_pct": group.get("sample_pct"),
                        "responses_needed": group.get("responses_needed"), "best": best})
    return out


def _stored_shares(stored: list[dict[str, Any]], variable: str,
                   labels: Mapping[str, str]) -> dict[str, tuple[dict[str, int], int]]:
    shares: dict[str, tuple[dict[str, int], int]] = {}
    for row in stored:
        if row.get("variable") == variable:
            name = labels.get(row["place"], row["place"])
            counts, _base = shares.get(name, ({}, 0))
            counts[row["level"]] = row.get("n", 0)
            shares[name] = (counts, row.get("base_n", 0))
    return shares


def site_names(session: Session) -> dict[str, str]:
    """Site code to name."""
    return dict(session.execute(select(Site.code, Site.name)).all())


def _shares(session: Session, source: str | None, unit: str, variable: str,
            labels: Mapping[str, str]) -> dict[str, tuple[dict[str, int], int]]:
    position = REACH_VARIABLES.index(variable)
    shares: dict[str, tuple[dict[str, int], int]] = {}
    for place, *levels, n in remember(session, "reach_counts", (source, unit), lambda: _place_counts(session, source, unit)):
        name = labels.get(place, place) if unit == "ward" else place
        counts, base = shares.get(name, ({}, 0))
        level = levels[position]
        counts[level] = counts.get(level, 0) + n
        shares[name] = (counts, base + n)
    return shares


def _place_counts(session: Session, source: str | None, unit: str) -> list[tuple[Any, ...]]:
    """Responses of ``source`` (every source when ``None``) per place (site name or ward code) and
    combination of age, sex and ethnic group; suspected bots left out.

    One grouped query serves all three variables (a few thousand rows at most).
    """
    columns = [getattr(Response, variable) for variable in REACH_VARIABLES]
    where = [Response.is_suspected_bot.is_(False), Response.consent.is_not(False)]
    if source is not None:
        where.append(Response.source_id == select(Source.id).where(Source.key == source).scalar_subquery())
    if unit == "site":
        query = (select(Site.name, *columns, func.count()).join(Site, Response.site_id == Site.id)
                 .where(*where).group_by(Site.name, *columns))
    else:
        query = (select(Response.ward, *columns, func.count()).where(*where, Response.ward.is_not(None),
                                                                     Response.ward != "not_stated").group_by(Response.ward, *columns))
    return [tuple(row) for row in session.execute(query)]


def source_has_sites(session: Session, source: str) -> bool:
    """Say whether any response of ``source`` came through a QR site."""
    query = (select(Response.id).join(Source, Response.source_id == Source.id)
             .where(Source.key == source, Response.site_id.is_not(None)).limit(1))
    return session.scalar(query) is not None
