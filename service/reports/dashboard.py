"""Reads for the dashboard and the JSON API: filters, the overview, and the responses table.

Every function takes a session and plain values and returns plain values ready for a template or
a JSON body. They aggregate in the database (indexed on source, site, ward and time) and read
analysis results from ``analysis_runs``; nothing here fits a model or recomputes an analysis.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from ingest import NOT_STATED
from service.pipeline.periods import previous_quarter, quarter_bounds, quarter_of, year_bounds
from service.pipeline.wards import read_ward_names
from service.reports.cache import remember
from service.reports.labels import level_label
from service.reports.masking import is_masked_for, is_redaction_uncertain
from service.store.models import (
    FreeText,
    IngestRun,
    QuarantinedRow,
    Response,
    SafeguardingFlag,
    Site,
    Source,
    TopicCode,
)
from service.store.responses import NOT_SCREENED

GROUP_VARIABLES = ("age_band", "sex", "ethnic_group")
_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


class FilterError(ValueError):
    """A filter value that cannot be used; the message names the parameter and what is expected."""


@dataclass(frozen=True)
class ResponseFilter:
    """Which responses a page or API call is about: all parts optional."""

    source: str | None = None
    period: str | None = None
    ward: str | None = None
    site: str | None = None
    variable: str | None = None
    level: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ResponseFilter:
        """Read filters from query parameters; ``group`` is ``variable:level`` (e.g. ``sex:female``)."""
        for name in ("source", "period", "ward", "site", "group"):
            if "\x00" in (args.get(name) or ""):
                raise FilterError(f"{name} contains a NUL character (\\x00); send the value without it")
        values = {k: (args.get(k) or "").strip() or None for k in ("source", "period", "ward", "site")}
        period = values["period"]
        match = _PERIOD.match(period or "")
        if period and period != "all" and not (match and 2000 <= int(match.group(1)) <= 2099):
            raise FilterError(f"period {period!r} is not a year or quarter from 2000 to 2099; use e.g. 2024 or 2024Q1")
        variable = level = None
        group = (args.get("group") or "").strip()
        if group:
            variable, _, level = group.partition(":")
            if variable not in GROUP_VARIABLES or not level:
                raise FilterError(f"group {group!r} should be variable:level with variable one of {', '.join(GROUP_VARIABLES)}")
        if period == "all":
            values["period"] = None
        return cls(**values, variable=variable, level=level)

    @property
    def group(self) -> str:
        """The group filter as ``variable:level`` ('' when none)."""
        return f"{self.variable}:{self.level}" if self.variable else ""

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Start (inclusive) and end (exclusive) of the period, in UTC."""
        match = _PERIOD.match(self.period or "")
        if not match:
            return None, None
        year, quarter = int(match.group(1)), match.group(2)
        if quarter is None:
            return _utc(year, 1), _utc(year + 1, 1)
        q = int(quarter)
        return _utc(year, 3 * q - 2), (_utc(year, 3 * q + 1) if q < 4 else _utc(year + 1, 1))

    def as_args(self, **changes: Any) -> dict[str, str]:
        """Query parameters that reproduce this filter (for links and CSV downloads)."""
        current = replace(self, **changes)
        args = {k: getattr(current, k) for k in ("source", "period", "ward", "site")}
        args["group"] = current.group
        return {k: v for k, v in args.items() if v}


def _utc(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=timezone.utc)


def apply_filter(query: Select, filt: ResponseFilter) -> Select:
    """Restrict a query that selects from ``responses`` to the filter's responses.

    A response whose consent is no is never among them: it is stored only because its text may
    disclose harm, and only the safeguarding queue shows it.
    """
    query = query.where(Response.consent.is_not(False))
    if filt.source:
        query = query.where(Response.source_id == select(Source.id).where(Source.key == filt.source).scalar_subquery())
    start, end = filt.bounds()
    if start is not None:
        query = query.where(Response.submitted_at >= start, Response.submitted_at < end)
    if filt.ward:
        query = query.where(Response.ward == filt.ward)
    if filt.site:
        query = query.where(Response.site_id == select(Site.id).where(Site.code == filt.site).scalar_subquery())
    if filt.variable:
        query = query.where(getattr(Response, filt.variable) == filt.level)
    return query


