"""Where should the next poster go? A ranked list of places, each with its evidence and base.

The list answers the engagement officer's question in three tiers:

1. **Nobody heard, nothing there**: wards with no open QR site and no responses from the channel.
2. **Too few to tell**: wards with some responses but fewer than ``min_base`` (ranked by how few);
   no share is quoted for them, only their count.
3. **Missing groups least reached**: wards and kinds of site with at least ``min_base``
   respondents, ranked by how poorly they reach the channel's *missing groups*, lowest first.

The missing groups are the ones the channel's stored representativeness run labels
"under-represented" under the printed rule (:data:`weights.RULE`: the Wilson interval of the
group's share of respondents excludes its share of residents and the gap is at least 5 points).
A place's reach of one group is its representation index there (share of the place's respondents
in the group over the group's share of residents); the place's score is the mean over the missing
groups, so 1.0 means the place reaches them as well as the population would and 0 not at all.
For each missing group the list also names the existing sites that already reach it best.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.reports.text import number, percent
from service.store.models import AnalysisRun, Response, Site, Source

GROUP_VARIABLES = ("age_band", "sex", "ethnic_group")
MIN_BASE = 10  # below this many respondents a place is "too few responses to tell"
TOO_FEW = "too few responses to tell"


@dataclass(frozen=True)
class MissingGroup:
    """A group the channel's representativeness run calls under-represented."""

    variable: str
    level: str
    label: str
    population_pct: float
    sample_pct: float
    n: int
    base_n: int


@dataclass(frozen=True)
class Place:
    """One ranked place: a ward or a kind of site, with the evidence for its rank."""

    rank: int
    tier: int
    unit: str  # "ward" or "site kind"
    name: str
    base_n: int
    open_sites: int
    score: float  # mean representation index of the missing groups here; NaN when not measured
    evidence: str


@dataclass(frozen=True)
class WhereNext:
    """The ranked places of one channel, its missing groups and the sites already reaching each."""

    source: str
    source_name: str
    min_base: int
    places: tuple[Place, ...]
    missing: tuple[MissingGroup, ...]
    reached_by: Mapping[str, tuple[tuple[str, int, int], ...]] = field(default_factory=dict)
    rule: str = ""
    note: str = ""
    heard: int = 0  # respondents of the channel (bots left out)


def missing_groups(session: Session, source: str) -> tuple[tuple[MissingGroup, ...], str]:
    """The channel's under-represented groups (from its latest all-period run) and the rule's sentence."""
    import weights

    run = session.scalars(select(AnalysisRun).where(
        AnalysisRun.kind == "representativeness", AnalysisRun.status == "finished", AnalysisRun.source_key == source)
        .order_by(AnalysisRun.id.desc())).all()
    chosen = next((r for r in run if str((r.parameters or {}).get("period") or "all") == "all"), None)
    if chosen is None:
        return (), ""
    found = []
    for dimension in (chosen.result or {}).get("dimensions", []):
        if dimension.get("variable") not in GROUP_VARIABLES:
            continue
        for row in dimension.get("table", []):
            if _label(row) == "under-represented":
                found.append(MissingGroup(dimension["variable"], str(row["level"]), str(row.get("label") or row["level"]),
                                          float(row["population_pct"]), float(row.get("sample_pct") or 0.0),
                                          int(row.get("n") or 0), int(row.get("base_n") or 0)))
    found.sort(key=lambda g: (g.sample_pct / g.population_pct, g.variable, g.level))
    return tuple(found), weights.RULE.format(level=0.95, gap=5)


def _label(row: Mapping[str, Any]) -> str:
    """The row's stored label; a run stored before labels were kept is labelled here by the same rule."""
    if row.get("representation"):
        return str(row["representation"])
    from weights.representativeness import _label as rule_label

    if not row.get("population_pct") or row.get("base_n") is None:
        return "about right"
    return rule_label(int(row.get("n") or 0), int(row["base_n"]), float(row["population_pct"]) / 100, 5.0, 0.95)[2]


