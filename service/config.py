"""Read ``config.toml`` and the environment into frozen dataclasses, checking every key.

Every key can be overridden by an environment variable named after its path:
``[database] url`` by ``VOICE_DATABASE_URL``, ``[sources.css] path`` by ``VOICE_SOURCES_CSS_PATH``;
keys of ``[app]`` also by ``VOICE_<KEY>`` (``VOICE_SECRET_KEY``). Secrets live only in the
environment. A wrong, missing or unknown key stops start-up with :class:`ConfigError`, which names
the file, the key, the value and what was expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ingest import FileOptions, QuestionSpec, RestOptions, SourceMapping
from ingest.presets import apply_preset

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = PROJECT_ROOT / "config.toml"
BOROUGHS = ("havering", "barking_dagenham")
BOROUGH_NAMES = {"havering": "Havering", "barking_dagenham": "Barking and Dagenham"}
SOURCE_KINDS = ("file", "rest", "webhook", "form")
_MISSING = object()


class ConfigError(Exception):
    """A configuration value that stops start-up; the message says how to fix it."""


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
class AnalysisConfig:
    """The ``[analysis]`` section: what representativeness, weighting and topic runs use."""

    compare_variables: tuple[str, ...]
    weight_variables: tuple[str, ...]
    weight_cap: float
    model_dir: Path
    schedule: str
    # Issue 15 part 5: texts stored since the last topics run are coded by this job (redaction
    # and safeguarding already ran when they were stored). "" = only by `voice analyse`.
    classify_schedule: str = "* * * * *"
    # Issue 15 part 6: the share of texts drawn (seeded by ``audit_seed``, the same draw every
    # time) into the random audit sample the review queue mixes in, and how many reviews of that
    # sample are needed before the model's agreement with reviewers is shown.
    audit_share: float = 0.2
    audit_seed: int = 15
    min_audit_reviews: int = 30
    # Issue 20.8, when not to weight: a weighting run past any of these is stored as not weighted
    # and its figures are shown unweighted with the reason.
    max_design_effect: float = 3.0  # Kish design effect of the final weights
    max_weight: float = 10.0  # largest weight, as a multiple of the mean weight
    min_cell: int = 10  # fewest respondents a margin level (e.g. aged 65+) may rest on
    # Issue 20 follow-up: before refusing, merge thin categories (ethnic groups, adjacent age bands)
    # and drop a variable that still fails; docs/weights.md "Collapsing thin categories".
    collapse_thin: bool = True


@dataclass(frozen=True)
class FormConfig:
    """The ``[form]`` section: the residents' QR-code form (issue 4)."""

    source: str = "form"
    public_url: str = ""
    languages: tuple[str, ...] = ("en",)
    min_seconds: int = 3
    token_hours: int = 24
    max_text: int = 1000
    question_sets: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {"standard": ("safe_here", "feel_safer", "happened")})


@dataclass(frozen=True)
class ReportsConfig:
    """The ``[reports]`` section: quarterly briefings and the SNA export (issue 7)."""

    min_cell: int = 10
    max_quotes: int = 6
    youth_max_age: int = 24
    scheduled_formats: tuple[str, ...] = ("pdf",)
    schedule: str = "0 7 1 1,4,7,10 *"
    where_next_min_base: int = 10  # a place with fewer respondents is "too few responses to tell" (issue 20 item 11)


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


@dataclass(frozen=True)
class PrivacyConfig:
    """The ``[privacy]`` section: what the residents' privacy notice says (issue 17)."""

    controller: str = ""
    lawful_basis: str = "public_task"
    dpo_email: str = ""
    dpo_address: str = ""
    retention_months: int = 24
    consent_min_age: int = 13


LAWFUL_BASES = ("public_task", "consent")


RETENTION_PERIODS = ("original_text_months", "raw_record_months", "quarantine_months", "archive_months")


@dataclass(frozen=True)
class RetentionConfig:
    """The ``[retention]`` section: how long personal data is kept (issue 8; see docs/security.md).

    ``sources`` maps a source key to its own ``original_text_months`` / ``raw_record_months``.
    """

    original_text_months: int = 24
    raw_record_months: int = 24
    quarantine_months: int = 6
    archive_months: int = 36
    schedule: str = ""
    sources: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def months(self, source_key: str, period: str) -> int:
        """The months ``period`` lasts for ``source_key`` (its override, else the default)."""
        return self.sources.get(source_key, {}).get(period, getattr(self, period))


