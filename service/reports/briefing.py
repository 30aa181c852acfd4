"""The quarterly briefing for the police-led community meetings (Havering strategy, Objective 5).

Who we heard from; how safe people feel and where not; what would make them feel safer (young
people beside adults); a few redacted quotes; "you said, we did"; and a methods box. Built as a
:class:`~service.reports.document.Document` so HTML, PDF and DOCX say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from nlp.places import PlaceFinder, borough_places
from service.config import Config
from service.pipeline.periods import previous_quarter, quarter_bounds
from service.reports import measures, queries
from service.reports.agreement import findings_coder_sentence, measure_model_agreement
from service.reports.claims import Claims, add_safety_changes, add_site_changes, change_words
from service.reports.dashboard import ward_names
from service.reports.document import Block, Document
from service.reports.figures import Bar, bar_chart
from service.reports.labels import ACTION_STATUSES
from service.reports.suppression import SECONDARY
from service.reports.text import (
    SYNTHETIC_NOTE,
    VARIABLE_NAMES,
    number,
    percent,
    ppi_text,
    share_text,
    weighted_text,
)
from service.store.models import Action, Site


@dataclass(frozen=True)
class BriefingRequest:
    """What to brief on: a quarter (``2024Q1``), optionally one ward (code) and a youth focus."""

    quarter: str
    ward: str | None = None
    youth: bool = False


def briefing_snapshot(session: Session, config: Config, request: BriefingRequest, quarter: str) -> queries.Snapshot:
    """The responses a briefing reads for ``quarter``: by ward (home or QR site) and youth when asked."""
    start, end = quarter_bounds(quarter)
    snap = queries.load_snapshot(session, None, start, end)
    frame = snap.frame
    if request.ward:
        site_wards = dict(session.execute(select(Site.code, Site.ward)).all())
        frame = frame[(frame["ward"] == request.ward) | (frame["site"].map(site_wards) == request.ward)]
    if request.youth:
        frame = frame[queries.is_young(frame, config.reports.youth_max_age) == True]  # noqa: E712
    return queries.Snapshot(frame.reset_index(drop=True), snap.weighting_runs, snap.topics_run, snap.snapshot_at,
                            snap.fingerprint + ("|" + request.ward if request.ward else "") + ("|youth" if request.youth else ""), snap.unweighted)


def build_briefing(session: Session, config: Config, request: BriefingRequest) -> tuple[Document, queries.Snapshot]:
    """The briefing document and the snapshot it read (for the archive fingerprint)."""
    from service.store.reads import has_synthetic

    snap = briefing_snapshot(session, config, request, request.quarter)
    before = briefing_snapshot(session, config, request, previous_quarter(request.quarter)).frame
    wards = ward_names(config.app.borough)
    names, wordings = queries.source_names(session), queries.question_wordings(session)
    focus = " - ".join(x for x in (wards.get(request.ward, request.ward) if request.ward else "",
                                   "young people's focus" if request.youth else "") if x)
    doc = Document(f"Community safety briefing, {request.quarter}" + (f": {focus}" if focus else ""),
                   f"{config.app.council_name} - for the police-led community meeting. What residents told us this quarter.")
    if has_synthetic(session):
        doc.add("note", SYNTHETIC_NOTE)
    frame, min_cell = snap.frame, config.reports.min_cell
    actions = briefing_actions(session, request)
    # Page 1 is for the room: the key messages, then "you said, we did"; the detail follows.
    doc.add("heading", "Key messages")
    if frame.empty:
        doc.add("paragraph", f"No responses were received for {request.quarter} with these choices.")
    claims = _claims(frame, before, names, wordings, min_cell)
    if not frame.empty:
        from service.reports.key_messages import key_messages
        from service.reports.sna import _topic_labels

        doc.add("bullets", items=tuple(key_messages(session, frame, before, names, wordings, _topic_labels(), wards,
                                                    min_cell, actions, claims)))
    _actions(doc, request, actions)
    if not frame.empty:
        _who(doc, session, frame, names, wards, min_cell, bool(request.ward), request.youth)
        _safety(doc, session, frame, before, names, wordings, min_cell, claims)
        _places(doc, frame, place_finder(session, config, wards), min_cell)
        _topics(doc, frame, names, config, session)
        _quotes(doc, frame, names, config)
        _next_quarter(doc, session, {k: names.get(k, k) for k in sorted(set(frame["source"]))}, wards, config)
    agreement = measure_model_agreement(session, config.analysis.min_audit_reviews).sentence
    _methods(doc, min_cell, findings_coder_sentence(session, config.nlp.findings_coder, config.analysis.min_audit_reviews))
    _appendix(doc, snap, names, min_cell, agreement)
    return doc, snap


def fingerprint_extra(session: Session, request: BriefingRequest, snap: queries.Snapshot) -> str:
    """What a briefing shows beyond the responses: its actions (as they read now) and the topic model's versions."""
    actions = ";".join(f"{a.id}:{a.quarter}:{a.status}:{a.you_said}:{a.we_did}:{a.ward}" for a in briefing_actions(session, request))
    topics = snap.topics_run or {}
    return f"actions={actions}|codeframe={topics.get('codeframe_version')}|model={topics.get('model_version')}"


