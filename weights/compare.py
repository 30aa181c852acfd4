"""Is a difference between two shares real? Two-proportion tests and control of false discoveries.

Methods
-------
* Unweighted, independent samples: the pooled two-proportion z-test for the p-value and the
  Newcombe (1998) hybrid score interval (from the two Wilson intervals) for the difference.
* Weighted, independent samples (e.g. two survey waves): a Wald test on the difference with
  ``SE = sqrt(se_1^2 + se_2^2)`` from the two design-based standard errors of
  :func:`weights.estimate_share`.
* Two groups of the same survey (:func:`compare_domains`): the groups are domains of one design,
  so the influence values of the difference are linearised together (and residualised on the
  calibration variables), which keeps any covariance the weighting induces.
* Many claims at once: the Benjamini and Hochberg (1995) step-up procedure at false discovery
  rate ``q`` (default 0.1); :func:`screen_claims` says which claimed differences survive and
  returns the sentence stating ``q``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from weights.shares import (
    ShareDesign,
    ShareEstimate,
    calibration_residual,
    estimate_share,
    wilson_interval,
)

__all__ = ["ClaimScreen", "ShareComparison", "benjamini_hochberg", "compare_domains", "compare_shares",
           "screen_claims"]


@dataclass(frozen=True)
class ShareComparison:
    """Difference ``first - second`` between two shares, its interval and a two-sided test."""

    first: ShareEstimate
    second: ShareEstimate
    difference: float
    lower: float
    upper: float
    se: float
    z: float
    p_value: float
    is_weighted: bool
    method: str
    level: float = 0.95


@dataclass(frozen=True)
class ClaimScreen:
    """Which claimed differences survive Benjamini-Hochberg at false discovery rate ``q``."""

    labels: tuple[str, ...]
    p_values: tuple[float, ...]
    adjusted: tuple[float, ...]
    survives: tuple[bool, ...]
    q: float
    rule: str

    @property
    def kept(self) -> tuple[str, ...]:
        """Labels of the claims that survive."""
        return tuple(label for label, ok in zip(self.labels, self.survives, strict=True) if ok)


def compare_shares(first: ShareEstimate, second: ShareEstimate) -> ShareComparison:
    """Compare two shares from independent samples (two waves, two surveys).

    Both must be unweighted (pooled z-test, Newcombe interval) or both weighted (Wald test on
    the design-based standard errors).

    Raises
    ------
    ValueError
        One share is weighted and the other is not, or the levels differ.
    """
    if first.is_weighted != second.is_weighted:
        raise ValueError("compare weighted with weighted or unweighted with unweighted shares, not a mix")
    if first.level != second.level:
        raise ValueError(f"the shares have different confidence levels ({first.level!r}, {second.level!r})")
    diff = first.estimate - second.estimate
    q = float(stats.norm.ppf(0.5 + first.level / 2))
    if not first.is_weighted:
        return _unweighted(first, second, diff, q)
    se = math.sqrt(first.se ** 2 + second.se ** 2)
    z = diff / se if se > 0 else math.nan
    p = float(2 * stats.norm.sf(abs(z))) if se > 0 else math.nan
    return ShareComparison(first, second, diff, diff - q * se, diff + q * se, se, z, p, True, "wald-design",
                           first.level)


def _unweighted(first: ShareEstimate, second: ShareEstimate, diff: float, q: float) -> ShareComparison:
    n1, n2, k1, k2 = first.n, second.n, first.n_positive, second.n_positive
    if n1 == 0 or n2 == 0:
        return ShareComparison(first, second, math.nan, -1.0, 1.0, math.nan, math.nan, math.nan, False,
                               "pooled-z-newcombe", first.level)
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = diff / se if se > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    l1, u1 = wilson_interval(k1, n1, first.level)
    l2, u2 = wilson_interval(k2, n2, first.level)
    p1, p2 = k1 / n1, k2 / n2
    lower = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return ShareComparison(first, second, diff, lower, upper, se, z, p, False, "pooled-z-newcombe", first.level)


def compare_domains(
    y: Sequence[float] | np.ndarray,
    in_first: Sequence[bool] | np.ndarray,
    in_second: Sequence[bool] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    *,
    design: ShareDesign | None = None,
    level: float = 0.95,
) -> ShareComparison:
    """Compare a share between two groups of the same weighted survey, linearising the difference jointly.

    ``y`` is 0/1 (NaN = did not answer) for every respondent; ``in_first`` and ``in_second`` mark
    the two groups. The variance of ``p_1 - p_2`` uses the influence values
    ``w (a_1 (y - p_1) / W_1 - a_2 (y - p_2) / W_2)``, residualised on the calibration variables
    when ``design`` has them, with the same ``n / (n - 1)`` with-replacement formula.
    """
    values = np.asarray(y, dtype=float)
    w = np.asarray(weights, dtype=float)
    one, two = np.asarray(in_first, dtype=bool), np.asarray(in_second, dtype=bool)
    first = estimate_share(np.where(one, values, np.nan), w, design=design, level=level)
    second = estimate_share(np.where(two, values, np.nan), w, design=design, level=level)
    inside = ~np.isnan(w)
    answered = ~np.isnan(values)
    u = np.zeros(len(values))
    for mask, share, sign in ((one, first, 1.0), (two, second, -1.0)):
        a = (mask & answered).astype(float)
        u += sign * a * (np.nan_to_num(values) - share.estimate) / float(share.weighted_total or 1.0)
    u, wi = u[inside], w[inside]
    if design is not None and design.cells is not None:
        d = np.ones(len(values)) if design.design_weights is None else np.asarray(design.design_weights, float)
        u = calibration_residual(u, design.cells.subset(inside), d[inside])
    z = wi * u
    m = len(z)
    se = math.sqrt(m / (m - 1) * float(((z - z.mean()) ** 2).sum()))
    diff = first.estimate - second.estimate
    q = float(stats.norm.ppf(0.5 + level / 2))
    stat = diff / se if se > 0 else math.nan
    p = float(2 * stats.norm.sf(abs(stat))) if se > 0 else math.nan
    return ShareComparison(first, second, diff, diff - q * se, diff + q * se, se, stat, p, True,
                           "wald-domain-design", level)


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray, q: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg (1995) step-up procedure: which hypotheses to reject at false discovery rate ``q``.

    Returns
    -------
    (reject, adjusted) : numpy arrays
        ``reject[i]`` is true when claim ``i`` survives; ``adjusted`` are the BH-adjusted
        p-values (``reject = adjusted <= q``), as R's ``p.adjust(method = "BH")``.

    Raises
    ------
    ValueError
        A p-value outside [0, 1] or NaN, or ``q`` outside (0, 1).
    """
    if not 0 < q < 1:
        raise ValueError(f"q={q!r} must be between 0 and 1")
    p = np.asarray(p_values, dtype=float)
    if p.size and (np.isnan(p).any() or (p < 0).any() or (p > 1).any()):
        bad = float(p[np.isnan(p) | (p < 0) | (p > 1)][0])
        raise ValueError(f"p-values must be in [0, 1]; got {bad!r}")
    m = len(p)
    if m == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    return adjusted <= q, adjusted