@lru_cache(maxsize=4)
def ward_names(borough: str) -> dict[str, str]:
    """Ward code to name, from the census ward file of ``borough``, in name order."""
    return dict(sorted(read_ward_names(borough).items(), key=lambda item: item[1]))


def filter_options(session: Session, borough: str, age_bands: Mapping[str, tuple[str, ...]] | None = None,
                   filt: ResponseFilter | None = None) -> dict[str, Any]:
    """Choices for the filter form: sources, periods (years and quarters with data), wards, sites, groups.

    Sources ask age in their own bands (16-24 in one, 16-17 and 18-21 in another), so the Group
    choices hold age bands only once a source is chosen, and then only that source's: its
    configured ``age_bands`` (``age_bands`` maps source key to them), else the bands its responses
    hold, and "not stated" when some have it. No two offered bands overlap. A group already in the
    filter stays offered, so the form shows what the page is filtered by.
    """
    filt = filt or ResponseFilter()
    sources = [(s.key, s.name) for s in session.scalars(select(Source).order_by(Source.name))]
    first, last, levels = remember(session, "response_levels", None, lambda: _response_levels(session))
    periods: list[tuple[str, str]] = [("", "All time")]
    if first and last:
        for year in range(last.year, first.year - 1, -1):
            periods.append((str(year), str(year)))
            periods.extend((f"{year}Q{q}", f"{year} Q{q}") for q in range(4, 0, -1)
                           if date(year, 3 * q - 2, 1) <= last.date() and date(year, 3 * q, 28) >= first.date())
    sites = [(code, name) for code, name in session.execute(select(Site.code, Site.name).order_by(Site.name))]
    groups = []
    for variable in GROUP_VARIABLES:
        found = levels[variable]
        if variable == "age_band":
            found = source_age_bands(session, filt.source, (age_bands or {}).get(filt.source or "", ())) if filt.source else []
        else:
            found = sorted(found)
        groups.extend((f"{variable}:{lv}", group_label(variable, lv)) for lv in found)
    if filt.group and filt.group not in {value for value, _ in groups}:
        groups.append((filt.group, group_label(filt.variable or "", filt.level or "")))
    return {"sources": sources, "periods": periods, "wards": list(ward_names(borough).items()), "sites": sites,
            "groups": groups, "age_needs_source": not filt.source}


def group_label(variable: str, level: str) -> str:
    """How the Group filter names a group: "Age: 16 to 24", "Sex: Female"."""
    return f"{variable.replace('_', ' ').capitalize()}: {level_label(variable, level)}"


def source_age_bands(session: Session, source: str, configured: tuple[str, ...]) -> list[str]:
    """The age bands of one source: its configured bands in their order (else the bands its
    responses hold, youngest first), then "not_stated" when any of its responses has it."""
    held: list[str] = remember(session, "source_age_bands", source, lambda: sorted(b for b in session.scalars(
        select(Response.age_band).distinct().where(Response.age_band.is_not(None))
        .where(Response.source_id == select(Source.id).where(Source.key == source).scalar_subquery())) if b))
    bands = list(configured) or sorted((b for b in held if b != NOT_STATED), key=_band_start)
    return bands + ([NOT_STATED] if NOT_STATED in held else [])


def _band_start(band: str) -> tuple[int, str]:
    digits = re.match(r"\d+", band)
    return (int(digits.group()) if digits else 999, band)


