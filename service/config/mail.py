"""The ``[mail]`` section (staff e-mail over SMTP) and ``[safeguarding]`` (overdue alerts)."""

from __future__ import annotations

from dataclasses import dataclass

from service.config.reader import Reader


@dataclass(frozen=True)
class MailConfig:
    """The ``[mail]`` section: where staff e-mails (the sign-in unlock link) are sent from (issue 19)."""

    smtp_host: str = ""  # empty: no e-mail is sent
    smtp_port: int = 25
    starttls: bool = False
    sender: str = ""
    username_env: str = ""  # names of environment variables, never the values
    password_env: str = ""
    public_url: str = ""  # the staff site's address, for links in e-mails


@dataclass(frozen=True)
class SafeguardingConfig:
    """The ``[safeguarding]`` section: when a New flag is overdue and who is e-mailed about it (issue 17)."""

    alert_after_hours: int = 24
    alert_to: tuple[str, ...] = ()
    alert_from: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user_env: str = ""
    smtp_password_env: str = ""
    schedule: str = ""


def read_mail(reader: Reader, raw: dict) -> MailConfig:
    """Read ``[mail]`` (optional: without it no e-mail is sent)."""
    table = raw.get("mail", {})
    if not isinstance(table, dict):
        reader.fail("mail", table, "a table")
    texts = ("smtp_host", "sender", "username_env", "password_env", "public_url")
    reader.only(table, "mail", (*texts, "smtp_port", "starttls"))
    values = {k: reader.text(table, "mail", k, allow_empty=True, default="") for k in texts}
    if values["smtp_host"] and "@" not in values["sender"]:
        reader.fail("mail.sender", values["sender"], "an e-mail address to send from, when smtp_host is set")
    return MailConfig(**values, smtp_port=reader.integer(table, "mail", "smtp_port", low=1, high=65535, default=25),
                      starttls=reader.boolean(table, "mail", "starttls", default=False))