def _count(n: int, min_cell: int) -> str:
    """A count, or "fewer than 10" when it is small enough to point at people."""
    return number(n) if n >= min_cell else f"fewer than {min_cell}"


def _heard(row: Any, min_cell: int) -> str:
    """``24% of respondents (79 of 328)``, or ``fewer than 10 of 398 respondents`` for a suppressed cell."""
    if row.suppressed and getattr(row, "suppression", "") == SECONDARY:
        return f"a suppressed number of the {number(row.base_n)} respondents"
    if row.suppressed:
        return f"fewer than {min_cell} of {number(row.base_n)} respondents"
    return f"{percent(row.pct)} of respondents ({number(row.n)} of {number(row.base_n)})"


def _more(row: Any) -> str:
    """``about 12 more responses`` (or ``at least 12`` where the group's count is suppressed)."""
    if row.responses_needed == row.responses_needed:
        return f"{number(row.responses_needed)} more responses"
    return f"at least {number(row.responses_needed_min)} more responses"


def _who(doc: Document, session: Session, frame: pd.DataFrame, names: dict, wards: dict, min_cell: int, is_ward: bool,
         youth: bool = False) -> None:
    doc.add("heading", "Who we heard from")
    counts = frame.groupby("source").size()
    doc.add("paragraph", f"{_count(len(frame), min_cell)} responses this quarter: " + "; ".join(
        f"{names.get(k, k)} {_count(n, min_cell)}" for k, n in counts.items()) + ".")
    # A youth briefing compares young respondents with the channel's young residents (e.g. the survey's 16-24).
    profile = measures.profile_table(session, frame, min_cell, wards, names, ("age_band", "sex", "ethnic_group"), youth)
    rows = tuple((f"{VARIABLE_NAMES[r.variable]}: {r.label}", r.channel, share_text({"pct": r.pct, "n": r.n, "base_n": r.base_n,
                  "suppressed": r.suppressed, "suppression": r.suppression}, min_cell), percent(r.census_pct)) for r in profile.itertuples())
    short = measures.under_represented(profile, limit=4)
    caveat = [f"{r.label} ({r.channel}): {_heard(r, min_cell)} against {percent(r.census_pct)} of residents; {_more(r)} "
              "from this group alone would bring it to its Census share." for r in short.itertuples()]
    doc.add("paragraph", "These are the people who chose to answer, not a random sample. They do not mirror the borough: "
            + ("the groups furthest from their Census share are listed below." if caveat else "no group is far from its Census share.")
            + (" Census shares are for the whole borough, not this ward." if is_ward else ""))
    if caveat:
        doc.add("bullets", items=tuple(caveat))
    populations = queries.population_texts(session, youth)
    compared = [f"{names.get(k, k)} with {populations[k]['text']}" for k in counts.index if k in populations]
    if compared:
        doc.add("paragraph", "Each channel is compared with the residents it speaks for: " + "; ".join(compared) + "."
                + (" Ethnic group shares are for residents of all ages: the census has no ethnic group table by age."
                   if any("ethnic_group" in (populations[k].get("coverage") or {}) for k in counts.index if k in populations)
                   else ""))
    doc.add("table", "Respondents against Census 2021 (among those who stated it)",
            header=("Group", "Channel", "Respondents", "Residents"), rows=rows[:24])


def _claims(frame: pd.DataFrame, before: pd.DataFrame, names: dict, wordings: dict, min_cell: int) -> Claims:
    """Every change and difference the briefing words, tested and screened together (Benjamini-Hochberg)."""
    from service.reports.key_messages import add_key_claims

    claims = Claims()
    if not frame.empty:
        add_key_claims(claims, frame, before, names, wordings, min_cell)
        add_safety_changes(claims, frame, before, measures.safety_questions(frame, wordings))
        if "site" in frame:
            add_site_changes(claims, frame, before, sorted(frame["site"].dropna().unique()))
    claims.screen()
    return claims


