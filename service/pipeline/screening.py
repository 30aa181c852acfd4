"""The intake screen: redact a free text and check it for safeguarding before it is stored.

The one place the service calls ``nlp`` for redaction and the safeguarding screen, so a better
redactor or screen arrives when its branch merges: when ``nlp.assess_redaction`` exists (it says
how many spans it replaced and whether it is unsure it found everything) it is used; until then
``nlp.redact``. Form submissions, webhook deliveries and every ingested row pass through
:func:`screen_text` in the transaction that stores them; the topic model follows later.

The safeguarding screen is the rules plus the trained disclosure detector (``nlp.safeguarding_model``,
one MiniLM pass per text), run on every text in the same request. The encoder and the detector are
loaded once per process; :func:`warm_up` loads them before a worker takes requests (``service.wsgi``
calls it), so no form submission waits for the load.
"""

from __future__ import annotations

import nlp
from service.store.responses import ScreenedText


def has_assess_redaction() -> bool:
    """True when the installed ``nlp`` offers ``assess_redaction`` (the newer redactor)."""
    return hasattr(nlp, "assess_redaction")


def warm_up() -> None:
    """Load the redactor's word lists, the sentence encoder and the disclosure detector now."""
    screen_text("")
    nlp.check_safeguarding("warm up")


def screen_text(text: str, *, use_model: bool = True) -> ScreenedText:
    """The redacted form of ``text``, the safeguarding reason when it may disclose harm, and any doubt.

    Both run on the cleaned text (markup and control characters removed), as the nightly
    analysis does, so no tag reaches the redacted form. With ``use_model=False`` the safeguarding
    screen is the rules alone (bulk ingest; the trained detector follows by a queued step).
    """
    cleaned = nlp.prepare_text(text).text
    if has_assess_redaction():
        result = nlp.assess_redaction(cleaned)
        redacted, is_uncertain = result.text, bool(getattr(result, "is_uncertain", False))
    else:
        redacted, is_uncertain = nlp.redact(cleaned).text, False
    safeguarding = nlp.check_safeguarding(cleaned, use_model=use_model)
    reason = "; ".join(safeguarding.reasons) if safeguarding.is_flagged else None
    return ScreenedText(redacted=redacted, flag_reason=reason, is_redaction_uncertain=is_uncertain)
