"""Turn coded answers into findings: topic shares with confidence intervals, comparisons, sentences.

Methods
-------
* Every share comes from :func:`weights.estimate_share`: Wilson score interval unweighted; weighted,
  the ratio estimator with a design-based linearised standard error (each group a domain of the
  whole design) and R ``svyciprop``'s logit interval, which stays inside [0, 1].
  ``effective_n`` is Kish's ``(sum w)^2 / sum(w^2)`` over the group.
* Comparisons: two-proportion z-test with pooled variance; for weighted shares the Kish
  effective sizes stand in for n.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from weights import estimate_share

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicShare:
    """Share of answers in one group mentioning one topic."""

    group: str
    topic: str
    n_base: int
    n_mentioning: int
    share: float
    ci_low: float
    ci_high: float
    weighted_share: float | None
    weighted_ci_low: float | None
    weighted_ci_high: float | None
    effective_n: float | None


@dataclass(frozen=True)
class TopicSummary:
    """All topic shares, by group (``"all"`` when no group column was given)."""

    shares: tuple[TopicShare, ...]
    group_column: str | None
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        """One row per (group, topic)."""
        return pd.DataFrame([asdict(share) for share in self.shares])

    def top(self, group: str, *, weighted: bool = False) -> TopicShare | None:
        """The most mentioned topic in ``group`` (ties broken by topic id); None if the group is empty."""
        rows = [s for s in self.shares if s.group == group and s.n_base > 0]
        if not rows:
            return None
        return _most_mentioned(rows, weighted)


@dataclass(frozen=True)
class ShareComparison:
    """Difference between two shares with a two-proportion z-test."""

    topic: str
    first: str
    second: str
    share_first: float
    share_second: float
    n_first: float
    n_second: float
    difference: float
    z: float
    p_value: float
    is_significant: bool


def summarise_topics(
    frame: pd.DataFrame,
    *,
    topics: Sequence[str] | None = None,
    group_column: str | None = None,
    topic_column: str = "topics",
    weight_column: str | None = "weight",
    confidence: float = 0.95,
) -> TopicSummary:
    """Share of answers mentioning each topic, overall or per group, with confidence intervals.

    Parameters
    ----------
    frame : DataFrame
        One row per answer; ``topic_column`` holds a list (or tuple) of topic ids.
    topics : sequence of str, optional
        Topics to report (default: every topic that occurs).
    group_column : str, optional
        Column to split by (e.g. ``voice``, ``age_band``, ``ward``); missing values form no group.
    weight_column : str or None
        Weights for weighted shares; ignored when the column is absent.
    confidence : float
        Confidence level of the intervals.
    """
    _require_column(frame, topic_column, "summarise_topics")
    labels = frame[topic_column].map(_as_list)
    chosen = sorted(topics if topics is not None else {t for row in labels for t in row})
    weights = frame[weight_column].astype(float) if weight_column and weight_column in frame else None
    if group_column is not None:
        _require_column(frame, group_column, "summarise_topics")
        groups = [(str(key), (frame[group_column] == key).to_numpy()) for key in sorted(frame[group_column].dropna().unique(), key=str)]
    else:
        groups = [("all", np.ones(len(frame), dtype=bool))]
    shares = []
    w = weights.to_numpy() if weights is not None else None
    mentions = {topic: labels.map(lambda row, t=topic: t in row).to_numpy(dtype=float) for topic in chosen}
    for name, in_group in groups:
        for topic in chosen:
            shares.append(_share(name, topic, mentions[topic], in_group, w, confidence))
    return TopicSummary(tuple(shares), group_column, confidence)


def compare_shares(
    topic: str, first: str, share_first: float, n_first: float, second: str, share_second: float, n_second: float,
    *, alpha: float = 0.05,
) -> ShareComparison:
    """Two-proportion z-test (pooled) between two independent shares."""
    if n_first <= 0 or n_second <= 0:
        return ShareComparison(topic, first, second, share_first, share_second, n_first, n_second,
                               share_first - share_second, float("nan"), float("nan"), False)
    pooled = (share_first * n_first + share_second * n_second) / (n_first + n_second)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_first + 1 / n_second))
    diff = share_first - share_second
    z = diff / se if se > 0 else 0.0
    p = float(2 * norm.sf(abs(z)))
    return ShareComparison(topic, first, second, share_first, share_second, n_first, n_second, diff, z, p, p < alpha)


def compare_groups(summary: TopicSummary, topic: str, first: str, second: str, *, weighted: bool = False,
                   alpha: float = 0.05) -> ShareComparison:
    """Compare one topic's share between two groups of a :class:`TopicSummary`."""
    a, b = _find(summary, first, topic), _find(summary, second, topic)
    if weighted:
        return compare_shares(topic, first, a.weighted_share or 0.0, a.effective_n or 0.0,
                              second, b.weighted_share or 0.0, b.effective_n or 0.0, alpha=alpha)
    return compare_shares(topic, first, a.share, a.n_base, second, b.share, b.n_base, alpha=alpha)