@dataclass(frozen=True)
class SourceConfig:
    """One ``[sources.KEY]`` section: a configured connector and its mapping."""

    key: str
    name: str
    kind: str
    description: str
    min_age: int
    max_age: int | None
    schedule: str
    path: Path | None
    url: str
    token_env: str
    secret_env: str
    mapping: SourceMapping
    file: FileOptions = field(default_factory=FileOptions)
    rest: RestOptions = field(default_factory=RestOptions)
    # Issue 20.7: false when respondents may not live in the borough (QR posters at stations and
    # bus stops, a form that does not ask): the channel is compared with residents but never
    # weighted to them, and pages say why.
    residents: bool = True

    @property
    def population(self) -> str:
        """The target population's ages from ``min_age``/``max_age``: ``"16+"``, ``"11-18"``."""
        return f"{self.min_age}-{self.max_age}" if self.max_age else f"{self.min_age}+"

    def population_text(self, borough: str) -> str:
        """``"Havering residents aged 11-18, Census 2021"``: what the channel is compared with."""
        ages = f"{self.min_age} to {self.max_age}" if self.max_age else f"{self.min_age} and over"
        return f"{BOROUGH_NAMES.get(borough, borough)} residents aged {ages}, Census 2021"

    def residence_reason(self, borough: str) -> str:
        """Why a channel whose respondents may not live in the borough is not weighted to its residents."""
        return (f"not weighted: {self.name} respondents may not live in {BOROUGH_NAMES.get(borough, borough)} "
                "(the form does not ask), so they are not weighted to its residents.")


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


@dataclass(frozen=True)
class LlmConfig:
    """The optional ``[nlp.llm]`` section: a council's own OpenAI-compatible endpoint (off by default)."""

    enabled: bool = False
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    timeout: float = 60.0
    max_batch: int = 20
    max_requests_per_minute: int = 60
    cost_per_1k_tokens: float = 0.0
    # Source keys whose comments may be sent; None (the key left out) = every source, () = none.
    allowed_sources: tuple[str, ...] | None = None

    def may_send(self, source_key: str | None) -> bool:
        """True when comments of ``source_key`` may go to the endpoint (it must be enabled too)."""
        return self.enabled and (self.allowed_sources is None or source_key in self.allowed_sources)


FINDINGS_CODERS = ("builtin", "chat")


@dataclass(frozen=True)
class NlpConfig:
    """The ``[nlp]`` section: which coder's topics feed findings, dashboards and briefings."""

    findings_coder: str = "builtin"