def _response_levels(session: Session) -> tuple[datetime | None, datetime | None, dict[str, list[str]]]:
    """First and last submission time, and the levels of each group variable found in responses."""
    # Two statements: SQLite answers a lone min() or max() from the index, but not both in one.
    first = session.scalar(select(func.min(Response.submitted_at)))
    last = session.scalar(select(func.max(Response.submitted_at)))
    levels = {variable: list(session.scalars(select(getattr(Response, variable)).distinct()
                                             .where(getattr(Response, variable).is_not(None))))
              for variable in GROUP_VARIABLES}
    return first, last, levels


def latest_week_start(session: Session, filt: ResponseFilter) -> date | None:
    """Monday of the latest week holding a response (the demo data is old, so not 'this week')."""
    latest = session.scalar(apply_filter(select(func.max(Response.submitted_at)), filt))
    if latest is None:
        return None
    day = latest.date()
    return day - timedelta(days=day.weekday())


def weekly_counts(session: Session, filt: ResponseFilter, weeks: int = 12) -> dict[str, Any]:
    """Responses per source per week, for the ``weeks`` weeks up to the latest week with data."""
    last, by_source = remember(session, "weekly_counts", (filt, weeks), lambda: _weekly_counts(session, filt, weeks))
    if last is None:
        return {"weeks": [], "sources": [], "counts": {}}
    source_names = dict(session.execute(select(Source.id, Source.name)).all())
    counts: dict[tuple[str, date], int] = {}
    for (source_id, monday), n in by_source.items():
        key = (source_names[source_id], monday)
        counts[key] = counts.get(key, 0) + n
    first = last - timedelta(weeks=weeks - 1)
    week_list = [first + timedelta(weeks=i) for i in range(weeks)]
    names = sorted({name for name, _ in counts})
    return {"weeks": week_list, "sources": names, "counts": counts}


def _weekly_counts(session: Session, filt: ResponseFilter, weeks: int) -> tuple[date | None, dict[tuple[int, date], int]]:
    last = latest_week_start(session, filt)
    if last is None:
        return None, {}
    first = last - timedelta(weeks=weeks - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=timezone.utc)
    day = func.date(Response.submitted_at)
    query = apply_filter(select(Response.source_id, day, func.count()).where(Response.submitted_at >= start)
                         .group_by(Response.source_id, day), filt)
    counts: dict[tuple[int, date], int] = {}
    for source_id, on, n in session.execute(query):
        on = on if isinstance(on, date) else date.fromisoformat(str(on)[:10])
        monday = on - timedelta(days=on.weekday())
        counts[(source_id, monday)] = counts.get((source_id, monday), 0) + n
    return last, counts


def period_headline(session: Session, filt: ResponseFilter, now: datetime) -> dict[str, Any] | None:
    """The Overview's headline: responses in the filter's period (or, for all time, the latest
    quarter with data) against the period before it of the same kind, overall and per source.

    A period still running at ``now`` is compared over the same number of days: its days so far
    against the first as many days of the period before. ``None`` when nothing matches the filter.
    """
    period = filt.period
    if period is None:
        latest = session.scalar(apply_filter(select(func.max(Response.submitted_at)), filt))
        if latest is None:
            return None
        period = quarter_of(latest if latest.tzinfo else latest.replace(tzinfo=timezone.utc))
    if "Q" in period:
        (start, end), previous = quarter_bounds(period), previous_quarter(period)
        previous_start = quarter_bounds(previous)[0]
    else:
        (start, end), previous = year_bounds(int(period)), str(int(period) - 1)
        previous_start = year_bounds(int(previous))[0]
    is_partial = start <= now < end
    span = (now - start) if is_partial else (end - start)
    previous_end = previous_start + span if is_partial else start
    this = _counts_by_source(session, filt, start, min(end, now) if is_partial else end)
    before = _counts_by_source(session, filt, previous_start, previous_end)
    names = dict(session.execute(select(Source.id, Source.name)).all())
    by_source = [_change(names[source_id], this.get(source_id, 0), before.get(source_id, 0))
                 for source_id in sorted(set(this) | set(before), key=lambda k: names[k])]
    total = _change("All sources", sum(this.values()), sum(before.values()))
    return {**total, "period": _period_label(period), "previous": _period_label(previous), "is_partial": is_partial,
            "days": span.days, "until": min(end, now), "by_source": by_source}