def _safety(doc: Document, session: Session, frame: pd.DataFrame, before: pd.DataFrame, names: dict, wordings: dict,
            min_cell: int, claims: Claims) -> None:
    doc.add("heading", "How safe people feel, and where they do not")
    now = measures.safety_table(frame, wordings, names, min_cell)
    prev = measures.safety_table(before, wordings, names, min_cell) if not before.empty else now.iloc[0:0]
    prev_pct = {(r.source, r.question): r.pct for r in prev.itertuples()}
    rows, bars = [], []
    for r in now.itertuples():
        old = prev_pct.get((r.source, r.question))
        change = ("no figure last quarter" if old is None or old != old or r.suppressed
                  else change_words(claims.get(f"unsafe:{r.source}:{r.question}")))
        rows.append((r.wording, r.group, share_text(r._asdict(), min_cell), weighted_text(r._asdict()) or "not weighted", change))
        bars.append(Bar(f"{r.group}: {r.question.replace('safe_', '').replace('_', ' ')}", "weighted" if r.weighted_pct == r.weighted_pct else "unweighted",
                        None if r.suppressed else (r.weighted_pct if r.weighted_pct == r.weighted_pct else r.pct),
                        r.weighted_ci_low if r.weighted_pct == r.weighted_pct else None, r.weighted_ci_high if r.weighted_pct == r.weighted_pct else None))
    if bars:
        svg, png = bar_chart(bars, "Share feeling unsafe, with 95% intervals")
        doc.add("figure", "Share feeling unsafe (answers 1-2 of 5, or 'Unsafe'); weighted where the channel has weights.", svg=svg, png=png)
    doc.add("table", "Feeling unsafe, by question", header=("Question", "Channel", "Unsafe", "Weighted", "Since last quarter"),
            rows=tuple(rows))
    sites = measures.site_table(frame, dict(session.execute(select(Site.code, Site.name)).all()), min_cell)
    if len(sites):
        before_sites = measures.site_table(before, {}, min_cell) if not before.empty else sites.iloc[0:0]
        old = {r.group: r.pct for r in before_sites.itertuples()}
        doc.add("table", "Feeling unsafe at QR-code sites (unweighted)", header=("Site", "Unsafe here", "Since last quarter"),
                rows=tuple((r.site, share_text(r._asdict(), min_cell),
                            "no figure last quarter" if r.suppressed or old.get(r.group) != old.get(r.group) or r.group not in old
                            else change_words(claims.get(f"site:{r.group}"))) for r in sites.head(8).itertuples()))
    doc.add("paragraph", claims.rule)


def place_finder(session: Session, config: Config, wards: dict[str, str]) -> PlaceFinder:
    """The borough's places, its wards and its QR sites (without the bracketed detail of a bus route)."""
    extra: dict[str, tuple[str, ...]] = {name: () for name in wards.values()}
    for name in session.scalars(select(Site.name)):
        extra.setdefault(re.sub(r"\s*\(.*\)\s*$", "", name).strip() or name, ())
    return PlaceFinder(borough_places(config.app.borough, extra))


def _places(doc: Document, frame: pd.DataFrame, finder: PlaceFinder, min_cell: int) -> None:
    from service.reports.sna import _topic_labels

    table = measures.places_table(frame, finder, _topic_labels(), min_cell)
    if table.empty:
        doc.add("paragraph", f"No place was named in {min_cell} or more free-text answers this quarter.")
        return
    doc.add("table", "Places named in free-text answers (redacted text; a comment can name several)",
            header=("Place", "Comments naming it", "Most common topic in them"),
            rows=tuple((r.place, share_text(r._asdict(), min_cell), r.topic or "-") for r in table.head(8).itertuples()))
    doc.add("paragraph", f"Places named in fewer than {min_cell} comments are not listed. Wards, QR sites and the "
            "borough's towns, stations and parks are recognised; streets are removed by redaction.")


