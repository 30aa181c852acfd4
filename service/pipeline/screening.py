"""The intake screen: redact a free text and check it for safeguarding before it is stored.

The one place the service calls ``nlp`` for redaction and the safeguarding screen:
``nlp.assess_redaction`` redacts and says whether it is unsure it found everything, and
``nlp.check_safeguarding`` says whether the text may disclose harm and, for a flagged text, whether
the writer seems to be a child (``is_child``: "my mum", school, text-speak, the child-writer model,
or a stated age under 18). Form submissions, webhook deliveries and every ingested row pass through
:func:`screen_text` in the transaction that stores them; the topic model follows later.

The safeguarding screen is the rules plus the trained disclosure detector (``nlp.safeguarding_model``),
run in the same request for the QR form and small webhook deliveries. Bulk ingest screens with the
rules alone here and marks each text pending; the detector follows by a queued step
(``service.pipeline.bulk_screen``, ``service.pipeline.text_runs.screen_pending_texts``). The encoder and the detector are
loaded once per process; :func:`warm_up` loads them before a worker takes requests (``service.wsgi``
calls it), so no form submission waits for the load.
"""

from __future__ import annotations

import nlp
from service.store.responses import ScreenedText


def warm_up() -> None:
    """Load the redactor's word lists, the sentence encoder and the disclosure detector now."""
    screen_text("")
    nlp.check_safeguarding("warm up")


def screen_text(text: str, *, age: int | None = None, use_model: bool = True) -> ScreenedText:
    """The redacted form of ``text``, the safeguarding reason when it may disclose harm, and any doubt.

    Both run on the cleaned text (markup and control characters removed), as the nightly
    analysis does, so no tag reaches the redacted form. ``age`` is the writer's stated age when
    the source asked it: under 18, a flag is a child's whatever the text says. With
    ``use_model=False`` the safeguarding screen is the rules alone (bulk ingest; the trained
    detector follows by a queued step, :func:`service.pipeline.text_runs.screen_pending_texts`).
    """
    cleaned = nlp.prepare_text(text).text
    redaction = nlp.assess_redaction(cleaned)
    safeguarding = nlp.check_safeguarding(cleaned, age=age, use_model=use_model)
    if not safeguarding.is_flagged:
        return ScreenedText(redacted=redaction.text, is_redaction_uncertain=redaction.is_uncertain)
    return ScreenedText(redacted=redaction.text, flag_reason="; ".join(safeguarding.reasons),
                        is_redaction_uncertain=redaction.is_uncertain, is_child=safeguarding.is_child)
