"""The one adapter from the service to :func:`weights.estimate_share`: every share any page, API
call, briefing or export prints goes through :func:`share`, so the same respondents give the same
estimate and interval everywhere.

Figures come back in percent and unrounded; each output rounds them to its own stated precision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Share:
    """A share in percent with its base: unweighted (Wilson interval) and, when given, weighted.

    ``weighted_pct`` and its interval are NaN when the share is not weighted; ``effective_n`` is
    then the base. ``method`` names the weighted interval (``logit`` as R's ``svyciprop``, or
    ``clopper-pearson-kish`` when no or every respondent gives the answer).
    """

    n: int
    base_n: int
    pct: float
    ci_low: float
    ci_high: float
    weighted_pct: float = math.nan
    weighted_ci_low: float = math.nan
    weighted_ci_high: float = math.nan
    effective_n: float = math.nan
    is_weighted: bool = False
    method: str = "wilson"


def share(y: Sequence[float] | np.ndarray, weights_: Sequence[float] | np.ndarray | None = None) -> Share:
    """Share of respondents with ``y = 1`` (NaN: outside the base), weighted when ``weights_`` is given.

    A weighted figure is given only when every respondent in the base has a weight: a share
    weighted over part of its base would describe nobody. Pass ``None`` for an unweighted share.
    """
    import weights  # here, not at import: web workers load the analysis libraries only when a figure is asked for

    y = np.asarray(y, dtype=float)
    plain = weights.estimate_share(y)
    base = Share(plain.n_positive, plain.n, _pct(plain.estimate), 100 * plain.lower, 100 * plain.upper,
                 effective_n=float(plain.n))
    if weights_ is None or plain.n == 0:
        return base
    w = np.asarray(weights_, dtype=float)
    if np.isnan(w[~np.isnan(y)]).any():
        return base
    est = weights.estimate_share(y, w)
    return Share(plain.n_positive, plain.n, base.pct, base.ci_low, base.ci_high,
                 _pct(est.estimate), 100 * est.lower, 100 * est.upper, float(est.effective_n), True, est.method)


def _pct(value: float) -> float:
    return math.nan if value is None or math.isnan(value) else 100 * value


@dataclass(frozen=True)
class TopicShare:
    """A topic's share in percent corrected for the model's coding errors (prediction-powered inference),
    or, before ``min_reviews`` reviews of the random audit sample exist, the model-only share marked uncorrected."""

    pct: float
    ci_low: float
    ci_high: float
    n_all: int
    n_reviewed: int
    is_corrected: bool
    is_weighted: bool

    @property
    def label(self) -> str:
        """``corrected (PPI, 34 reviews)`` or ``uncorrected (model only; 12 of 30 reviews)``."""
        return ("corrected for coding errors (PPI" + (", weighted" if self.is_weighted else "") + f", {self.n_reviewed} reviews)"
                if self.is_corrected else "uncorrected (model only" + (", weighted" if self.is_weighted else "")
                + f"; {self.n_reviewed} audit reviews)")


def topic_share(model_all: np.ndarray, model_reviewed: np.ndarray, human_reviewed: np.ndarray, min_reviews: int,
                weights_all: np.ndarray | None = None, weights_reviewed: np.ndarray | None = None) -> TopicShare:
    """The one estimator of a topic's share: :func:`weights.ppi_share` (Angelopoulos et al. 2023) on the
    model's 0/1 codes of every comment and the reviewed random audit sample; model only below ``min_reviews``.

    Weighted only when every comment (and every reviewed one) has a weight.
    """
    import weights

    f_all = np.asarray(model_all, dtype=float)
    weighted = (weights_all is not None and weights_reviewed is not None and not np.isnan(weights_all).any()
                and not np.isnan(weights_reviewed).any())
    w_all = weights_all if weighted else None
    n_rev = len(human_reviewed)
    if n_rev < max(min_reviews, 2) or len(f_all) < 2:
        plain = share(f_all, w_all)
        if weighted and plain.is_weighted:
            return TopicShare(plain.weighted_pct, plain.weighted_ci_low, plain.weighted_ci_high, len(f_all), n_rev, False, True)
        return TopicShare(plain.pct, plain.ci_low, plain.ci_high, len(f_all), n_rev, False, False)
    est = weights.ppi_share(f_all, model_reviewed, human_reviewed, weights=w_all,
                            weights_reviewed=weights_reviewed if weighted else None)
    return TopicShare(100 * est.estimate, 100 * est.lower, 100 * est.upper, len(f_all), n_rev, True, est.is_weighted)
