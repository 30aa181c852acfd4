"""E-mail over SMTP, from ``[mail]``: the one sender for sign-in unlock links (issue 19, finding 10)
and safeguarding alerts (issue 17).

It imports only ``service.config``, so both the web layer and ``service.ops`` send through it.
"""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage

from service.config import MailConfig

logger = logging.getLogger(__name__)
#: Seconds to wait for the SMTP server before giving up (a sign-in must not hang on it).
SMTP_TIMEOUT = 10


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""

    def __init__(self, server: str, reason: str) -> None:
        super().__init__(f"SMTP server {server} said {reason}")
        self.server = server
        self.reason = reason


def is_mail_configured(config: MailConfig) -> bool:
    """Say whether e-mail can be sent (an SMTP host is set)."""
    return bool(config.smtp_host)


def deliver_mail(config: MailConfig, message: EmailMessage, timeout: float = SMTP_TIMEOUT) -> None:
    """Send ``message`` through the ``[mail]`` server: STARTTLS and login when configured.

    ``From`` is ``[mail] sender`` unless the message sets its own.

    Raises
    ------
    MailError
        When the server cannot be reached or refuses; it names the server (``host:port``).
    """
    if "From" not in message:
        message["From"] = config.sender
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=timeout) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.username_env:
                smtp.login(os.environ.get(config.username_env, ""), os.environ.get(config.password_env, ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{config.smtp_host}:{config.smtp_port}", str(error)) from None


def send_mail(config: MailConfig, to: str, subject: str, body: str) -> bool:
    """Send one plain-text e-mail; ``False`` (and a log line naming the server) when it cannot be sent."""
    if not is_mail_configured(config):
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, subject
    message.set_content(body)
    try:
        deliver_mail(config, message)
    except MailError as error:
        logger.error("e-mail not sent: %s", error)
        return False
    return True