def where_next(session: Session, source: str, wards: Mapping[str, str], min_base: int = MIN_BASE,
               source_name: str | None = None) -> WhereNext:
    """The ranked places for ``source`` (a source key): see the module docstring for the order."""
    missing, rule = missing_groups(session, source)
    open_sites = _open_sites_by_ward(session)
    ward_counts = _counts(session, source, "ward")
    kind_counts = _counts(session, source, "kind")
    places: list[tuple[int, float, str, Place]] = []
    for code, name in wards.items():
        counts = ward_counts.get(code, {})
        base = counts.get("_all", 0)
        sites = open_sites.get(code, 0)
        if base == 0 and sites == 0:
            places.append((1, 0.0, name, Place(0, 1, "ward", name, 0, 0, math.nan, "no open QR site and no responses from this channel")))
        elif base < min_base:
            where = f"{sites} open QR site{'s' if sites != 1 else ''}" if sites else "no open QR site"
            places.append((2, float(base), name, Place(0, 2, "ward", name, base, sites, math.nan,
                                                       f"{TOO_FEW}: {number(base)} response{'s' if base != 1 else ''}; {where}")))
        elif missing:
            score, evidence = _reach(counts, missing)
            places.append((3, score, name, Place(0, 3, "ward", name, base, sites, score, evidence)))
    for kind, counts in kind_counts.items():
        base = counts.get("_all", 0)
        label = kind.replace("_", " ").capitalize() + "s"
        if base < min_base:
            places.append((2, float(base), label, Place(0, 2, "site kind", label, base, 0, math.nan,
                                                        f"{TOO_FEW}: {number(base)} responses")))
        elif missing:
            score, evidence = _reach(counts, missing)
            places.append((3, score, label, Place(0, 3, "site kind", label, base, 0, score, evidence)))
    places.sort(key=lambda t: (t[0], t[1], t[2]))
    ranked = tuple(Place(i + 1, *_fields(p)[1:]) for i, (_t, _s, _n, p) in enumerate(places))
    heard = sum(c.get("_all", 0) for c in ward_counts.values()) + _unplaced(session, source)
    note = "" if missing else ("No group is under-represented by the rule, or no representativeness run is stored yet: "
                               "places are ranked only by whether anyone has been heard there.")
    if not heard:
        note = "Nobody has answered through this channel yet."
    return WhereNext(source, source_name or source, min_base, ranked, missing, _reached_by(session, missing, min_base),
                     rule, note, heard)


def _unplaced(session: Session, source: str) -> int:
    """Respondents of ``source`` who gave no ward."""
    query = (select(func.count()).select_from(Response).join(Source, Response.source_id == Source.id)
             .where(Source.key == source, Response.is_suspected_bot.is_(False), Response.consent.is_not(False), Response.ward.is_(None)))
    return int(session.scalar(query) or 0)


def _fields(place: Place) -> tuple[Any, ...]:
    return (place.rank, place.tier, place.unit, place.name, place.base_n, place.open_sites, place.score, place.evidence)


def _reach(counts: Mapping[str, int], missing: Sequence[MissingGroup]) -> tuple[float, str]:
    """Mean representation index of the missing groups among a place's respondents, and the evidence."""
    indices, parts = [], []
    for group in missing:
        base = counts.get(f"_{group.variable}", 0)
        n = counts.get(f"{group.variable}={group.level}", 0)
        if base == 0:
            parts.append(f"{group.label}: nobody stated it")
            continue
        share = 100 * n / base
        indices.append(share / group.population_pct)
        parts.append(f"{group.label} {percent(share)} ({number(n)} of {number(base)}) against {percent(group.population_pct)}")
    score = sum(indices) / len(indices) if indices else math.nan
    return score, "; ".join(parts)


