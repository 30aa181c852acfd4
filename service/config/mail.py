"""The ``[mail]`` section, the one home of the SMTP settings, and ``[safeguarding]``, whose overdue
alerts are sent through it.

Until this split ``[safeguarding]`` had SMTP keys of its own; a file that still has them stops
start-up naming each key and where it moved (:data:`MOVED_TO_MAIL`), so no setting is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.config.reader import ConfigError, Reader, read_plain


@dataclass(frozen=True)
class MailConfig:
    """The ``[mail]`` section: how every e-mail is sent (sign-in unlock links, safeguarding alerts)."""

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
    alert_from: str = ""  # empty: the [mail] sender
    schedule: str = ""


#: The old ``[safeguarding]`` SMTP keys and the ``[mail]`` keys that replaced them.
MOVED_TO_MAIL = {
    "smtp_host": "smtp_host",
    "smtp_port": "smtp_port",
    "smtp_starttls": "starttls",
    "smtp_user_env": "username_env",
    "smtp_password_env": "password_env",
}


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


def read_safeguarding(reader: Reader, raw: dict, environ: Mapping[str, str]) -> SafeguardingConfig:
    """Read ``[safeguarding]`` (optional), stopping at SMTP keys that now live in ``[mail]``.

    Raises
    ------
    ConfigError
        When the section still has ``smtp_*`` keys, or the environment still sets them
        (``VOICE_SAFEGUARDING_SMTP_HOST``): the message names the file, each key or variable and
        the ``[mail]`` key (or ``VOICE_MAIL_...`` variable) that replaced it.
    """
    table = raw.get("safeguarding", {})
    moved = [f"[safeguarding] {key} -> [mail] {new}" for key, new in MOVED_TO_MAIL.items()
             if isinstance(table, dict) and key in table]
    moved += [f"{_variable('safeguarding', key)} -> {_variable('mail', new)}" for key, new in MOVED_TO_MAIL.items()
              if _variable("safeguarding", key) in environ]
    if moved:
        raise ConfigError(
            f"{reader.file}: the SMTP settings moved from [safeguarding] to [mail], which every e-mail "
            f"now uses (safeguarding alerts and sign-in unlock links): {', '.join(moved)}. Move these "
            "values to [mail] (and set [mail] sender, the From address, if it is empty), delete them "
            "from [safeguarding] and start again; the project's config.toml shows every key.")
    return read_plain(reader, raw, "safeguarding", SafeguardingConfig)


def _variable(section: str, key: str) -> str:
    """The environment variable that overrides ``[section] key`` (``VOICE_MAIL_SMTP_HOST``)."""
    return f"VOICE_{section}_{key}".upper()
