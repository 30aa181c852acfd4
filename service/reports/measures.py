"""The tables briefings and the SNA export share: profile against Census, feelings of safety, topics.

Each function takes the frame of :func:`service.reports.queries.load_snapshot` and returns a
long DataFrame already suppressed (:mod:`service.reports.suppression`), so a page, a workbook
and a narrative that show the same table show the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

import weights
from nlp.places import PlaceFinder
from service.reports import queries
from service.reports.suppression import suppress_shares
from service.reports.text import level_name

PROFILE_VARIABLES = ("age_band", "sex", "ethnic_group", "ward")
SAFETY_LOW = 2  # on a 1-5 scale (1 very unsafe), answers 1 and 2 are "unsafe"


def profile_table(session: Session, frame: pd.DataFrame, min_cell: int, wards: Mapping[str, str],
                  names: Mapping[str, str], variables: tuple[str, ...] = PROFILE_VARIABLES,
                  youth: bool = False) -> pd.DataFrame:
    """Respondents by channel against Census 2021, per variable and level, among those stating it
    (with ``youth``, against the channel's young residents: :func:`queries.population_shares`).

    Columns: ``channel``, ``variable``, ``level``, ``label``, ``n``, ``base_n``, ``pct``,
    ``census_pct``, ``index`` (sample share / census share), ``responses_needed`` (responses
    from the group alone that would bring it to its census share, :func:`needed`),
    ``responses_needed_min`` (for a suppressed cell, the least that number can be), ``suppressed``.
    """
    parts = []
    for source, rows in frame.groupby("source", sort=True):
        census = queries.population_shares(session, source, youth)
        for variable in variables:
            if variable not in census:
                continue
            stated = rows[rows[variable].notna() & (rows[variable] != queries.NOT_STATED)]
            levels = list(census[variable])
            table = pd.DataFrame({"group": names.get(source, source), "category": levels,
                                  "n": [int((stated[variable] == lv).sum()) for lv in levels], "base_n": len(stated)})
            table["pct"] = 100 * table["n"] / table["base_n"].replace(0, np.nan)
            table["census_pct"] = [census[variable][lv] for lv in levels]
            table["index"] = table["pct"] / table["census_pct"]
            table["expected_n"] = (table["census_pct"] / 100 * table["base_n"]).round(0)
            table["responses_needed"] = [needed(n, base, pct) for n, base, pct in zip(table["n"], table["base_n"], table["census_pct"])]
            table = suppress_shares(table, min_cell)
            # A hidden count must not come back through its "responses needed": give the least it can be.
            table["responses_needed_min"] = [needed(min_cell - 1, max(base, min_cell - 1), pct) if hidden else np.nan
                                             for hidden, base, pct in zip(table["suppressed"], table["base_n"], table["census_pct"])]
            table.loc[table["suppressed"], ["index", "responses_needed"]] = np.nan
            table.insert(1, "variable", variable)
            table["label"] = [level_name(variable, lv, wards) for lv in levels]
            parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["channel", "variable", "level", "n", "base_n", "pct", "census_pct", "index",
                                     "expected_n", "responses_needed", "responses_needed_min", "suppressed", "label"])
    return pd.concat(parts, ignore_index=True).rename(columns={"group": "channel", "category": "level"})


def needed(n: int, base: int, census_pct: float) -> float:
    """Responses from the group alone that would bring it to its census share: ``(pN - n) / (1 - p)``
    rounded up (:func:`weights.responses_needed`, the one formula); NaN without a usable share."""
    if census_pct is None or any(pd.isna(v) for v in (n, base, census_pct)) or not base or not 0 <= census_pct < 100:
        return np.nan
    return float(weights.responses_needed(int(n), int(base), census_pct / 100))


def under_represented(profile: pd.DataFrame, limit: int = 6, threshold: float = 0.8) -> pd.DataFrame:
    """The groups most under-represented (index below ``threshold``), largest shortfall first."""
    hidden_short = profile["suppressed"] & (profile["expected_n"] >= 2 * profile["n"].fillna(0).clip(lower=10))
    short = profile[((profile["index"] < threshold) | hidden_short) & profile["variable"].isin(["age_band", "sex", "ethnic_group"])]
    short = short.assign(order=short["responses_needed"].fillna(short["responses_needed_min"]))
    return short.sort_values(["order", "channel"], ascending=[False, True]).head(limit).drop(columns="order")


def safety_questions(frame: pd.DataFrame, wordings: Mapping[tuple[str, str], tuple[str, str, list]]) -> list[tuple[str, str, str]]:
    """(source, question key, wording) of every "how safe" question the frame's sources asked."""
    found = []
    for (source, key), (wording, _kind, _options) in sorted(wordings.items()):
        if key.startswith("safe_") and source in set(frame["source"]) and key in frame.columns:
            found.append((source, key, wording))
    return found


def unsafe_flags(values: pd.Series) -> pd.Series:
    """"Unsafe" or "Not unsafe" for each answer (scale 1-2, or the option "Unsafe"); None when unanswered."""
    def flag(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, (int, float)):
            return "Unsafe" if value <= SAFETY_LOW else "Not unsafe"
        return "Unsafe" if str(value).lower() == "unsafe" else "Not unsafe"
    return values.map(flag)


def safety_table(frame: pd.DataFrame, wordings: Mapping, names: Mapping[str, str], min_cell: int) -> pd.DataFrame:
    """Share feeling unsafe, per channel and "how safe" question, weighted where the channel has weights."""
    rows = []
    for source, key, wording in safety_questions(frame, wordings):
        part = frame[frame["source"] == source]
        part = part.assign(flag=unsafe_flags(part[key]), channel=names.get(source, source))
        table = suppress_shares(queries.shares(part, "flag", "channel", ["Unsafe", "Not unsafe"]), min_cell)
        table = table[table["category"] == "Unsafe"].assign(source=source, question=key, wording=wording)
        rows.append(table)
    columns = ["group", "category", "n", "base_n", "pct", "weighted_pct", "weighted_ci_low", "weighted_ci_high", "suppressed",
               "source", "question", "wording"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def site_table(frame: pd.DataFrame, site_names: Mapping[str, str], min_cell: int) -> pd.DataFrame:
    """Share feeling unsafe at each QR site (scale answers of "safe_here"), unweighted: sites are places, not people."""
    if "safe_here" not in frame.columns:
        return pd.DataFrame(columns=["group", "category", "n", "base_n", "pct", "suppressed", "site"])
    part = frame[frame["site"].notna()].assign(flag=lambda f: unsafe_flags(f["safe_here"]))
    table = suppress_shares(queries.shares(part, "flag", "site", ["Unsafe", "Not unsafe"], weighted=False), min_cell)
    table = table[table["category"] == "Unsafe"].copy()
    table["site"] = table["group"].map(lambda code: site_names.get(code, code))
    return table.sort_values(["pct", "site"], ascending=[False, True], na_position="last")


def topic_table(frame: pd.DataFrame, group: str, labels: Mapping[str, str], min_cell: int, weighted: bool = True,
                session: Session | None = None, min_reviews: int = 30) -> pd.DataFrame:
    """Share of coded free-text answers mentioning each topic, per ``group`` (multi-coded).

    With ``session``, each row also carries the share corrected for coding errors
    (:func:`service.reports.topic_ppi.topic_shares`): ``ppi_pct``, ``ppi_ci_low``, ``ppi_ci_high``,
    ``ppi_label``; hidden with the rest of a suppressed cell.
    """
    coded = frame[frame["topics"].map(lambda t: isinstance(t, list) and len(t) > 0).astype(bool)]
    table = queries.shares(coded, "topics", group, weighted=weighted)
    if session is not None:
        table = _with_ppi(session, table, coded, group, weighted, min_reviews)
    table = suppress_shares(table, min_cell, multi_coded=True)
    if session is not None:
        table.loc[table["suppressed"].astype(bool), ["ppi_pct", "ppi_ci_low", "ppi_ci_high"]] = np.nan
    table["label"] = table["category"].map(lambda t: labels.get(t, t.replace("_", " ")))
    return table.sort_values(["group", "n"], ascending=[True, False], na_position="last")


def _with_ppi(session: Session, table: pd.DataFrame, coded: pd.DataFrame, group: str, weighted: bool,
              min_reviews: int) -> pd.DataFrame:
    from service.reports.topic_ppi import coded_texts, topic_shares

    found: dict[tuple[object, str], object] = {}
    for name, part in coded.groupby(group, sort=True):
        pairs = coded_texts(session, part["id"].tolist())
        texts = [t for t, _r in pairs]
        by_response = dict(zip(part["id"], part["weight"], strict=True))
        w = np.array([by_response[r] for _t, r in pairs], dtype=float) if weighted and len(part) > 1 else None
        for topic, est in topic_shares(session, texts, w, min_reviews).items():
            found[(name, topic)] = est
    keys = list(zip(table["group"], table["category"], strict=True))
    table = table.copy()
    for column, attr in (("ppi_pct", "pct"), ("ppi_ci_low", "ci_low"), ("ppi_ci_high", "ci_high")):
        table[column] = [getattr(found[k], attr) if k in found else np.nan for k in keys]
    table["ppi_label"] = [found[k].label if k in found else "" for k in keys]  # type: ignore[attr-defined]
    return table


def places_table(frame: pd.DataFrame, finder: PlaceFinder, labels: Mapping[str, str], min_cell: int) -> pd.DataFrame:
    """Places named in the (redacted) free text: comments naming each, and their most common topic.

    Only places named in at least ``min_cell`` comments are listed: a rarer place could point at
    the person who wrote about it. Columns: ``place``, ``n``, ``base_n`` (comments in the
    selection), ``pct``, ``topic`` (label of the most common topic among them, or "").
    """
    if "text" not in frame:
        return pd.DataFrame(columns=["place", "n", "base_n", "pct", "topic"])
    texts = frame[frame["text"].notna() & (frame["text"].astype(str).str.strip() != "")]
    codes = texts["topics"] if "topics" in texts else pd.Series([None] * len(texts), index=texts.index)
    named = [(finder.find(str(text)), topics) for text, topics in zip(texts["text"], codes)]
    rows = []
    counts: dict[str, int] = {}
    topic_counts: dict[str, dict[str, int]] = {}
    for places, topics in named:
        for place in places:
            counts[place] = counts.get(place, 0) + 1
            for topic in topics if isinstance(topics, (list, tuple)) else ():
                if topic != "other":
                    per = topic_counts.setdefault(place, {})
                    per[topic] = per.get(topic, 0) + 1
    base = len(texts)
    for place, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if n < min_cell:
            continue
        top = max(topic_counts.get(place, {}).items(), key=lambda item: (item[1], item[0]), default=None)
        rows.append({"place": place, "n": n, "base_n": base, "pct": 100 * n / base,
                     "topic": labels.get(top[0], top[0]) if top else ""})
    return pd.DataFrame(rows, columns=["place", "n", "base_n", "pct", "topic"])
