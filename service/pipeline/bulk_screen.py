"""The intake screen of bulk ingest: redaction and the safeguarding rules in the storing transaction.

A file, a REST pull or a large webhook delivery stores each free text redacted and screened by the
safeguarding rules in the transaction that stores it, as every other channel does; the trained
disclosure detector (one MiniLM pass per text, 200-400 texts/s on one core, so it was nearly all
of an ingest's time: bench/RESULTS.md) reads the stored texts afterwards, in batches
(:func:`service.pipeline.text_runs.screen_pending_texts`, run by ``voice ingest`` right after
storing and by the scheduler's classify job every minute). Until then a text is marked "model
screen pending" and is never quoted. A text the rules flag is in the safeguarding queue at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from service.pipeline.screening import screen_text
from service.store.responses import ScreenedText


def screen_by_rules(text: str) -> ScreenedText:
    """Redaction and the safeguarding rules now; a text with words in it waits for the detector."""
    screened = screen_text(text, use_model=False)
    return replace(screened, is_model_pending=bool(text.strip()))


class ScreenMemo:
    """The intake screen for one run, remembering its result for short texts met before.

    Survey exports repeat short answers ("No", "Nothing", "More police") many times; the screen
    is a function of the text alone, so each distinct short text is screened once per run. Long
    texts, nearly always distinct, are screened each time and not kept, so memory stays bounded.
    """

    LONGEST = 200
    LIMIT = 20_000

    def __init__(self, screen: Callable[[str], ScreenedText] | None = None) -> None:
        self.screen = screen or screen_by_rules
        self.seen: dict[str, ScreenedText] = {}
        self.n_reused = 0

    def __call__(self, text: str) -> ScreenedText:
        if len(text) > self.LONGEST:
            return self.screen(text)
        found = self.seen.get(text)
        if found is not None:
            self.n_reused += 1
            return found
        found = self.screen(text)
        if len(self.seen) < self.LIMIT:
            self.seen[text] = found
        return found