def screen_claims(claims: Sequence[tuple[str, float]] | Sequence[ShareComparison], q: float = 0.1,
                  labels: Sequence[str] | None = None) -> ClaimScreen:
    """Which of several claimed differences survive Benjamini-Hochberg at false discovery rate ``q``.

    ``claims`` are ``(label, p_value)`` pairs, or :class:`ShareComparison` objects with
    ``labels`` given separately. Every change or group difference a page states should pass
    through here together with the others it is shown with.
    """
    if claims and isinstance(claims[0], ShareComparison):
        if labels is None or len(labels) != len(claims):
            raise ValueError("pass one label per comparison")
        names, p = tuple(labels), [c.p_value for c in claims]  # type: ignore[union-attr]
    else:
        names = tuple(str(c[0]) for c in claims)  # type: ignore[index]
        p = [float(c[1]) for c in claims]  # type: ignore[index]
    reject, adjusted = benjamini_hochberg(p, q)
    rule = (f"Differences are reported as real only when they survive the Benjamini-Hochberg procedure at a "
            f"false discovery rate of {q:.0%} across the {len(names)} differences tested together.")
    return ClaimScreen(names, tuple(float(x) for x in p), tuple(float(x) for x in adjusted),
                       tuple(bool(x) for x in reject), q, rule)
