"""Which free texts a role may read: flagged or uncertainly redacted texts are masked for viewers.

A text with a safeguarding flag may hold a disclosure of harm ("my name is ... I am 13 and ..."),
and a text the redactor is not confident about may still hold a name or a phone number. Viewers
(and API tokens with the viewer role) see neither, on any page, CSV or API answer; neither kind
ever becomes a quote, whoever reads it (issue 19, findings 1 and 2).
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

#: Roles that never read a flagged or uncertainly redacted text.
MASKED_ROLES = frozenset({"viewer"})
#: What a masked text shows instead.
MASKED_TEXT = "(hidden from your role: this comment is held for review)"


def is_masked_for(role: str | None, is_flagged: bool, is_uncertain: bool) -> bool:
    """Say whether a text with these marks is hidden from ``role`` (no role: hidden, as for a viewer)."""
    return (is_flagged or is_uncertain) and (role is None or role in MASKED_ROLES)


def is_redaction_uncertain(original: str | None) -> bool:
    """Ask the redactor whether it is unsure about ``original`` (one adapter for every caller).

    TODO(integrator, issue 19): ``nlp.assess_redaction`` comes with the redactor's branch; until it
    is merged this falls back to "not uncertain". Once merged, store ``is_uncertain`` when a text is
    redacted and read that column here instead of assessing the text on each request.
    """
    if not original:
        return False
    import nlp

    assess = getattr(nlp, "assess_redaction", None)
    if assess is None:
        return False
    return bool(assess(original).is_uncertain)