def _counts_by_source(session: Session, filt: ResponseFilter, start: datetime, end: datetime) -> dict[int, int]:
    query = apply_filter(select(Response.source_id, func.count(Response.id)), replace(filt, period=None))
    query = query.where(Response.submitted_at >= start, Response.submitted_at < end).group_by(Response.source_id)
    return dict(session.execute(query).all())


def _change(name: str, n: int, n_previous: int) -> dict[str, Any]:
    """A count against the previous period's: the difference, and the percentage change on its base."""
    pct = round(100 * (n - n_previous) / n_previous) if n_previous else None
    return {"source": name, "n": n, "n_previous": n_previous, "change": n - n_previous, "pct_change": pct}


def _period_label(period: str) -> str:
    return period.replace("Q", " Q")


def site_counts(session: Session, filt: ResponseFilter, week: date | None) -> list[dict[str, Any]]:
    """Responses per QR site: in the filter's period, in ``week`` and in the week before."""
    totals, this_week, last_week = remember(session, "site_counts", (filt, week), lambda: _site_counts(session, filt, week))
    sites = {site_id: (code, name, ward) for site_id, code, name, ward
             in session.execute(select(Site.id, Site.code, Site.name, Site.ward).where(Site.id.in_(list(totals))))}
    rows = [{"code": code, "name": name, "ward": ward, "n": totals[site_id], "n_week": this_week.get(site_id, 0),
             "n_previous_week": last_week.get(site_id, 0), "change": this_week.get(site_id, 0) - last_week.get(site_id, 0)}
            for site_id, (code, name, ward) in sites.items()]
    return sorted(sorted(rows, key=lambda row: row["code"]), key=lambda row: -row["n"])


def _site_counts(session: Session, filt: ResponseFilter, week: date | None) -> tuple[dict[int, int], ...]:
    query = apply_filter(select(Response.site_id, func.count(Response.id)).where(Response.site_id.is_not(None))
                         .group_by(Response.site_id), filt)
    totals = dict(session.execute(query).all())
    this_week, last_week = {}, {}
    if week is not None:
        this_week = _site_window(session, filt, week, week + timedelta(days=7))
        last_week = _site_window(session, filt, week - timedelta(days=7), week)
    return totals, this_week, last_week


def _site_window(session: Session, filt: ResponseFilter, start: date, end: date) -> dict[int, int]:
    lo = datetime(start.year, start.month, start.day, tzinfo=timezone.utc)
    hi = datetime(end.year, end.month, end.day, tzinfo=timezone.utc)
    query = apply_filter(select(Response.site_id, func.count(Response.id)).where(Response.site_id.is_not(None))
                         .where(Response.submitted_at >= lo, Response.submitted_at < hi).group_by(Response.site_id), filt)
    return dict(session.execute(query).all())


def ingest_summary(session: Session) -> list[dict[str, Any]]:
    """The latest ingest run of each source with its quarantine count, and rows still in quarantine."""
    newest = select(IngestRun.source_id, func.max(IngestRun.id).label("id")).group_by(IngestRun.source_id).subquery()
    runs = session.execute(select(IngestRun, Source.name).join(newest, IngestRun.id == newest.c.id)
                           .join(Source, IngestRun.source_id == Source.id).order_by(Source.name)).all()
    open_rows = dict(session.execute(select(QuarantinedRow.source_id, func.count()).where(QuarantinedRow.resolved_at.is_(None))
                                     .group_by(QuarantinedRow.source_id)).all())
    return [{"source": name, "input": run.input_name or "", "status": run.status, "started_at": run.started_at,
             "n_read": run.n_read, "n_new": run.n_new, "n_quarantined": run.n_quarantined,
             "n_open_quarantine": open_rows.get(run.source_id, 0)} for run, name in runs]


