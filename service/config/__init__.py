"""Read ``config.toml`` and the environment into frozen dataclasses, checking every key.

Every key can be overridden by an environment variable named after its path:
``[database] url`` by ``VOICE_DATABASE_URL``, ``[sources.css] path`` by ``VOICE_SOURCES_CSS_PATH``;
keys of ``[app]`` also by ``VOICE_<KEY>`` (``VOICE_SECRET_KEY``). Secrets live only in the
environment. A wrong, missing or unknown key stops start-up with :class:`ConfigError`, which names
the file, the key, the value and what was expected.

The modules: ``reader`` (the typed TOML reader, environment overrides, :class:`ConfigError`),
``app`` (``[app]``, ``[database]``, ``[limits]``, ``[auth.oidc]``), ``sources`` (``[sources.KEY]``,
``[form]``), ``analysis`` (``[analysis]``, ``[nlp]``, ``[nlp.llm]``, ``[reports]``), ``mail``
(``[mail]``, ``[safeguarding]``), ``privacy`` (``[privacy]``, ``[retention]``) and ``settings``
(:class:`Config`, :func:`load_config`).
"""

from service.config.analysis import (
    FINDINGS_CODERS,
    VARIABLES,
    AnalysisConfig,
    LlmConfig,
    NlpConfig,
    ReportsConfig,
)
from service.config.app import (
    BOROUGH_NAMES,
    BOROUGHS,
    DEMO_DATABASE_FILE,
    AppConfig,
    DatabaseConfig,
    LimitsConfig,
    OidcConfig,
)
from service.config.mail import MailConfig, SafeguardingConfig
from service.config.privacy import LAWFUL_BASES, RETENTION_PERIODS, PrivacyConfig, RetentionConfig
from service.config.reader import PROJECT_ROOT, ConfigError
from service.config.settings import DEFAULT_FILE, Config, load_config
from service.config.sources import SOURCE_KINDS, FormConfig, SourceConfig

__all__ = [
    "BOROUGHS",
    "BOROUGH_NAMES",
    "DEFAULT_FILE",
    "DEMO_DATABASE_FILE",
    "FINDINGS_CODERS",
    "LAWFUL_BASES",
    "PROJECT_ROOT",
    "RETENTION_PERIODS",
    "SOURCE_KINDS",
    "VARIABLES",
    "AnalysisConfig",
    "AppConfig",
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "FormConfig",
    "LimitsConfig",
    "LlmConfig",
    "MailConfig",
    "NlpConfig",
    "OidcConfig",
    "PrivacyConfig",
    "ReportsConfig",
    "RetentionConfig",
    "SafeguardingConfig",
    "SourceConfig",
    "load_config",
]