def _open_sites_by_ward(session: Session) -> dict[str, int]:
    rows = session.execute(select(Site.ward, func.count()).where(Site.is_retired.is_(False), Site.ward.is_not(None))
                           .group_by(Site.ward)).all()
    return {ward: int(n) for ward, n in rows}


def _counts(session: Session, source: str, unit: str) -> dict[str, dict[str, int]]:
    """Respondents per place (ward code, or site kind): ``_all``, ``_VAR`` (stated VAR) and ``VAR=LEVEL``."""
    place = Response.ward if unit == "ward" else Site.kind
    columns = [getattr(Response, v) for v in GROUP_VARIABLES]
    query = (select(place, *columns, func.count()).join(Source, Response.source_id == Source.id)
             .where(Source.key == source, Response.is_suspected_bot.is_(False), Response.consent.is_not(False), place.is_not(None)))
    if unit == "kind":
        query = query.join(Site, Response.site_id == Site.id)
    return _tally(session.execute(query.group_by(place, *columns)))


def _tally(rows: Any) -> dict[str, dict[str, int]]:
    """Grouped rows ``(place, age_band, sex, ethnic_group, count)`` as counts per place: ``_all``,
    ``_VAR`` (respondents who stated VAR) and ``VAR=LEVEL``."""
    out: dict[str, dict[str, int]] = {}
    for key, *levels, n in rows:
        counts = out.setdefault(str(key), {})
        counts["_all"] = counts.get("_all", 0) + int(n)
        for variable, level in zip(GROUP_VARIABLES, levels, strict=True):
            if level is not None and level != "not_stated":
                counts[f"_{variable}"] = counts.get(f"_{variable}", 0) + int(n)
                counts[f"{variable}={level}"] = counts.get(f"{variable}={level}", 0) + int(n)
    return out


def _reached_by(session: Session, missing: Sequence[MissingGroup], min_base: int,
                top: int = 3) -> dict[str, tuple[tuple[str, int, int], ...]]:
    """For each missing group, the open sites (any channel) where it is the largest share: (name, n, base)."""
    if not missing:
        return {}
    columns = [getattr(Response, v) for v in GROUP_VARIABLES]
    query = (select(Site.name, *columns, func.count()).join(Site, Response.site_id == Site.id)
             .where(Response.is_suspected_bot.is_(False), Response.consent.is_not(False), Site.is_retired.is_(False)).group_by(Site.name, *columns))
    per_site = _tally(session.execute(query))
    out = {}
    for group in missing:
        ranked = sorted(((name, c.get(f"{group.variable}={group.level}", 0), c.get(f"_{group.variable}", 0))
                         for name, c in per_site.items() if c.get(f"_{group.variable}", 0) >= min_base),
                        key=lambda t: (-t[1] / t[2], t[0]))
        out[group.label] = tuple(t for t in ranked[:top] if t[1] > 0)
    return out


def briefing_lines(session: Session, sources: Mapping[str, str], wards: Mapping[str, str], min_base: int = MIN_BASE,
                   limit: int = 5) -> list[str]:
    """The top places over the given channels (key to name) as sentences, for the briefing's "next quarter" box."""
    ranked: list[tuple[int, float, str, str]] = []
    for key, name in sources.items():
        result = where_next(session, key, wards, min_base, name)
        if not result.heard:
            continue
        for place in result.places:
            if place.tier == 3 and not result.missing:
                continue
            said = f"{place.name} ({place.unit}, {name}): {place.evidence}"
            if place.tier == 3:
                said = f"{place.name} ({place.unit}, {name}): missing groups least reached here - {place.evidence}"
            ranked.append((place.tier, place.score if place.tier == 3 else float(place.base_n), place.name, said))
    seen: set[str] = set()
    lines = []
    for _tier, _score, name, said in sorted(ranked):
        if name in seen:
            continue
        seen.add(name)
        lines.append(said)
        if len(lines) == limit:
            break
    return lines
