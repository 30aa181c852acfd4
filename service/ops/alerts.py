"""E-mail the safeguarding team about flags still New after ``[safeguarding] alert_after_hours``,
through the ``[mail]`` server (``service.mail``) like every other e-mail.

Each overdue flag is named once (its ``alerted_at`` is set when the e-mail has gone). The e-mail
carries flag numbers, reasons, waiting times and, when the writer is or may be a child (a stated
age under 18, or the text reads like a child's), that and the children's procedure: never the
comment, which may name people.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session

from service.config import MailConfig, SafeguardingConfig
from service.mail import MailError, deliver_mail, is_mail_configured
from service.store.models import utcnow
from service.store.safeguarding import Writer, overdue_flags, waiting_words, writers_of

logger = logging.getLogger(__name__)


class AlertError(Exception):
    """The alert e-mail could not be sent; the message names the server and what to check."""


@dataclass(frozen=True)
class AlertResult:
    """What an alert run did: the flags it named (empty when none were overdue or e-mail is off)."""

    flag_ids: tuple[int, ...]
    is_configured: bool

    def summary(self) -> str:
        """One line for the CLI and the scheduler's log."""
        if not self.is_configured:
            return ("overdue alerts are off: set [mail] smtp_host and sender (or [safeguarding] alert_from), "
                    "and [safeguarding] alert_to")
        if not self.flag_ids:
            return "no newly overdue safeguarding flags"
        return f"e-mailed about {len(self.flag_ids)} overdue safeguarding flag(s): {', '.join(map(str, self.flag_ids))}"


def send_overdue_alerts(session: Session, settings: SafeguardingConfig, mail: MailConfig, queue_url: str = "",
                        now: datetime | None = None) -> AlertResult:
    """Send one e-mail naming every newly overdue New flag, and mark them alerted (the caller commits).

    The e-mail goes through the ``[mail]`` server, from ``[safeguarding] alert_from`` or, when that
    is empty, ``[mail] sender``.

    Raises
    ------
    AlertError
        When the SMTP server refuses or cannot be reached; no flag is marked, so the next run retries.
    """
    now = now or utcnow()
    sender = settings.alert_from or mail.sender
    is_configured = bool(is_mail_configured(mail) and sender and settings.alert_to)
    if not is_configured:
        return AlertResult((), False)
    flags = overdue_flags(session, timedelta(hours=settings.alert_after_hours), now)
    if not flags:
        return AlertResult((), True)
    message = EmailMessage()
    message["Subject"] = f"Community Voice: {len(flags)} safeguarding flag(s) not acknowledged after {settings.alert_after_hours} hours"
    message["From"], message["To"] = sender, ", ".join(settings.alert_to)
    lines = [f"These safeguarding flags are still New after {settings.alert_after_hours} hours. "
             "Acknowledge each one, then refer or close it.", ""]
    writers = writers_of(session, [flag.id for flag in flags])
    lines += [f"Flag {flag.id}: {flag.reason} (waiting {waiting_words(flag.created_at, now)})"
              + _child_words(writers.get(flag.id)) for flag in flags]
    if queue_url:
        lines += ["", f"The queue: {queue_url}"]
    message.set_content("\n".join(lines) + "\n")
    try:
        deliver_mail(mail, message, timeout=30)
    except MailError as error:
        raise AlertError(f"could not send the safeguarding alert through {error.server}: {error.reason}. Check [mail] "
                         "smtp_host, smtp_port and the server's log; the flags stay unalerted and the next run retries.") from None
    for flag in flags:
        flag.alerted_at = now
    session.flush()
    logger.info("safeguarding alert sent for %d flag(s)", len(flags))
    return AlertResult(tuple(flag.id for flag in flags), True)


def _child_words(writer: Writer | None) -> str:
    """" - CHILD: ..." when the children's procedure applies, so the lead sees it in the list."""
    if writer is None or writer.group != "child":
        return ""
    return f" - CHILD ({writer.words}): children's procedure, refer to MASH the same working day"

