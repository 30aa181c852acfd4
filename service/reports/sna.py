"""The Strategic Needs Assessment Theme 6 "Community Voice" tables and facts for one year.

Structured like the London VRU needs-assessment template's Theme 6 (as in Barking and
Dagenham's SNA): perception of serious violence and knife crime; trust and confidence in the
police; feelings of safety; views of victims; other local surveys; and the gaps. The workbook,
the CSV bundle and the narrative are all written from one :class:`SnaReport`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from service.config import Config
from service.pipeline.periods import year_bounds
from service.reports import measures, queries
from service.reports.dashboard import ward_names
from service.reports.suppression import suppress_shares

PERCEPTION = ("knife_crime_problem", "knife_crime_trend", "gangs_problem", "gangs_trend")
TRUST = ("police_relied_on", "response_to_violence")
SURVEYS = ("css", "shout")


@dataclass(frozen=True)
class Table:
    """One table of the export: a sheet of the workbook and a CSV of the bundle."""

    key: str
    title: str
    heading: str
    frame: pd.DataFrame
    notes: tuple[str, ...] = ()


@dataclass
class SnaReport:
    """Everything the SNA outputs show, computed once from the store."""

    year: int
    council: str
    tables: list[Table] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    snapshot: queries.Snapshot | None = None
    min_cell: int = 10
    is_synthetic: bool = False
    names: dict[str, str] = field(default_factory=dict)
    #: Each closed question's answer options in the order the questionnaire lists them (exports keep it).
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        """The table called ``key``."""
        return next(t for t in self.tables if t.key == key)


def build_sna(session: Session, config: Config, year: int) -> SnaReport:
    """Compute the Theme 6 tables and narrative facts for ``year`` from the store (read only)."""
    start, end = year_bounds(year)
    snapshot = queries.load_snapshot(session, None, start, end, waves={key: str(year) for key in SURVEYS})
    frame, min_cell = snapshot.frame, config.reports.min_cell
    names, wordings = queries.source_names(session), queries.question_wordings(session)
    from service.store.reads import has_synthetic

    report = SnaReport(year, config.app.council_name, snapshot=snapshot, min_cell=min_cell,
                       is_synthetic=has_synthetic(session), names=names, options=questionnaire_options(wordings))
    wards = ward_names(config.app.borough)
    named = frame.assign(channel=frame["source"].map(lambda k: names.get(k, k)))
    report.tables.append(_question_table("perception", "T1 Perception", "Perception of serious violence and knife crime",
                                         named, PERCEPTION, wordings, min_cell))
    report.tables.append(_question_table("trust", "T2 Trust", "Trust and confidence in the police and services",
                                         named, TRUST, wordings, min_cell))
    safety = measures.safety_table(frame, wordings, names, min_cell)
    report.tables.append(Table("safety", "T3 Safety", "Feelings of safety: share feeling unsafe", _tidy(safety, "wording")))
    report.tables.append(_victims_table(named, wordings, min_cell))
    report.tables.append(_surveys_table(named, min_cell))
    labels = _topic_labels()
    topics = measures.topic_table(named, "channel", labels, min_cell, session=session,
                                  min_reviews=config.analysis.min_audit_reviews)
    report.tables.append(Table("topics", "T6 Feel safer", "What would make people feel safer (coded free text)",
                               _tidy(topics, "label")))
    profile = measures.profile_table(session, frame, min_cell, wards, names)
    populations_of = queries.population_texts(session)
    compared = tuple(f"{names.get(k, k)} is compared with {populations_of[k]['text']}." + "".join(
        f" {note}" for note in populations_of[k].get("notes", [])) for k in sorted(set(frame["source"])) if k in populations_of)
    report.tables.append(Table("profile", "Profile v Census", "Respondent profile against Census 2021", profile, compared))
    gaps = measures.under_represented(profile, limit=12)
    report.tables.append(Table("gaps", "Gaps", "Who is under-represented, and by how much", gaps))
    report.facts = _facts(frame, named, safety, topics, profile, gaps, names)
    populations = {names.get(run["source"], run["source"]): run.get("population_text") or "Census 2021"
                   for run in snapshot.weighting_runs.values()}
    report.tables = [replace(t, frame=with_evidence(t.frame, populations)) for t in report.tables]
    return report


def questionnaire_options(wordings: dict) -> dict[str, tuple[str, ...]]:
    """Question key to its answer options as the questionnaire lists them (the first source that lists any)."""
    out: dict[str, tuple[str, ...]] = {}
    for (_source, key), (_wording, _kind, options) in sorted(wordings.items()):
        if options and key not in out:
            out[key] = tuple(str(o) for o in options)
    return out


def with_evidence(frame: pd.DataFrame, populations: dict[str, str]) -> pd.DataFrame:
    """Issue 20.8: beside each weighted figure its design effect and an evidence-strength line
    (n, effective n, design effect, interval, channel, and the population it is weighted to)."""
    if not {"weighted_pct", "effective_n", "base_n", "channel"} <= set(frame.columns):
        return frame
    out = frame.copy()
    weighted = out["weighted_pct"].notna() & out["effective_n"].notna() & (out["effective_n"] > 0)
    out["design_effect"] = (out["base_n"] / out["effective_n"]).where(weighted)
    out["evidence"] = [
        (f"n {int(r.base_n):,}, effective n {r.effective_n:,.0f}, design effect {r.design_effect:.2f}, "
         f"95% CI {r.weighted_ci_low:.1f}-{r.weighted_ci_high:.1f}%, {r.channel}; weighted to "
         f"{populations.get(r.channel, 'Census 2021')}") if ok else None
        for ok, r in zip(weighted, out.itertuples(index=False))]
    return out


def _question_table(key: str, title: str, heading: str, frame: pd.DataFrame, questions: tuple[str, ...],
                    wordings: dict, min_cell: int) -> Table:
    parts = []
    for question in questions:
        for (source, qkey), (wording, _kind, options) in sorted(wordings.items()):
            if qkey != question or source not in set(frame["source"]):
                continue
            rows = frame[frame["source"] == source]
            table = suppress_shares(queries.shares(rows, question, "channel", options or None), min_cell)
            parts.append(table.assign(question=question, wording=wording))
    joined = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["group", "category", "question", "wording"])
    return Table(key, title, heading, _tidy(joined, "wording"))


def _victims_table(frame: pd.DataFrame, wordings: dict, min_cell: int) -> Table:
    parts = []
    for (source, qkey), (wording, _kind, options) in sorted(wordings.items()):
        if qkey == "happened" and source in set(frame["source"]):
            table = queries.shares(frame[frame["source"] == source], "happened", "channel", options or None)
            parts.append(suppress_shares(table, min_cell, multi_coded=True).assign(question=qkey, wording=wording))
    joined = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["group", "category", "question", "wording"])
    notes = ("No survey asks victims of serious violence about the service they received: this is a gap. The QR "
             "question below asks whether something happened to the respondent or someone they know at that place.",)
    return Table("victims", "T4 Victims", "Views of victims: experience of crime at QR sites", _tidy(joined, "wording"), notes)


def _surveys_table(frame: pd.DataFrame, min_cell: int) -> Table:
    rows = []
    for (channel, quarter), part in frame.groupby(["channel", "quarter"], sort=True):
        young = queries.is_young(part, 24)
        rows.append({"channel": channel, "quarter": quarter, "responses": len(part),
                     "aged_under_25": int((young == True).sum()),  # noqa: E712  (None means not stated)
                     "with_free_text": int(part["text"].notna().sum()),
                     "first_response": part["submitted_at"].min(), "last_response": part["submitted_at"].max()})
    table = pd.DataFrame(rows)
    if not table.empty:
        for column in ("aged_under_25", "with_free_text"):
            table[column] = table[column].where((table[column] == 0) | (table[column] >= min_cell))
    return Table("surveys", "T5 Surveys", "Other local surveys: responses by channel and quarter", table)


def _tidy(table: pd.DataFrame, first: str) -> pd.DataFrame:
    """Readable column order: question/channel/answer first, figures after."""
    order = [c for c in (first, "question", "group", "category", "label", "n", "base_n", "pct", "ci_low", "ci_high",
                         "weighted_pct", "weighted_ci_low", "weighted_ci_high", "effective_n", "ppi_pct", "ppi_ci_low", "ppi_ci_high",
                         "ppi_label", "suppressed", "suppression")
             if c in table.columns]
    out = table[list(dict.fromkeys(order))].rename(columns={"group": "channel", "category": "answer"})
    if first == "label":
        out = out.rename(columns={"answer": "topic_code", "label": "topic"})
    return out.reset_index(drop=True)


def _topic_labels() -> dict[str, str]:
    import nlp

    return {topic.id: topic.label for topic in nlp.load_codeframe().topics}


def _facts(frame: pd.DataFrame, named: pd.DataFrame, safety: pd.DataFrame, topics: pd.DataFrame,
           profile: pd.DataFrame, gaps: pd.DataFrame, names: dict[str, str]) -> dict[str, Any]:
    """The figures the narrative quotes, each with its base."""
    facts: dict[str, Any] = {"channels": {names.get(k, k): int(n) for k, n in frame.groupby("source").size().items()}}
    css = frame[frame["source"] == "css"]
    if len(css):
        over25 = [b for b in css["age_band"].dropna().unique() if b != queries.NOT_STATED and not b.startswith("16-")]
        facts["css_over_25"] = queries.stated_share(css, "age_band", over25)
        facts["css_white_british"] = queries.stated_share(css, "ethnicity", ["13"])
        facts["css_female"] = queries.stated_share(css, "sex", ["female"])
        facts["css_n"] = len(css)
    facts["safety"] = safety.to_dict(orient="records")
    facts["top_topics"] = {channel: part.head(3).to_dict(orient="records") for channel, part in topics.groupby("group")}
    facts["gaps"] = gaps.to_dict(orient="records")
    shout = frame[frame["source"] == "shout"]
    facts["shout_n"] = len(shout)
    return facts