def _topics(doc: Document, frame: pd.DataFrame, names: dict, config: Config, session: Session) -> None:
    from service.reports.sna import _topic_labels

    min_cell, labels = config.reports.min_cell, _topic_labels()
    doc.add("heading", "What would make people feel safer")
    named = frame.assign(channel=frame["source"].map(lambda k: names.get(k, k)))
    table = measures.topic_table(named, "channel", labels, min_cell, session=session,
                                 min_reviews=config.analysis.min_audit_reviews)
    rows = []
    for channel, part in table.groupby("group"):
        for r in part.head(4).itertuples():
            rows.append((r.label, channel, share_text(r._asdict(), min_cell), ppi_text(r._asdict()) or "-",
                         weighted_text(r._asdict()) or "not weighted"))
    doc.add("table", "Top topics in free-text answers, by channel (share of those who wrote an answer)",
            header=("Topic", "Channel", "Mentioned by", "Allowing for coding errors", "Weighted"), rows=tuple(rows))
    young = queries.is_young(named, config.reports.youth_max_age)
    ages = named.assign(age_group=young.map({True: "Young people (under 25)", False: "Adults (25 and over)"}))
    ages = ages[ages["age_group"].notna()]
    compare = measures.topic_table(ages, "age_group", labels, min_cell, weighted=False)
    top = list(dict.fromkeys(compare.sort_values("n", ascending=False)["label"]))[:6]
    pivot = {(r.group, r.label): r._asdict() for r in compare.itertuples()}
    groups = sorted(compare["group"].unique(), reverse=True)
    if top and groups:
        doc.add("table", "Young people beside adults (all channels together, unweighted)", header=("Topic", *groups),
                rows=tuple((label, *(share_text(pivot.get((g, label), {"pct": None}), min_cell) for g in groups)) for label in top))
        bars = [Bar(label, g, pivot[(g, label)]["pct"] if (g, label) in pivot and not pivot[(g, label)]["suppressed"] else None,
                    pivot.get((g, label), {}).get("ci_low"), pivot.get((g, label), {}).get("ci_high")) for label in top for g in groups]
        svg, png = bar_chart(bars, "Topics mentioned: young people and adults (95% intervals)")
        doc.add("figure", "Share of free-text answers mentioning each topic, by age group (unweighted).", svg=svg, png=png)


def _quotes(doc: Document, frame: pd.DataFrame, names: dict, config: Config) -> None:
    import nlp

    min_cell = config.reports.min_cell
    ward_sizes = frame["ward"].value_counts()
    # A redaction mark ("[name]", "[phone]") means the answer held personal details, and a text the
    # redactor was unsure about may still hold one: never quote either, nor a flagged text.
    uncertain = frame["is_uncertain"].astype(bool) if "is_uncertain" in frame else pd.Series(False, index=frame.index)
    # A text the disclosure detector has not read yet (stored in bulk) may still be flagged: not quoted either.
    pending = frame["is_model_pending"].astype(bool) if "is_model_pending" in frame else pd.Series(False, index=frame.index)
    safe = frame[frame["text"].notna() & ~frame["is_flagged"].astype(bool) & ~uncertain & ~pending
                 & ~frame["text"].fillna("").str.contains("[", regex=False)
                 & frame["ward"].map(lambda w: w in (None, queries.NOT_STATED) or ward_sizes.get(w, 0) >= min_cell)]
    safe = safe.assign(redacted_text=safe["text"])
    chosen: list[str] = []
    counts = pd.Series([t for row in safe["topics"].dropna() for t in row]).value_counts()
    for topic in counts.index[: config.reports.max_quotes]:
        for quote in nlp.choose_exemplars(safe, topic, n=1, random_state=7):
            if quote not in chosen:
                chosen.append(quote)
    if not chosen:
        return
    young = queries.is_young(safe, config.reports.youth_max_age)
    who = {text: f"{names.get(s, s)}, {'young person' if y else 'adult' if y is False else 'age not stated'}"
           for text, s, y in zip(safe["text"], safe["source"], young)}
    doc.add("heading", "In their words")
    doc.add("bullets", items=tuple(f"\u201c{q}\u201d ({who.get(q, '')})" for q in chosen))
    doc.add("paragraph", "Quotes are redacted, never from answers flagged for safeguarding or whose redaction is "
            f"uncertain, and never from a ward with fewer than {min_cell} respondents this quarter.")


def _next_quarter(doc: Document, session: Session, sources: dict[str, str], wards: dict[str, str], config: Config) -> None:
    """The "next quarter" box: the top places to go (:mod:`service.reports.where_next`), borough-wide."""
    from service.reports.where_next import briefing_lines

    lines = briefing_lines(session, sources, wards, config.reports.where_next_min_base)
    text = ("Ranked on all periods: wards with no open QR site and nobody heard first, then places with too few "
            "responses to tell, then places where the groups we are missing are least reached.")
    items = tuple(lines) or ("Every ward has been heard from and no group is under-represented by the rule.",)
    doc.blocks.append(Block("box", "Next quarter: where to go (borough-wide)",
                            children=(Block("paragraph", text), Block("bullets", items=items))))


