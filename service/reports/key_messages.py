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
from service.reports.text import number, percent, share_text, weighted_text


def key_messages(session: Session, frame: pd.DataFrame, before: pd.DataFrame, names: Mapping[str, str],
                 wordings: Mapping, labels: Mapping[str, str], wards: Mapping[str, str], min_cell: int,
                 actions: Sequence[Any]) -> list[str]:
    """Up to five messages: who we heard, where people feel least safe, what would help, who is missing, what was done."""
    messages = [_heard(frame, names, min_cell)]
    messages += _unsafe(frame, before, names, wordings, min_cell)
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


def _unsafe(frame: pd.DataFrame, before: pd.DataFrame, names: Mapping[str, str], wordings: Mapping,
            min_cell: int) -> list[str]:
    table = measures.safety_table(frame, wordings, names, min_cell)
    shown = table[~table["suppressed"].astype(bool)] if len(table) else table
    if shown.empty:
        return []
    top = shown.sort_values("pct", ascending=False).iloc[0]
    weighted = weighted_text(top.to_dict())
    message = (f"Feeling unsafe is highest among {top['group']} respondents: {share_text(top.to_dict(), min_cell)} "
               f"answered unsafe to \u201c{top['wording']}\u201d" + (f"; {weighted}" if weighted else " (not weighted)"))
    if not before.empty:
        old = measures.safety_table(before, wordings, names, min_cell)
        match = old[(old["source"] == top["source"]) & (old["question"] == top["question"]) & ~old["suppressed"].astype(bool)]
        if len(match):
            message += f"; last quarter {percent(match.iloc[0]['pct'])} (of {number(match.iloc[0]['base_n'])})"
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
            + " of those who wrote an answer (unweighted)."]


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
