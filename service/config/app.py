"""The ``[app]``, ``[database]``, ``[limits]`` and ``[auth.oidc]`` sections: who runs the service,
where its data lives, how fast it may be asked, and who may sign in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from service.config.reader import Reader, resolve_path

BOROUGHS = ("havering", "barking_dagenham")
BOROUGH_NAMES = {"havering": "Havering", "barking_dagenham": "Barking and Dagenham"}


@dataclass(frozen=True)
class AppConfig:
    """The ``[app]`` section."""

    council_name: str
    borough: str
    instance_path: Path
    session_minutes: int
    log_level: str
    secret_key: str = field(repr=False, default="")
    # Trust (issue 8): trust X-Forwarded-For/-Proto/-Host from one reverse proxy, and send
    # session cookies only over HTTPS.
    behind_proxy: bool = False
    secure_cookies: bool = False
    # Sessions (issue 19): a staff session ends this many hours after sign-in, however busy.
    session_max_hours: int = 12


@dataclass(frozen=True)
class DatabaseConfig:
    """The ``[database]`` section."""

    url: str


#: In the instance folder: the demo database's URL, written by `voice demo`. Used when neither
#: ``[database] url`` nor ``VOICE_DATABASE_URL`` names a database, so every command after the demo
#: works on the demo's data.
DEMO_DATABASE_FILE = "demo-database-url.txt"


@dataclass(frozen=True)
class LimitsConfig:
    """The ``[limits]`` section: rate limits, shared between workers through Redis when set."""

    storage_uri: str
    sign_in: str
    form_per_client: str
    form_per_site: str
    webhook_per_source: str
    # Failed sign-ins per account and client address before that pair waits (issue 19).
    sign_in_failures: str = "5 per 15 minutes"


@dataclass(frozen=True)
class OidcConfig:
    """The ``[auth.oidc]`` section: staff single sign-on with OpenID Connect (issue 19)."""

    enabled: bool = False
    discovery_url: str = ""  # the provider's /.well-known/openid-configuration
    client_id: str = ""
    client_secret_env: str = ""  # the environment variable holding the client secret
    groups_claim: str = "groups"
    roles: dict[str, str] = field(default_factory=dict)  # provider group id -> our role
    allowed_domains: tuple[str, ...] = ()  # e-mail domains that may sign in (empty: any)
    allow_passwords: bool = True  # local passwords still work beside single sign-on


def default_database(instance: Path) -> tuple[DatabaseConfig, str]:
    """The demo's database when `voice demo` recorded one in ``instance``, else ``instance/voice.db``;
    with where it came from ("demo" or "default")."""
    recorded = instance / DEMO_DATABASE_FILE
    try:
        url = recorded.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        url = ""
    if url:
        return DatabaseConfig(url=url), "demo"
    return DatabaseConfig(url=f"sqlite:///{instance / 'voice.db'}"), "default"


def read_app(reader: Reader, table: dict, environ: Mapping[str, str], base: Path) -> AppConfig:
    """Read ``[app]`` (required); the secret key comes only from ``VOICE_SECRET_KEY``."""
    keys = ("council_name", "borough", "instance_path", "session_minutes", "session_max_hours", "log_level",
            "behind_proxy", "secure_cookies")
    reader.table({"app": table}, "", ("app",))
    reader.only(table, "app", keys)
    borough = reader.text(table, "app", "borough")
    if borough not in BOROUGHS:
        reader.fail("app.borough", borough, "one of " + ", ".join(BOROUGHS))
    level = reader.text(table, "app", "log_level").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        reader.fail("app.log_level", level, "DEBUG, INFO, WARNING or ERROR")
    return AppConfig(
        council_name=reader.text(table, "app", "council_name"),
        borough=borough,
        instance_path=resolve_path(base, reader.text(table, "app", "instance_path")),
        session_minutes=reader.integer(table, "app", "session_minutes", low=1, high=24 * 60),
        session_max_hours=reader.integer(table, "app", "session_max_hours", low=1, high=7 * 24, default=12),
        log_level=level,
        secret_key=environ.get("VOICE_SECRET_KEY", ""),
        behind_proxy=reader.boolean(table, "app", "behind_proxy", default=False),
        secure_cookies=reader.boolean(table, "app", "secure_cookies", default=False),
    )


def read_limits(reader: Reader, table: dict) -> LimitsConfig:
    """Read ``[limits]`` (required): a storage URI and rates such as ``10 per minute``."""
    keys = ("storage_uri", "sign_in", "form_per_client", "form_per_site", "webhook_per_source", "sign_in_failures")
    reader.only(table, "limits", keys)
    storage = reader.text(table, "limits", "storage_uri")
    if not storage.startswith(("memory://", "redis://", "rediss://")):
        reader.fail("limits.storage_uri", storage, "memory:// or a redis:// URL")
    values = {key: reader.text(table, "limits", key) for key in keys[1:-1]}
    values["sign_in_failures"] = table.get("sign_in_failures", LimitsConfig.sign_in_failures)
    rate = r"\d+ per ((\d+ )?(second|minute|hour|day)s?)"
    for key, value in values.items():
        if not isinstance(value, str) or not re.fullmatch(rf"{rate}(; ?{rate})*", value):
            reader.fail(f"limits.{key}", value, "a rate such as '10 per minute' (several joined by ';')")
    return LimitsConfig(storage_uri=storage, **values)


_ROLES = ("admin", "analyst", "engagement", "viewer")  # as service.store.models.ROLES (config imports no models)


def read_oidc(reader: Reader, raw: dict, environ: Mapping[str, str]) -> OidcConfig:
    """Read ``[auth.oidc]`` (optional: without it single sign-on is off)."""
    auth = raw.get("auth", {})
    table = auth.get("oidc", {}) if isinstance(auth, dict) else None
    if not isinstance(table, dict):
        reader.fail("auth.oidc", table, "a table")
    reader.only(auth, "auth", ("oidc",))
    texts = ("discovery_url", "client_id", "client_secret_env", "groups_claim")
    reader.only(table, "auth.oidc", (*texts, "enabled", "roles", "allowed_domains", "allow_passwords"))
    values = {k: reader.text(table, "auth.oidc", k, allow_empty=True, default=getattr(OidcConfig, k)) for k in texts}
    roles, domains = table.get("roles", {}), table.get("allowed_domains", [])
    if not isinstance(roles, dict) or not all(isinstance(r, str) and r in _ROLES for r in roles.values()):
        reader.fail("auth.oidc.roles", roles, f"a table of provider group = one of {', '.join(_ROLES)}")
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        reader.fail("auth.oidc.allowed_domains", domains, "a list of e-mail domains")
    enabled = reader.boolean(table, "auth.oidc", "enabled", default=False)
    if enabled and not (values["discovery_url"] and values["client_id"] and environ.get(values["client_secret_env"])):
        reader.fail("auth.oidc.enabled", enabled, "discovery_url, client_id and a set client_secret_env variable first")
    return OidcConfig(enabled=enabled, roles=dict(roles), allowed_domains=tuple(d.lower() for d in domains),
                      allow_passwords=reader.boolean(table, "auth.oidc", "allow_passwords", default=True), **values)
