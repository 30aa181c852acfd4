"""``[mail]`` is the one home of the SMTP settings: the shipped file documents it, ``[safeguarding]``
has no SMTP keys, and an old file that still has them stops start-up saying where each one moved."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from service.config import ConfigError, MailConfig, SafeguardingConfig, load_config

SHIPPED = Path(__file__).resolve().parent.parent / "config.toml"
OLD_KEYS = """smtp_host = "relay.example.gov.uk"
smtp_port = 587
smtp_starttls = true
smtp_user_env = "VOICE_SMTP_USER"
smtp_password_env = "VOICE_SMTP_PASSWORD"
"""


def _with_safeguarding_keys(tmp_path: Path, keys: str) -> Path:
    """The shipped file with ``keys`` added at the top of ``[safeguarding]``, as an old file had them."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count("\n[safeguarding]\n") == 1, "test set-up: config.toml has no [safeguarding] section"
    path = tmp_path / "config.toml"
    path.write_text(text.replace("\n[safeguarding]\n", "\n[safeguarding]\n" + keys, 1), encoding="utf-8")
    return path


def test_old_safeguarding_smtp_keys_stop_start_up_naming_file_keys_and_new_home(tmp_path):
    path = _with_safeguarding_keys(tmp_path, OLD_KEYS)
    moved = (r"\[safeguarding\] smtp_host -> \[mail\] smtp_host, \[safeguarding\] smtp_port -> \[mail\] smtp_port, "
             r"\[safeguarding\] smtp_starttls -> \[mail\] starttls, "
             r"\[safeguarding\] smtp_user_env -> \[mail\] username_env, "
             r"\[safeguarding\] smtp_password_env -> \[mail\] password_env\. ")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: the SMTP settings moved from "
                                          rf"\[safeguarding\] to \[mail\].*: {moved}Move these values to \[mail\]"):
        load_config(path, environ={})


def test_one_old_smtp_key_is_named_alone_even_when_empty(tmp_path):
    path = _with_safeguarding_keys(tmp_path, 'smtp_user_env = ""\n')
    with pytest.raises(ConfigError, match=r": \[safeguarding\] smtp_user_env -> \[mail\] username_env\. ") as caught:
        load_config(path, environ={})
    assert "smtp_host" not in str(caught.value).split(": ", 2)[2]


def test_old_smtp_key_is_refused_even_with_mail_configured(tmp_path):
    text = _with_safeguarding_keys(tmp_path, 'smtp_host = "relay.example.gov.uk"\n').read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    assert text.count('\nsmtp_host = ""\n') == 1, "test set-up: [mail] smtp_host is not empty in config.toml"
    path.write_text(text.replace('\nsmtp_host = ""\n', '\nsmtp_host = "relay.example.gov.uk"\n', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[safeguarding\] smtp_host -> \[mail\] smtp_host"):
        load_config(path, environ={})


def test_shipped_mail_and_safeguarding_sections_hold_every_setting_and_no_smtp_twice():
    text = SHIPPED.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    for section, cls in (("mail", MailConfig), ("safeguarding", SafeguardingConfig)):
        names = [field.name for field in dataclasses.fields(cls)]
        assert sorted(raw[section]) == sorted(names), f"[{section}] in config.toml differs from {cls.__name__}"
        block = text.split(f"\n[{section}]\n", 1)[1].split("\n[", 1)[0]
        for name in names:  # in its own section, not just somewhere in the file
            assert re.search(rf"^{name} = ", block, re.M), f"[{section}] {name} is not in config.toml"
    assert not [key for key in raw["safeguarding"] if "smtp" in key]
    config = load_config(SHIPPED, environ={})
    assert config.mail.sender == "community-voice@council.example" and config.safeguarding.alert_from == ""


def test_mail_host_without_a_sender_address_is_refused(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    assert text.count('\nsmtp_host = ""\n') == 1, "test set-up: [mail] smtp_host is not empty in config.toml"
    path.write_text(text.replace('\nsmtp_host = ""\n', '\nsmtp_host = "relay.example.gov.uk"\n', 1)
                    .replace('sender = "community-voice@council.example"', 'sender = ""', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'mail.sender' has value ''; expected an e-mail address"):
        load_config(path, environ={})


def test_old_smtp_environment_variable_stops_start_up_naming_its_replacement():
    # The variables only ever overrode keys of the file; with the keys gone they would be ignored.
    environ = {"VOICE_SAFEGUARDING_SMTP_HOST": "relay.example.gov.uk", "VOICE_SAFEGUARDING_SMTP_STARTTLS": "true"}
    with pytest.raises(ConfigError, match=r"VOICE_SAFEGUARDING_SMTP_HOST -> VOICE_MAIL_SMTP_HOST, "
                                          r"VOICE_SAFEGUARDING_SMTP_STARTTLS -> VOICE_MAIL_STARTTLS\. "):
        load_config(SHIPPED, environ=environ)