def compare_periods(current: TopicSummary, previous: TopicSummary, *, group: str = "all",
                    weighted: bool = False, alpha: float = 0.05) -> tuple[ShareComparison, ...]:
    """Change in each topic's share in ``group`` from the previous period to the current one."""
    topics = sorted({s.topic for s in current.shares if s.group == group} & {s.topic for s in previous.shares if s.group == group})
    results = []
    for topic in topics:
        now, before = _find(current, group, topic), _find(previous, group, topic)
        if weighted:
            results.append(compare_shares(topic, "current", now.weighted_share or 0.0, now.effective_n or 0.0,
                                          "previous", before.weighted_share or 0.0, before.effective_n or 0.0, alpha=alpha))
        else:
            results.append(compare_shares(topic, "current", now.share, now.n_base, "previous", before.share,
                                          before.n_base, alpha=alpha))
    return tuple(results)


def describe_findings(
    summary: TopicSummary,
    *,
    label: Callable[[str], str],
    group_names: Mapping[str, str] | None = None,
    weighted: bool = False,
    exclude: Sequence[str] = ("other",),
) -> list[str]:
    """Plain-English sentences naming each group's most mentioned topic with its share and base.

    ``label`` maps a topic id to words (e.g. ``codeframe.label``); ``group_names`` maps group
    values to nouns ("young" to "Young people"). Gives one sentence joining all groups.
    """
    names = dict(group_names or {})
    parts = []
    for group in dict.fromkeys(s.group for s in summary.shares):
        rows = [s for s in summary.shares if s.group == group and s.topic not in exclude and s.n_base > 0]
        if not rows:
            continue
        best = _most_mentioned(rows, weighted)
        value = best.weighted_share if weighted and best.weighted_share is not None else best.share
        who = names.get(group, "Respondents" if group == "all" else str(group))
        parts.append(f"{who} most often mentioned {label(best.topic).lower()} ({value:.0%}, n={best.n_base})")
    if not parts:
        return []
    sentence = "; ".join([parts[0]] + [part[0].lower() + part[1:] for part in parts[1:]])
    return [sentence[0].upper() + sentence[1:] + "."]


def choose_exemplars(
    frame: pd.DataFrame,
    topic: str,
    *,
    text_column: str = "redacted_text",
    flag_column: str = "is_flagged",
    topic_column: str = "topics",
    n: int = 3,
    random_state: int = 0,
) -> list[str]:
    """Pick up to ``n`` quotes for ``topic`` from answers not flagged for safeguarding.

    The caller supplies already-redacted text. Quotes of 20-300 characters are preferred; the
    choice is random but repeatable with the same seed.
    """
    for column in (text_column, flag_column, topic_column):
        _require_column(frame, column, "choose_exemplars")
    mask = frame[topic_column].map(lambda row: topic in _as_list(row)) & ~frame[flag_column].astype(bool)
    texts = frame.loc[mask, text_column].dropna().astype(str).str.strip()
    texts = texts[texts.str.len() > 0].drop_duplicates()
    preferred = texts[texts.str.len().between(20, 300)]
    pool = preferred if len(preferred) >= n else texts
    return pool.sample(n=min(n, len(pool)), random_state=random_state).tolist() if len(pool) else []


def _share(group: str, topic: str, mentions: np.ndarray, in_group: np.ndarray, weights: np.ndarray | None,
           confidence: float) -> TopicShare:
    """One topic's share in one group from :func:`weights.estimate_share` (one estimator for every share).

    The group is a domain of the whole design: answers outside it are "not in the base" rather than
    dropped, so the weighted standard error is the design-based domain one.
    """
    y = np.where(in_group, mentions, np.nan)
    plain = estimate_share(y, level=confidence)
    share = plain.estimate if plain.n else 0.0
    if weights is None or plain.n == 0 or not np.isfinite(weights).all() or weights[in_group].sum() <= 0:
        return TopicShare(group, topic, plain.n, plain.n_positive, share, plain.lower, plain.upper,
                          None, None, None, None)
    weighted = estimate_share(y, weights, level=confidence)
    kish = float(weights[in_group].sum() ** 2 / np.sum(weights[in_group] ** 2))
    return TopicShare(group, topic, plain.n, plain.n_positive, share, plain.lower, plain.upper,
                      weighted.estimate, weighted.lower, weighted.upper, kish)


def _most_mentioned(rows: list[TopicShare], weighted: bool) -> TopicShare:
    return sorted(rows, key=lambda s: (-((s.weighted_share or 0.0) if weighted else s.share), s.topic))[0]


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [part for part in value.split(";") if part]
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return [str(part) for part in value]
    return []


def _find(summary: TopicSummary, group: str, topic: str) -> TopicShare:
    for share in summary.shares:
        if share.group == group and share.topic == topic:
            return share
    raise KeyError(f"no share for group {group!r} and topic {topic!r} in this summary; "
                   f"groups: {sorted({s.group for s in summary.shares})}")


def _require_column(frame: pd.DataFrame, column: str, caller: str) -> None:
    if column not in frame.columns:
        raise KeyError(f"{caller} needs column {column!r}; the frame has {list(frame.columns)!r}")