@dataclass(frozen=True)
class Config:
    """Everything ``create_app``, the CLI and the scheduler need."""

    source_file: Path
    app: AppConfig
    database: DatabaseConfig
    limits: LimitsConfig
    analysis: AnalysisConfig
    sources: tuple[SourceConfig, ...]
    form: FormConfig = field(default_factory=FormConfig)
    reports: ReportsConfig = field(default_factory=lambda: ReportsConfig())
    retention: RetentionConfig = field(default_factory=lambda: RetentionConfig())
    mail: MailConfig = field(default_factory=MailConfig)
    oidc: OidcConfig = field(default_factory=OidcConfig)
    safeguarding: SafeguardingConfig = field(default_factory=SafeguardingConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    llm: LlmConfig = field(default_factory=LlmConfig)
    nlp: NlpConfig = field(default_factory=NlpConfig)
    # Where the database URL came from: "config" ([database] url or VOICE_DATABASE_URL), "demo"
    # (recorded by `voice demo` in the instance folder, DEMO_DATABASE_FILE) or "default" (voice.db).
    database_from: str = "config"

    def source(self, key: str) -> SourceConfig:
        """Return the source called ``key``, or raise :class:`ConfigError` listing the known ones."""
        for source in self.sources:
            if source.key == key:
                return source
        known = ", ".join(s.key for s in self.sources)
        raise ConfigError(f"no source called {key!r} in {self.source_file}; configured sources: {known}")


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Load and check a config file, with environment overrides.

    Parameters
    ----------
    path
        The TOML file; ``None`` reads ``VOICE_CONFIG`` or the project's ``config.toml``.
    environ
        The environment to read overrides from (``os.environ`` when ``None``).
    """
    environ = os.environ if environ is None else environ
    file = Path(path or environ.get("VOICE_CONFIG") or DEFAULT_FILE)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} not found. Copy config.toml from the project, or set VOICE_CONFIG to its path.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file} is not valid TOML: {error}. Fix that line and start again.") from None
    _apply_environment(raw, environ, file)
    reader = _Reader(file)
    sections = reader.table(raw, "", ("app", "database", "limits", "analysis", "sources"))
    app = _read_app(reader, sections["app"], environ, file.parent)
    database = DatabaseConfig(url=reader.text(sections["database"], "database", "url", allow_empty=True))
    database_from = "config"
    if not database.url:
        database, database_from = _default_database(app.instance_path)
    sources = tuple(_read_source(reader, key, table, file.parent) for key, table in sections["sources"].items())
    llm = _read_llm(reader, raw, sources)
    return Config(source_file=file, app=app, database=database, limits=_read_limits(reader, sections["limits"]),
                  analysis=_read_analysis(reader, sections["analysis"], file.parent), sources=sources,
                  form=_read_form(reader, raw, sources), reports=_read_reports(reader, raw),
                  retention=_read_retention(reader, raw, sources), mail=_read_mail(reader, raw),
                  oidc=_read_oidc(reader, raw, environ), llm=llm,
                  nlp=_read_nlp(reader, raw, llm),
                  safeguarding=_read_plain(reader, raw, "safeguarding", SafeguardingConfig),
                  privacy=_check_privacy(reader, _read_plain(reader, raw, "privacy", PrivacyConfig)),
                  database_from=database_from)


def _default_database(instance: Path) -> tuple[DatabaseConfig, str]:
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


def _read_plain(reader: "_Reader", raw: dict, name: str, cls: type) -> Any:
    """Read an optional flat section into ``cls``: each key typed like its default (lists as tuples of text)."""
    table = raw.get(name, {})
    if not isinstance(table, dict):
        reader.fail(name, table, "a table")
    defaults = cls()
    reader.only(table, name, tuple(f.name for f in fields(cls)))
    values: dict[str, Any] = {}
    for key in table:
        like = getattr(defaults, key)
        if isinstance(like, bool):
            values[key] = reader.boolean(table, name, key, default=like)
        elif isinstance(like, int):
            values[key] = reader.integer(table, name, key, low=0, high=100_000)
        elif isinstance(like, tuple):
            values[key] = tuple(reader.strings(table, name, key))
        else:
            values[key] = reader.text(table, name, key, allow_empty=True)
    return cls(**values)


def _check_privacy(reader: "_Reader", privacy: PrivacyConfig) -> PrivacyConfig:
    if privacy.lawful_basis not in LAWFUL_BASES:
        reader.fail("privacy.lawful_basis", privacy.lawful_basis, " or ".join(LAWFUL_BASES))
    if not 13 <= privacy.consent_min_age <= 18:
        reader.fail("privacy.consent_min_age", privacy.consent_min_age, "an age from 13 (UK GDPR Article 8) to 18")
    return privacy


VARIABLES = ("age_band", "sex", "ethnic_group", "ethnicity", "ward")


def _read_analysis(reader: "_Reader", table: dict, base: Path) -> AnalysisConfig:
    reader.only(table, "analysis", ("compare_variables", "weight_variables", "weight_cap", "model_dir", "schedule",
                                    "classify_schedule", "audit_share", "audit_seed", "min_audit_reviews",
                                    "max_design_effect", "max_weight", "min_cell", "collapse_thin"))
    lists = {}
    for key in ("compare_variables", "weight_variables"):
        values = reader.strings(table, "analysis", key)
        if not values or any(v not in VARIABLES for v in values):
            reader.fail(f"analysis.{key}", values, "a non-empty list drawn from " + ", ".join(VARIABLES))
        lists[key] = tuple(values)
    cap = table.get("weight_cap", _MISSING)
    if isinstance(cap, bool) or not isinstance(cap, (int, float)) or not (cap == 0 or 1.5 <= cap <= 100):
        reader.fail("analysis.weight_cap", None if cap is _MISSING else cap, "0 (no trimming) or a number from 1.5 to 100")
    share = table.get("audit_share", 0.2)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        reader.fail("analysis.audit_share", share, "a share from 0 (no audit sample) to 1")
    limits = {}
    for key, low, default in (("max_design_effect", 1.0, 3.0), ("max_weight", 1.0, 10.0)):
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= 1000:
            reader.fail(f"analysis.{key}", value, f"a number from {low:g} to 1000")
        limits[key] = float(value)
    return AnalysisConfig(**lists, **limits, min_cell=reader.integer(table, "analysis", "min_cell", 1, 100_000, default=10),
                          weight_cap=float(cap), model_dir=_resolve(base, reader.text(table, "analysis", "model_dir")),
                          schedule=reader.text(table, "analysis", "schedule", allow_empty=True),
                          classify_schedule=reader.text(table, "analysis", "classify_schedule", allow_empty=True,
                                                        default="* * * * *"),
                          audit_share=float(share), audit_seed=reader.integer(table, "analysis", "audit_seed", 0, 2**31, default=15),
                          min_audit_reviews=reader.integer(table, "analysis", "min_audit_reviews", 1, 100_000, default=30),
                          collapse_thin=reader.boolean(table, "analysis", "collapse_thin", default=True))


def _read_nlp(reader: "_Reader", raw: dict, llm: LlmConfig) -> NlpConfig:
    """Read ``[nlp]`` (optional): ``findings_coder = "chat"`` needs ``[nlp.llm] enabled = true``."""
    table = raw.get("nlp", {})
    coder = reader.text(table, "nlp", "findings_coder", default="builtin")
    if coder not in FINDINGS_CODERS:
        reader.fail("nlp.findings_coder", coder, '"builtin" (the shipped model) or "chat" (the [nlp.llm] endpoint)')
    if coder == "chat" and not llm.enabled:
        reader.fail("nlp.findings_coder", coder, '"builtin" while [nlp.llm] enabled = false (set enabled = true, '
                    "base_url and model to let the chat coder feed findings)")
    return NlpConfig(findings_coder=coder)


def _read_llm(reader: "_Reader", raw: dict, sources: tuple[SourceConfig, ...] = ()) -> LlmConfig:
    """Read ``[nlp.llm]`` (optional; without it nothing is ever sent anywhere)."""
    nlp_table = raw.get("nlp", {})
    if not isinstance(nlp_table, dict):
        reader.fail("nlp", nlp_table, "a table")
    reader.only(nlp_table, "nlp", ("llm", "findings_coder"))
    table = nlp_table.get("llm", {})
    if not isinstance(table, dict):
        reader.fail("nlp.llm", table, "a table")
    where = "nlp.llm"
    reader.only(table, where, tuple(LlmConfig.__dataclass_fields__))
    numbers = {}
    for key, low, high in (("timeout", 1, 600), ("cost_per_1k_tokens", 0, 1000)):
        value = table.get(key, getattr(LlmConfig, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            reader.fail(f"{where}.{key}", value, f"a number from {low} to {high}")
        numbers[key] = float(value)
    config = LlmConfig(
        enabled=reader.boolean(table, where, "enabled", False),
        base_url=reader.text(table, where, "base_url", allow_empty=True, default=""),
        model=reader.text(table, where, "model", allow_empty=True, default=""),
        api_key_env=reader.text(table, where, "api_key_env", allow_empty=True, default=""),
        max_batch=reader.integer(table, where, "max_batch", low=1, high=200, default=20),
        max_requests_per_minute=reader.integer(table, where, "max_requests_per_minute", low=1, high=10000,
                                               default=60),
        allowed_sources=_allowed_sources(reader, table, where, sources),
        **numbers)
    if config.enabled and not (config.base_url.startswith(("http://", "https://")) and config.model):
        reader.fail(f"{where}.base_url", config.base_url,
                    "an http(s) URL of an OpenAI-compatible API and a model name when enabled = true")
    return config


def _allowed_sources(reader: "_Reader", table: dict, where: str,
                     sources: tuple[SourceConfig, ...]) -> tuple[str, ...] | None:
    """``allowed_sources``: configured source keys only (left out: every source may be sent)."""
    if "allowed_sources" not in table:
        return None
    keys = reader.strings(table, where, "allowed_sources")
    known = {source.key for source in sources}
    unknown = [key for key in keys if key not in known]
    if unknown:
        reader.fail(f"{where}.allowed_sources", unknown, "source keys configured under [sources] ("
                    + ", ".join(sorted(known)) + ")")
    return tuple(keys)


def _read_reports(reader: "_Reader", raw: dict) -> ReportsConfig:
    """Read ``[reports]`` (optional: a config without it gets the defaults)."""
    table = raw.get("reports", {})
    if not isinstance(table, dict):
        reader.fail("reports", table, "a table")
    reader.only(table, "reports", ("min_cell", "max_quotes", "youth_max_age", "scheduled_formats", "schedule",
                                        "where_next_min_base"))
    formats = tuple(reader.strings(table, "reports", "scheduled_formats")) if "scheduled_formats" in table else ("pdf",)
    if any(f not in ("pdf", "docx", "html") for f in formats):
        reader.fail("reports.scheduled_formats", list(formats), "a list drawn from pdf, docx, html")
    return ReportsConfig(
        min_cell=reader.integer(table, "reports", "min_cell", low=1, high=1000, default=10),
        max_quotes=reader.integer(table, "reports", "max_quotes", low=0, high=6, default=6),
        youth_max_age=reader.integer(table, "reports", "youth_max_age", low=11, high=30, default=24),
        scheduled_formats=formats,
        schedule=reader.text(table, "reports", "schedule", allow_empty=True, default=ReportsConfig.schedule),
        where_next_min_base=reader.integer(table, "reports", "where_next_min_base", low=1, high=10_000, default=10),
    )


def _read_retention(reader: "_Reader", raw: dict, sources: tuple["SourceConfig", ...]) -> RetentionConfig:
    """Read ``[retention]`` (optional: a config without it keeps the defaults)."""
    table = raw.get("retention", {})
    if not isinstance(table, dict):
        reader.fail("retention", table, "a table")
    reader.only(table, "retention", (*RETENTION_PERIODS, "schedule", "sources"))
    values = {key: reader.integer(table, "retention", key, low=1, high=1200, default=getattr(RetentionConfig, key))
              for key in RETENTION_PERIODS}
    overrides = table.get("sources", {})
    if not isinstance(overrides, dict):
        reader.fail("retention.sources", overrides, "tables [retention.sources.KEY]")
    known = {s.key for s in sources}
    per_source: dict[str, dict[str, int]] = {}
    for key, override in overrides.items():
        where = f"retention.sources.{key}"
        if key not in known or not isinstance(override, dict):
            reader.fail(where, override, f"a table for a configured source ({', '.join(sorted(known))})")
        reader.only(override, where, RETENTION_PERIODS[:2])
        per_source[key] = {k: reader.integer(override, where, k, low=1, high=1200) for k in override}
    return RetentionConfig(**values, schedule=reader.text(table, "retention", "schedule", allow_empty=True, default=""),
                           sources=per_source)


def _read_mail(reader: "_Reader", raw: dict) -> MailConfig:
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


def _read_oidc(reader: "_Reader", raw: dict, environ: Mapping[str, str]) -> OidcConfig:
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


_ROLES = ("admin", "analyst", "engagement", "viewer")  # as service.store.models.ROLES (config imports no models)

def _read_limits(reader: "_Reader", table: dict) -> LimitsConfig:
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


def _read_form(reader: "_Reader", raw: dict, sources: tuple[SourceConfig, ...]) -> FormConfig:
    table = reader.table(raw, "", ("form",))["form"]
    keys = ("source", "public_url", "languages", "min_seconds", "token_hours", "max_text", "question_sets")
    reader.only(table, "form", keys)
    key = reader.text(table, "form", "source")
    source = next((s for s in sources if s.key == key), None)
    if source is None or source.kind != "form":
        reader.fail("form.source", key, "the key of a [sources.KEY] section of kind \"form\"")
    url = reader.text(table, "form", "public_url", allow_empty=True).rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        reader.fail("form.public_url", url, "empty, or an address such as https://voice.example.gov.uk")
    languages = tuple(reader.strings(table, "form", "languages"))
    if not languages or not all(re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", code) for code in languages):
        reader.fail("form.languages", list(languages), "locale codes such as \"en\", \"pl\" or \"pt_BR\", English first")
    sets = table.get("question_sets")
    if not isinstance(sets, dict) or not sets:
        reader.fail("form.question_sets", sets, "a table of name = [question keys]")
    known = {q.key for q in source.mapping.questions}
    for name in sets:
        keys_asked = reader.strings(sets, "form.question_sets", name)
        unknown = [k for k in keys_asked if k not in known]
        if not keys_asked or unknown:
            reader.fail(f"form.question_sets.{name}", keys_asked, f"keys of questions of [sources.{key}]: {', '.join(sorted(known))}")
    return FormConfig(
        source=key, public_url=url, languages=languages,
        min_seconds=reader.integer(table, "form", "min_seconds", low=0, high=600),
        token_hours=reader.integer(table, "form", "token_hours", low=1, high=24 * 30),
        max_text=reader.integer(table, "form", "max_text", low=1, high=20_000),
        question_sets={name: tuple(value) for name, value in sets.items()},
    )


def _read_app(reader: "_Reader", table: dict, environ: Mapping[str, str], base: Path) -> AppConfig:
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
        instance_path=_resolve(base, reader.text(table, "app", "instance_path")),
        session_minutes=reader.integer(table, "app", "session_minutes", low=1, high=24 * 60),
        session_max_hours=reader.integer(table, "app", "session_max_hours", low=1, high=7 * 24, default=12),
        log_level=level,
        secret_key=environ.get("VOICE_SECRET_KEY", ""),
        behind_proxy=reader.boolean(table, "app", "behind_proxy", default=False),
        secure_cookies=reader.boolean(table, "app", "secure_cookies", default=False),
    )


def _read_source(reader: "_Reader", key: str, table: Any, base: Path) -> SourceConfig:
    where = f"sources.{key}"
    if not isinstance(table, dict):
        reader.fail(where, table, "a table of settings")
    keys = ("name", "kind", "description", "min_age", "max_age", "schedule", "path", "url",
            "token_env", "secret_env", "mapping", "file", "rest", "preset", "residents")
    reader.only(table, where, keys)
    if "preset" in table:  # a survey tool's layout: defaults under the keys the section sets (ingest.presets)
        try:
            file_table, mapping_table = apply_preset(reader.text(table, where, "preset"), table.get("file", {}),
                                                     table.get("mapping", {}))
        except (ValueError, TypeError) as error:
            reader.fail(f"{where}.preset", table.get("preset"), str(error))
        table = {**table, "file": file_table, "mapping": mapping_table}
    kind = reader.text(table, where, "kind")
    if kind not in SOURCE_KINDS:
        reader.fail(f"{where}.kind", kind, "one of " + ", ".join(SOURCE_KINDS))
    max_age = reader.integer(table, where, "max_age", low=0, high=120, default=0)
    if max_age and max_age < reader.integer(table, where, "min_age", low=0, high=120):
        reader.fail(f"{where}.max_age", max_age, f"0 (no upper limit) or an age of at least min_age ({table['min_age']})")
    path = reader.text(table, where, "path", allow_empty=True, default="")
    return SourceConfig(
        key=key,
        name=reader.text(table, where, "name"),
        kind=kind,
        description=reader.text(table, where, "description", allow_empty=True, default=""),
        min_age=reader.integer(table, where, "min_age", low=0, high=120),
        max_age=max_age or None,
        schedule=reader.text(table, where, "schedule", allow_empty=True, default=""),
        path=_resolve(base, path) if path else None,
        url=reader.text(table, where, "url", allow_empty=True, default=""),
        token_env=reader.text(table, where, "token_env", allow_empty=True, default=""),
        secret_env=reader.text(table, where, "secret_env", allow_empty=True, default=""),
        mapping=_read_mapping(reader, where + ".mapping", table.get("mapping"), base),
        file=_read_options(reader, where + ".file", table.get("file", {}), FileOptions),
        rest=_read_options(reader, where + ".rest", table.get("rest", {}), RestOptions),
        residents=reader.boolean(table, where, "residents", default=True),
    )


def _read_options(reader: "_Reader", where: str, table: Any, cls: type) -> Any:
    """Read a table of plain settings into ``cls``, whose defaults give each key's type."""
    if not isinstance(table, dict):
        reader.fail(where, table, "a table of settings")
    defaults = cls()
    names = tuple(f.name for f in fields(cls))
    reader.only(table, where, names)
    values: dict[str, Any] = {}
    for key, value in table.items():
        like = getattr(defaults, key)
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(like, str) and not isinstance(value, str):
            reader.fail(f"{where}.{key}", value, "text")
        elif isinstance(like, int) and not (isinstance(value, int) and is_number):
            reader.fail(f"{where}.{key}", value, "a whole number")
        elif isinstance(like, float) and not is_number:
            reader.fail(f"{where}.{key}", value, "a number")
        elif isinstance(like, tuple):
            value = tuple(_list_of(reader, f"{where}.{key}", value, int if key == "skip_rows" else str))
        values[key] = float(value) if isinstance(like, float) else value
    try:
        return cls(**values)
    except ValueError as error:
        reader.fail(where, table, str(error))


_MAPPING_TEXT = ("id_column", "submitted_at", "date_format", "wave", "wave_column", "site_column",
                 "consent_column", "age_column", "age_band_column", "sex_column",
                 "gender_identity_column", "ethnicity_column", "ward_column", "postcode_column",
                 "unknown_labels", "ethnicity_other_column")
_MAPPING_LISTS = ("id_columns", "date_formats", "optional")  # issue 16: lists of text
_MAPPING_FLAGS = ("row_id", "ward_from_postcode")  # issue 16: true or false


def _list_of(reader: "_Reader", key: str, value: Any, kind: type) -> list[Any]:
    """A TOML array whose items are all ``kind`` (str or int)."""
    if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
        reader.fail(key, value, "a list of " + ("whole numbers" if kind is int else "text"))
    return value


def _read_mapping(reader: "_Reader", where: str, table: Any, base: Path = PROJECT_ROOT) -> SourceMapping:
    if not isinstance(table, dict):
        reader.fail(where, table, "a table with at least id_column")
    reader.only(table, where, (*_MAPPING_TEXT, *_MAPPING_LISTS, *_MAPPING_FLAGS, "postcode_lookup", "age_bands",
                               "min_age", "max_age", "recodes", "questions"))
    values: dict[str, Any] = {k: table[k] for k in _MAPPING_TEXT if k in table}
    for key, value in values.items():
        if not isinstance(value, str):
            reader.fail(f"{where}.{key}", value, "text")
    if not any(k in table for k in ("id_columns", "row_id")):
        reader.text(table, where, "id_column")
    values.update({k: tuple(_list_of(reader, f"{where}.{k}", table[k], str)) for k in _MAPPING_LISTS if k in table})
    values.update({k: reader.boolean(table, where, k, False) for k in _MAPPING_FLAGS if k in table})
    lookup = reader.text(table, where, "postcode_lookup", allow_empty=True, default="")
    if lookup:
        values["postcode_lookup"] = str(_resolve(base, lookup))
    recodes = table.get("recodes", {})
    if not isinstance(recodes, dict) or not all(isinstance(v, dict) for v in recodes.values()):
        reader.fail(f"{where}.recodes", recodes, "tables of label = code")
    questions = table.get("questions", [])
    if not isinstance(questions, list):
        reader.fail(f"{where}.questions", questions, "an array of tables [[...questions]]")
    try:
        return SourceMapping(
            **values,
            age_bands=tuple(reader.strings(table, where, "age_bands")),
            min_age=reader.integer(table, where, "min_age", low=0, high=120, default=0),
            max_age=reader.integer(table, where, "max_age", low=1, high=130, default=120),
            recodes={k: {str(a): str(b) for a, b in v.items()} for k, v in recodes.items()},
            questions=tuple(_read_question(reader, f"{where}.questions[{i}]", q) for i, q in enumerate(questions)),
        )
    except ValueError as error:
        reader.fail(where, "", str(error))


def _read_question(reader: "_Reader", where: str, table: Any) -> QuestionSpec:
    if not isinstance(table, dict):
        reader.fail(where, table, "a table with key, column and type")
    reader.only(table, where, ("key", "column", "type", "wording", "options", "required", "minimum", "maximum", "separator",
                               "option_columns"))
    option_columns = tuple(_list_of(reader, f"{where}.option_columns", table.get("option_columns", []), str))
    try:
        return QuestionSpec(
            key=reader.text(table, where, "key"),
            column=reader.text(table, where, "column", allow_empty=bool(option_columns), default="" if option_columns else _MISSING),
            option_columns=option_columns,
            type=reader.text(table, where, "type"),
            wording=reader.text(table, where, "wording", allow_empty=True, default=""),
            options=tuple(reader.strings(table, where, "options")),
            required=bool(table.get("required", False)),
            minimum=table.get("minimum"),
            maximum=table.get("maximum"),
            separator=reader.text(table, where, "separator", default=";"),
        )
    except ValueError as error:
        reader.fail(f"{where}.type", table.get("type"), str(error))


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def _apply_environment(raw: dict, environ: Mapping[str, str], file: Path, prefix: str = "VOICE") -> None:
    """Replace each scalar key whose ``VOICE_...`` variable is set, converting to the key's type."""
    for key, value in list(raw.items()):
        name = f"{prefix}_{key}".upper().replace("-", "_")
        if isinstance(value, dict):
            _apply_environment(value, environ, file, name)
            continue
        if name not in environ and prefix == "VOICE_APP":
            name = f"VOICE_{key}".upper()
        if name in environ:
            raw[key] = _convert(environ[name], value, name, file)


def _convert(text: str, like: Any, name: str, file: Path) -> Any:
    if isinstance(like, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"environment variable {name}={text!r} (overriding {file}): expected true or false")
    if isinstance(like, int):
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"environment variable {name}={text!r} (overriding {file}): expected a whole number") from None
    if isinstance(like, float):
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"environment variable {name}={text!r} (overriding {file}): expected a number") from None
    if isinstance(like, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


class _Reader:
    """Typed access to a parsed TOML table, raising :class:`ConfigError` with the key's path."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, key: str, value: Any, expected: str) -> None:
        raise ConfigError(f"{self.file}: key {key!r} has value {value!r}; expected {expected}. "
                          f"Fix it in the file or set VOICE_{key.upper().replace('.', '_')}.")

    def table(self, raw: dict, where: str, names: tuple[str, ...]) -> dict[str, dict]:
        out = {}
        for name in names:
            value = raw.get(name, _MISSING)
            if value is _MISSING:
                raise ConfigError(f"{self.file}: section [{where + name}] is missing; copy it from the project's config.toml")
            if not isinstance(value, dict):
                self.fail(where + name, value, "a table")
            out[name] = value
        return out

    def only(self, table: dict, where: str, allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                raise ConfigError(f"{self.file}: unknown key {where}.{key}; the keys allowed in [{where}] are: {', '.join(allowed)}")

    def text(self, table: dict, where: str, key: str, allow_empty: bool = False, default: Any = _MISSING) -> str:
        value = table.get(key, default)
        if value is _MISSING:
            raise ConfigError(f"{self.file}: key {where}.{key} is missing; expected text")
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            self.fail(f"{where}.{key}", value, "non-empty text" if not allow_empty else "text")
        return value

    def integer(self, table: dict, where: str, key: str, low: int, high: int, default: Any = _MISSING) -> int:
        value = table.get(key, default)
        if value is _MISSING:
            raise ConfigError(f"{self.file}: key {where}.{key} is missing; expected a whole number from {low} to {high}")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{where}.{key}", value, f"a whole number from {low} to {high}")
        return value

    def boolean(self, table: dict, where: str, key: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", value, "true or false")
        return value

    def strings(self, table: dict, where: str, key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{where}.{key}", value, "an array of text values")
        return value
