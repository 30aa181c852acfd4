"""Staff e-mail over SMTP, from ``[mail]``: today only the sign-in unlock link (issue 19, finding 10)."""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage

from service.config import MailConfig

logger = logging.getLogger(__name__)
#: Seconds to wait for the SMTP server before giving up (a sign-in must not hang on it).
SMTP_TIMEOUT = 10


def is_mail_configured(config: MailConfig) -> bool:
    """Say whether e-mail can be sent (an SMTP host is set)."""
    return bool(config.smtp_host)


def send_mail(config: MailConfig, to: str, subject: str, body: str) -> bool:
    """Send one plain-text e-mail; ``False`` (and a log line naming the server) when it cannot be sent."""
    if not is_mail_configured(config):
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.username_env:
                smtp.login(os.environ.get(config.username_env, ""), os.environ.get(config.password_env, ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        logger.error("e-mail not sent: SMTP server %s:%s said %s", config.smtp_host, config.smtp_port, error)
        return False
    return True
