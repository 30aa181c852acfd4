"""Claims tested together: every change or group difference a page or document puts in words.

A briefing that says "up 12 points since last quarter" or "highest among young people" makes a
claim; so does a page that calls a chi-square result "unlikely to be chance". Each claim here is
tested (:func:`weights.compare_shares`: the pooled two-proportion z-test when either side is
unweighted, a Wald test on the two design-based standard errors when both are weighted), and all
claims of one page or document are controlled together with the Benjamini-Hochberg procedure at
false discovery rate :data:`Q`. Only claims that survive are worded as differences; the others
read "no clear change" or "no clear difference", each with its bases (n).

Use one :class:`Claims` per page or document: add every comparison first, call :meth:`Claims.screen`
once, then ask for the words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from service.reports.text import number, percent

Q = 0.05  # false discovery rate for the claims of one page or document


@dataclass
class Claim:
    """One tested difference ``first - second`` (now minus before, or group A minus group B)."""

    label: str
    n_first: int
    n_second: int
    pct_first: float
    pct_second: float
    p_value: float
    is_weighted: bool
    adjusted: float = math.nan
    survives: bool = False


@dataclass
class Claims:
    """The claims of one page or document, screened together once all are added."""

    q: float = Q
    items: dict[str, Claim] = field(default_factory=dict)
    is_screened: bool = False

    def compare(self, label: str, y_first: Sequence[float] | np.ndarray, y_second: Sequence[float] | np.ndarray,
                w_first: Sequence[float] | np.ndarray | None = None,
                w_second: Sequence[float] | np.ndarray | None = None) -> Claim | None:
        """Test the share of ``y = 1`` (NaN: not in the base) in two independent samples.

        Weighted only when both sides have a weight for every respondent in their base;
        otherwise both are compared unweighted. ``None`` when either base is empty.
        """
        import weights

        a, b = np.asarray(y_first, dtype=float), np.asarray(y_second, dtype=float)
        if len(a) == 0 or len(b) == 0 or (~np.isnan(a)).sum() == 0 or (~np.isnan(b)).sum() == 0:
            return None
        wa, wb = _complete(a, w_first), _complete(b, w_second)
        both = wa is not None and wb is not None
        first = weights.estimate_share(a, wa if both else None)
        second = weights.estimate_share(b, wb if both else None)
        test = weights.compare_shares(first, second)
        p = test.p_value if test.p_value == test.p_value else 1.0  # no variance on either side: nothing to claim
        claim = Claim(label, first.n, second.n, 100 * first.estimate, 100 * second.estimate, p, both)
        self.add(claim)
        return claim

    def add_p(self, label: str, p_value: float, n: int) -> Claim:
        """Add a claim tested elsewhere (a chi-square test against the Census, say) by its p-value and base."""
        claim = Claim(label, n, 0, math.nan, math.nan, float(p_value), False)
        self.add(claim)
        return claim

    def add(self, claim: Claim) -> None:
        """Add a claim."""
        if self.is_screened:
            raise RuntimeError("all claims must be added before Claims.screen() is called")
        self.items[claim.label] = claim

    def screen(self) -> None:
        """Benjamini-Hochberg over every claim added: sets ``adjusted`` and ``survives``."""
        import weights

        claims = list(self.items.values())
        if claims:
            reject, adjusted = weights.benjamini_hochberg([c.p_value for c in claims], self.q)
            for claim, ok, adj in zip(claims, reject, adjusted, strict=True):
                claim.survives, claim.adjusted = bool(ok), float(adj)
        self.is_screened = True

    def get(self, label: str) -> Claim | None:
        """The screened claim called ``label`` (``None`` when it was not made)."""
        if not self.is_screened:
            raise RuntimeError("call Claims.screen() before reading the claims")
        return self.items.get(label)

    @property
    def rule(self) -> str:
        """The sentence a page or document prints once, stating q and how many claims were tested."""
        return (f"Changes and differences are described as such only when they pass a two-proportion test "
                f"(design-based where weighted) and survive the Benjamini-Hochberg procedure at q = {self.q:g} "
                f"across all {len(self.items)} tested together here; the others read \u201cno clear change\u201d.")


def _complete(y: np.ndarray, w: Sequence[float] | np.ndarray | None) -> np.ndarray | None:
    if w is None:
        return None
    w = np.asarray(w, dtype=float)
    return None if np.isnan(w[~np.isnan(y)]).any() else w


def change_words(claim: Claim | None, digits: int = 0) -> str:
    """``up 12 points from 30% (n = 300) to 42% (n = 310)``, or ``no clear change (n = 310; before n = 300)``."""
    if claim is None:
        return "no figure to compare"
    bases = f"n = {number(claim.n_first)}; before n = {number(claim.n_second)}"
    if not claim.survives:
        return f"no clear change ({bases})"
    diff = claim.pct_first - claim.pct_second
    way = "up" if diff > 0 else "down"
    return (f"{way} {abs(diff):.{digits}f} points from {percent(claim.pct_second, digits)} (n = {number(claim.n_second)}) "
            f"to {percent(claim.pct_first, digits)} (n = {number(claim.n_first)})")


def difference_words(claim: Claim | None, second: str) -> str:
    """``higher than among B (30%, n = 300)`` when the difference survives, else ``no clear difference from B (n = …)``."""
    if claim is None:
        return ""
    if not claim.survives:
        return (f"no clear difference from {second} ({percent(claim.pct_second)}; n = {number(claim.n_first)} and "
                f"{number(claim.n_second)})")
    way = "higher" if claim.pct_first > claim.pct_second else "lower"
    return f"{way} than among {second} ({percent(claim.pct_second)}, n = {number(claim.n_second)})"


def unsafe_flags_of(frame: pd.DataFrame, source: str, question: str) -> tuple[np.ndarray, np.ndarray]:
    """1 for "unsafe", 0 for any other answer, NaN unanswered, for one channel's question (every row when
    ``source`` is empty); and the rows' weights."""
    from service.reports.measures import unsafe_flags

    part = frame[frame["source"] == source] if source else frame
    if question not in part or part.empty:
        return np.zeros(0), np.zeros(0)
    flags = unsafe_flags(part[question])
    y = flags.map(lambda f: np.nan if f is None else float(f == "Unsafe")).to_numpy(dtype=float)
    return y, part["weight"].to_numpy(dtype=float) if "weight" in part else np.full(len(part), np.nan)


def add_safety_changes(claims: Claims, frame: pd.DataFrame, before: pd.DataFrame, questions: Sequence[tuple[str, str, str]]) -> None:
    """One change claim per channel and "how safe" question against last quarter (label ``unsafe:SOURCE:QUESTION``)."""
    if before.empty:
        return
    for source, question, _wording in questions:
        if question not in before.columns or source not in set(before["source"]):
            continue
        y_now, w_now = unsafe_flags_of(frame, source, question)
        y_old, w_old = unsafe_flags_of(before, source, question)
        claims.compare(f"unsafe:{source}:{question}", y_now, y_old, w_now, w_old)


def add_site_changes(claims: Claims, frame: pd.DataFrame, before: pd.DataFrame, sites: Sequence[str]) -> None:
    """One unweighted change claim per QR site against last quarter (label ``site:CODE``): sites are places, not people."""
    if before.empty or "safe_here" not in frame or "safe_here" not in before:
        return
    for code in sites:
        y_now, _ = unsafe_flags_of(frame[frame["site"] == code], "", "safe_here")
        y_old, _ = unsafe_flags_of(before[before["site"] == code], "", "safe_here")
        claims.compare(f"site:{code}", y_now, y_old)