def briefing_actions(session: Session, request: BriefingRequest) -> list[Action]:
    """The actions a briefing reports: last quarter's, and earlier ones not yet done (the ward's and borough-wide)."""
    previous = previous_quarter(request.quarter)
    query = select(Action).where((Action.quarter == previous) | ((Action.quarter < request.quarter) & (Action.status != "done")))
    if request.ward:
        query = query.where((Action.ward == request.ward) | Action.ward.is_(None))
    return list(session.scalars(query.order_by(Action.quarter, Action.id)))


def _actions(doc: Document, request: BriefingRequest, actions: list[Action]) -> None:
    doc.add("heading", "You said, we did")
    if not actions:
        doc.add("paragraph", f"No actions were recorded against {previous_quarter(request.quarter)} or still open. Record "
                             "them on the staff pages (Briefings > Actions) so the next briefing shows them.")
        return
    doc.add("table", "", header=("Raised", "You said", "We did", "Status"),
            rows=tuple((a.quarter, a.you_said, a.we_did or "-", ACTION_STATUSES.get(a.status, a.status)) for a in actions))


def _methods(doc: Document, min_cell: int, coder: str) -> None:
    """How to read the figures, in plain English (the technical detail is in the appendix).

    ``coder`` says which coder's topics fed the findings and how well it agreed with reviewers.
    """
    items = (
        "These are the views of residents who chose to answer our surveys and QR-code posters. They are not a random "
        "sample, so they show what those people said, not what everyone in the borough thinks.",
        "Where a figure says “weighted”, we adjusted the answers so that age, sex and ethnic group match the "
        "residents the channel speaks for (for example residents aged 11 to 18 for the youth survey) in the 2021 Census. "
        "The range after it (95% interval) shows how far the true figure could reasonably be from ours. Where too few "
        "people answered to stand for a group, or a channel's respondents may not live in the borough, figures are not "
        "weighted and the appendix says why.",
        "Every percentage says how many people it is out of. Groups smaller than "
        f"{min_cell} are hidden so that nobody can be recognised.",
        "Quotes are edited to remove names, phone numbers and addresses, and never come from comments that may "
        "disclose harm or where the editing may have missed a personal detail.",
        coder,
    )
    doc.blocks.append(Block("box", "How to read this briefing", children=(Block("bullets", items=items),)))


def _appendix(doc: Document, snap: queries.Snapshot, names: dict, min_cell: int, agreement: str) -> None:
    """The technical detail an analyst checks: sources and dates, weighting runs, the topic model, the snapshot."""
    frame = snap.frame
    sources = [f"{names.get(k, k)}: {_count(len(p), min_cell)} responses, {p['submitted_at'].min():%d %b %Y} to {p['submitted_at'].max():%d %b %Y}"
               for k, p in frame.groupby("source")] if len(frame) else ["none"]
    runs = [f"run {r['id']} ({names.get(r['source'], r['source'])} {r['period']}: {r['method']} on "
            f"{', '.join(VARIABLE_NAMES.get(v, v).lower() for v in r['variables'])} to {r.get('population_text') or 'Census 2021'}, "
            f"design effect {r['design_effect']:.2f}, effective n {r.get('effective_n') or 0:,.0f})"
            for r in snap.weighting_runs.values() if r["source"] in set(frame["source"]) and r.get("design_effect")]
    topics = snap.topics_run
    unweighted = [f"{names.get(k.split('|')[0], k.split('|')[0])} {k.split('|')[1]}: {reason.removeprefix('not weighted: ')}"
                  for k, reason in snap.unweighted.items()]
    items = (
        "Sources: " + "; ".join(sources) + ".",
        ("Not weighted: " + " ".join(unweighted)) if unweighted else "",
        "Weighting: " + ("; ".join(runs) if runs else "none") + ". Weights come from bounded raking to each channel's "
        "target population (every weight at most the configured multiple of the mean, the margins still met). Weighted shares use the stored weights of each respondent's own period; 95% intervals "
        "are logit intervals on the linearised standard error (weights.estimate_share), as on the dashboard and in the SNA export.",
        f"Topics: codeframe version {topics['codeframe_version']}, model {topics['model_version']} (run {topics['id']}); "
        "reviewers' corrections replace the model's codes." if topics else "Topics: no topics run yet.",
        agreement,
        f"Counts below {min_cell} are suppressed, with a second cell where needed so they cannot be worked out from totals.",
        f"Data snapshot {snap.snapshot_at:%d %b %Y %H:%M} UTC; input fingerprint {snap.fingerprint[:16]}." if snap.snapshot_at else "",
    )
    doc.add("heading", "Appendix: technical detail")
    doc.add("bullets", items=tuple(i for i in items if i))
