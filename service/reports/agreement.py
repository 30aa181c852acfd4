"""How often the topic model agrees with reviewers, measured on the random audit sample only.

Reviews of the least-confident comments say little about the model's accuracy on all comments
(they were chosen because the model was unsure), and scores on team-written training text say
less still. So only reviews of texts drawn into the seeded random audit sample
(``TextReview.is_audit_sample``, one per distinct text) count here. A comment "agrees" when the
reviewer kept exactly the model's topics; per topic, agreement is the share of sampled comments
where model or reviewer chose the topic in which both did. Each share carries its n and a 95%
Wilson interval. Until ``min_reviews`` sampled reviews exist the figure is "not yet measured".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.models import TextCoding, TextReview


@dataclass(frozen=True)
class TopicAgreementRow:
    """One topic: ``n`` sampled comments where model or reviewer chose it, ``n_agree`` where both did."""

    topic: str
    n: int
    n_agree: int
    pct: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class AgreementSummary:
    """The model's agreement with reviewers on the audit sample, or how far it is from being measured."""

    n_reviews: int
    min_reviews: int
    n_agree: int
    pct: float | None
    ci_low: float | None
    ci_high: float | None
    topics: tuple[TopicAgreementRow, ...]

    @property
    def is_measured(self) -> bool:
        """True once enough sampled reviews exist to show the figure."""
        return self.n_reviews >= self.min_reviews

    @property
    def sentence(self) -> str:
        """The plain sentence pages and briefings print."""
        if not self.is_measured:
            return (f"Agreement between the topic model and reviewers is not yet measured: {self.n_reviews} of "
                    f"{self.min_reviews} reviews of the random audit sample done.")
        return (f"The topic model agrees with reviewers on {self.pct:.0f}% of comments (95% CI {self.ci_low:.0f}-"
                f"{self.ci_high:.0f}%, n = {self.n_reviews} reviews of a random audit sample; agreeing means the "
                "reviewer kept exactly the model's topics).")


def _wilson_pct(k: int, n: int) -> tuple[float, float]:
    """The project's one Wilson interval (weights.wilson_interval), in percent to one decimal."""
    from weights import (
        wilson_interval,  # imported here: web workers load SciPy only when a figure needs it
    )

    low, high = wilson_interval(k, n)
    return round(100 * low, 1), round(100 * high, 1)


def measure_model_agreement(session: Session, min_reviews: int) -> AgreementSummary:
    """Agreement overall and per topic, from the stored reviews of the random audit sample."""
    reviews = session.execute(select(TextReview.model_topics, TextReview.confirmed_topics)
                              .where(TextReview.is_audit_sample.is_(True))).all()
    pairs = [(set(model or ()), set(confirmed or ())) for model, confirmed in reviews]
    n_agree = sum(model == confirmed for model, confirmed in pairs)
    rows = []
    for topic in sorted({t for model, confirmed in pairs for t in model | confirmed}):
        n = sum(topic in model or topic in confirmed for model, confirmed in pairs)
        both = sum(topic in model and topic in confirmed for model, confirmed in pairs)
        low, high = _wilson_pct(both, n)
        rows.append(TopicAgreementRow(topic, n, both, round(100 * both / n, 1), low, high))
    if not pairs:
        return AgreementSummary(0, min_reviews, 0, None, None, None, ())
    low, high = _wilson_pct(n_agree, len(pairs))
    return AgreementSummary(len(pairs), min_reviews, n_agree, round(100 * n_agree / len(pairs), 1), low, high, tuple(rows))


CODER_NAMES = {"builtin": "the built-in model", "chat": "the council's language-model coder"}


@dataclass(frozen=True)
class CoderAgreement:
    """One coder against reviewers on the audit-sample comments it coded.

    ``pct`` is the share of those comments where the reviewer kept exactly the coder's topics
    (Wilson 95% interval); ``comparison`` holds per-topic F1 with n and a bootstrap interval
    (``nlp.compare_coders``). Both are ``None`` until ``min_reviews`` such comments exist.
    """

    coder: str
    models: tuple[str, ...]
    n_reviews: int
    min_reviews: int
    n_agree: int
    pct: float | None
    ci_low: float | None
    ci_high: float | None
    comparison: Any | None  # nlp.CoderComparison

    @property
    def name(self) -> str:
        """The coder in plain words."""
        return CODER_NAMES.get(self.coder, self.coder)

    @property
    def is_measured(self) -> bool:
        """True once enough reviewed audit-sample comments were coded by this coder."""
        return self.n_reviews >= self.min_reviews

    @property
    def sentence(self) -> str:
        """How well the coder agreed, or that it is not yet measured, in one plain sentence."""
        if not self.is_measured:
            return (f"How well {self.name} agrees with reviewers is not yet measured: {self.n_reviews} of "
                    f"{self.min_reviews} reviews of the random audit sample needed.")
        return (f"It agreed with reviewers on {self.pct:.0f}% of comments (95% CI {self.ci_low:.0f}-{self.ci_high:.0f}%, "
                f"n = {self.n_reviews} reviews of a random audit sample).")


def measure_coder_agreement(session: Session, min_reviews: int) -> dict[str, CoderAgreement]:
    """Each coder's agreement with reviewers on the random audit sample, keyed ``builtin`` and ``chat``.

    A coder is scored on the sampled comments it coded (its newest coding of each), against the
    topics the reviewer confirmed. The chat coder only codes comments of the sources it may see,
    so its n can be smaller than the built-in model's.
    """
    from nlp import compare_coders, load_codeframe

    reviews = dict(session.execute(select(TextReview.free_text_id, TextReview.confirmed_topics)
                                   .where(TextReview.is_audit_sample.is_(True))).all())
    newest: dict[tuple[str, int], tuple[list[str], str]] = {}
    if reviews:
        query = (select(TextCoding.coder, TextCoding.free_text_id, TextCoding.topics, TextCoding.model)
                 .where(TextCoding.free_text_id.in_(list(reviews))).order_by(TextCoding.id))
        for coder, text_id, topics, model in session.execute(query):
            newest[(coder, text_id)] = (list(topics or ()), model)
    topics = load_codeframe().ids
    out = {}
    for coder in CODER_NAMES:
        ids = sorted(text_id for c, text_id in newest if c == coder)
        gold = [sorted(set(reviews[i] or ())) for i in ids]
        guess = [sorted(set(newest[(coder, i)][0])) for i in ids]
        models = tuple(sorted({newest[(coder, i)][1] for i in ids}))
        n_agree = sum(g == p for g, p in zip(gold, guess))
        if len(ids) < min_reviews:
            out[coder] = CoderAgreement(coder, models, len(ids), min_reviews, n_agree, None, None, None, None)
            continue
        low, high = _wilson_pct(n_agree, len(ids))
        [comparison] = compare_coders(gold, {CODER_NAMES[coder]: guess}, topics)
        out[coder] = CoderAgreement(coder, models, len(ids), min_reviews, n_agree, round(100 * n_agree / len(ids), 1),
                                    low, high, comparison)
    return out


def findings_coder_sentence(session: Session, findings_coder: str, min_reviews: int) -> str:
    """The briefing's plain sentence: which coder fed the findings and how well it agreed with reviewers."""
    agreement = measure_coder_agreement(session, min_reviews)[findings_coder]
    who = agreement.name if findings_coder == "builtin" else f"{agreement.name} ({', '.join(agreement.models) or 'a language model'})"
    if findings_coder == "chat":
        who += ", with the built-in model for comments it could not code or may not see"
    return f"Topics were coded by {who}. {agreement.sentence}"