def count_matching(session: Session, filt: ResponseFilter) -> int:
    """How many responses match the filter (kept per filter and data version, :mod:`service.reports.cache`)."""
    return remember(session, "count_matching", filt,
                    lambda: session.scalar(apply_filter(select(func.count(Response.id)), filt)) or 0)


def response_page(session: Session, filt: ResponseFilter, page: int, per_page: int,
                  wards: Mapping[str, str], role: str | None = None) -> dict[str, Any]:
    """One page of responses (newest first) with their free texts, redacted only.

    A text with no redacted form yet reads :data:`service.store.NOT_SCREENED`; an original is
    shown only one at a time, on its own audited page (``texts.original``). For a ``role`` that may
    not read them (:func:`service.reports.masking.is_masked_for`), flagged and uncertainly redacted
    texts come with ``redacted`` ``None`` and ``is_masked`` true; so do texts stored in bulk that the
    disclosure detector has not read yet (``is_model_pending``: shown to other roles with that note).
    """
    total = count_matching(session, filt)
    query = apply_filter(select(Response.id, Response.submitted_at, Source.key, Source.name, Site.name, Response.ward,
                                Response.age_band, Response.sex, Response.ethnic_group)
                         .join(Source, Response.source_id == Source.id).outerjoin(Site, Response.site_id == Site.id), filt)
    query = query.order_by(Response.submitted_at.desc(), Response.id.desc()).limit(per_page).offset((page - 1) * per_page)
    rows = session.execute(query).all()
    texts = _texts_of(session, [r[0] for r in rows], role)
    items = [{"id": rid, "submitted_at": at.isoformat() if at else None, "source": key, "source_name": source_name,
              "site": site or "", "ward": ward, "ward_name": wards.get(ward or "", ward or ""),
              "age_band": age, "sex": sex, "ethnic_group": ethnic, "texts": texts.get(rid, [])}
             for rid, at, key, source_name, site, ward, age, sex, ethnic in rows]
    n_pages = max((total + per_page - 1) // per_page, 1)
    return {"items": items, "total": total, "page": page, "per_page": per_page, "n_pages": n_pages}


def _texts_of(session: Session, response_ids: list[int], role: str | None) -> dict[int, list[dict[str, Any]]]:
    if not response_ids:
        return {}
    found: dict[int, list[dict[str, Any]]] = {}
    flagged = exists().where(SafeguardingFlag.free_text_id == FreeText.id)
    text_rows = session.execute(select(FreeText.id, FreeText.response_id, FreeText.redacted, FreeText.original,
                                       FreeText.is_redaction_uncertain, flagged, FreeText.is_model_screen_pending)
                                .where(FreeText.response_id.in_(response_ids)).order_by(FreeText.id)).all()
    topics: dict[int, list[str]] = {}
    for text_id, topic in session.execute(select(TopicCode.free_text_id, TopicCode.topic)
                                          .where(TopicCode.free_text_id.in_([t[0] for t in text_rows]))
                                          .order_by(TopicCode.topic)):
        topics.setdefault(text_id, []).append(topic)
    for text_id, response_id, redacted, original, uncertain, is_flagged, pending in text_rows:
        # Only a role that is shown no held texts needs to know; the intake screen stored the redactor's doubt.
        # A text the disclosure detector has not read yet (stored in bulk) may still be flagged: held too.
        is_masked = is_masked_for(role, True, False) and (
            bool(is_flagged) or bool(uncertain) or bool(pending) or (redacted is None and is_redaction_uncertain(original)))
        item = {"id": text_id, "redacted": None if is_masked else (redacted if redacted is not None else NOT_SCREENED),
                "is_masked": is_masked, "is_model_pending": bool(pending), "topics": sorted(set(topics.get(text_id, [])))}
        found.setdefault(response_id, []).append(item)
    return found
