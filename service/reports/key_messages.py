"""Page 1 of the briefing: three to five key messages in plain words, each with its figure and base.

A police inspector reads these in the room before anything else; every figure carries its base
(n) and, when weighted, says so with its 95% interval. Suppressed cells are never quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from service.reports import measures
from service.reports.claims import Claims, change_words, difference_words, unsafe_flags_of
from service.reports.text import number, percent, share_text, weighted_text

HIGHEST = "highest-unsafe"  # the claim that one channel's "unsafe" share is above the next one's


def key_messages(session: Session, frame: pd.DataFrame, before: pd.DataFrame, names: Mapping[str, str],
                 wordings: Mapping, labels: Mapping[str, str], wards: Mapping[str, str], min_cell: int,
                 actions: Sequence[Any], claims: Claims | None = None) -> list[str]:
    """Up to five messages: who we heard, where people feel least safe, what would help, who is missing, what was done.

    ``claims`` holds the document's screened claims (:func:`add_key_claims` added this page's);
    without it a fresh set is tested here alone.
    """
    if claims is None:
        claims = Claims()
        add_key_claims(claims, frame, before, names, wordings, min_cell)
        claims.screen()
    messages = [_heard(frame, names, min_cell)]
    messages += _unsafe(frame, before, names, wordings, min_cell, claims)
    messages += _asks(frame, labels, min_cell)
    messages += _missing(session, frame, wards, names, min_cell)
    if actions:
        n_done = sum(a.status == "done" for a in actions)
        messages.append(f"You said, we did: {n_done} of {len(actions)} actions from earlier quarters are done; "
                        "the table below says what each one was.")
    return [m for m in messages if m][:5]


def _heard(frame: pd.DataFrame, names: Mapping[str, str], min_cell: int) -> str:
    counts = frame.groupby("source").size().sort_values(ascending=False)
    shown = [f"{names.get(k, k)} {number(n)}" for k, n in counts.items() if n >= min_cell]
    total = number(len(frame)) if len(frame) >= min_cell else f"fewer than {min_cell}"
    return f"We heard from {total} residents this quarter" + (f" ({'; '.join(shown)})." if shown else ".")


def _shown_safety(frame: pd.DataFrame, names: Mapping[str, str], wordings: Mapping, min_cell: int) -> pd.DataFrame:
    table = measures.safety_table(frame, wordings, names, min_cell)
    shown = table[~table["suppressed"].astype(bool)] if len(table) else table
    return shown.sort_values(["pct", "group", "question"], ascending=[False, True, True]) if len(shown) else shown


def add_key_claims(claims: Claims, frame: pd.DataFrame, before: pd.DataFrame, names: Mapping[str, str],
                   wordings: Mapping, min_cell: int) -> None:
    """The key messages' claims: the top "unsafe" share against the next channel's, and its change since last quarter."""
    from service.reports.claims import add_safety_changes

    shown = _shown_safety(frame, names, wordings, min_cell)
    if shown.empty:
        return
    top = shown.iloc[0]
    others = shown[shown["source"] != top["source"]]
    if len(others):
        runner = others.iloc[0]
        y1, w1 = unsafe_flags_of(frame, top["source"], top["question"])
        y2, w2 = unsafe_flags_of(frame, runner["source"], runner["question"])
        claims.compare(HIGHEST, y1, y2, w1, w2)
    add_safety_changes(claims, frame, before, [(top["source"], top["question"], top["wording"])])


def _unsafe(frame: pd.DataFrame, before: pd.DataFrame, names: Mapping[str, str], wordings: Mapping, min_cell: int,
            claims: Claims) -> list[str]:
    shown = _shown_safety(frame, names, wordings, min_cell)
    if shown.empty:
        return []
    top = shown.iloc[0]
    weighted = weighted_text(top.to_dict())
    answered = (f"{share_text(top.to_dict(), min_cell)} answered unsafe to \u201c{top['wording']}\u201d"
                + (f"; {weighted}" if weighted else " (not weighted)"))
    highest = claims.get(HIGHEST)
    others = shown[shown["source"] != top["source"]]
    if highest is not None and highest.survives:
        message = (f"Feeling unsafe is highest among {top['group']} respondents: {answered}; "
                   + difference_words(highest, f"{others.iloc[0]['group']} respondents"))
    elif highest is not None:
        message = (f"Feeling unsafe: among {top['group']} respondents {answered}; "
                   + difference_words(highest, f"{others.iloc[0]['group']} respondents"))
    else:
        message = f"Feeling unsafe: among {top['group']} respondents {answered}"
    change = claims.get(f"unsafe:{top['source']}:{top['question']}")
    old = measures.safety_table(before, wordings, names, min_cell) if not before.empty else None
    shown_before = old is not None and bool(((old["source"] == top["source"]) & (old["question"] == top["question"])
                                             & ~old["suppressed"].astype(bool)).any())
    if change is not None and shown_before:  # a suppressed share last quarter must not come back through the change
        message += f"; since last quarter {change_words(change)}"
    return [message + "."]


def _asks(frame: pd.DataFrame, labels: Mapping[str, str], min_cell: int) -> list[str]:
    everyone = frame.assign(everyone="all")
    table = measures.topic_table(everyone, "everyone", labels, min_cell, weighted=False)
    shown = table[~table["suppressed"].astype(bool)] if len(table) else table
    if shown.empty:
        return []
    top = shown.sort_values("n", ascending=False).head(2)
    parts = [f"{r['label'].lower()}, {share_text(r.to_dict(), min_cell)}" for _, r in top.iterrows()]
    return ["What would make people feel safer, most often: " + "; then ".join(parts)
            + " of those who wrote an answer (all channels together, unweighted)."]


def _missing(session: Session, frame: pd.DataFrame, wards: Mapping[str, str], names: Mapping[str, str],
             min_cell: int) -> list[str]:
    profile = measures.profile_table(session, frame, min_cell, wards, names, ("age_band", "sex", "ethnic_group"))
    short = measures.under_represented(profile, limit=1)
    if short.empty:
        return []
    r = short.iloc[0]
    heard = (f"fewer than {min_cell} of {number(r['base_n'])}" if bool(r["suppressed"])
             else f"{percent(r['pct'])} ({number(r['n'])} of {number(r['base_n'])})")
    return [f"We are not hearing enough from {r['label']} ({r['channel']}): {heard} of respondents, against "
            f"{percent(r['census_pct'])} of residents (Census 2021)."]
