"""The whole configuration, :class:`Config`, and :func:`load_config`, which reads a file into it.

Every key can be overridden by an environment variable named after its path:
``[database] url`` by ``VOICE_DATABASE_URL``, ``[sources.css] path`` by ``VOICE_SOURCES_CSS_PATH``;
keys of ``[app]`` also by ``VOICE_<KEY>`` (``VOICE_SECRET_KEY``). Secrets live only in the
environment. A wrong, missing or unknown key stops start-up with :class:`ConfigError`, which names
the file, the key, the value and what was expected.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from service.config.analysis import (
    AnalysisConfig,
    LlmConfig,
    NlpConfig,
    ReportsConfig,
    read_analysis,
    read_llm,
    read_nlp,
    read_reports,
)
from service.config.app import (
    AppConfig,
    DatabaseConfig,
    LimitsConfig,
    OidcConfig,
    default_database,
    read_app,
    read_limits,
    read_oidc,
)
from service.config.mail import MailConfig, SafeguardingConfig, read_mail, read_safeguarding
from service.config.privacy import PrivacyConfig, RetentionConfig, check_privacy, read_retention
from service.config.reader import (
    PROJECT_ROOT,
    ConfigError,
    Reader,
    apply_environment,
    check_overrides_used,
    read_plain,
)
from service.config.sources import FormConfig, SourceConfig, read_form, read_source

#: The file read when neither a path nor ``VOICE_CONFIG`` names one.
DEFAULT_FILE = PROJECT_ROOT / "config.toml"


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
    apply_environment(raw, environ, file)
    reader = Reader(file)
    sections = reader.table(raw, "", ("app", "database", "limits", "analysis", "sources"))
    app = read_app(reader, sections["app"], environ, file.parent)
    database = DatabaseConfig(url=reader.text(sections["database"], "database", "url", allow_empty=True))
    database_from = "config"
    if not database.url:
        database, database_from = default_database(app.instance_path)
    sources = tuple(read_source(reader, key, table, file.parent) for key, table in sections["sources"].items())
    llm = read_llm(reader, raw, sources)
    config = Config(source_file=file, app=app, database=database, limits=read_limits(reader, sections["limits"]),
                    analysis=read_analysis(reader, sections["analysis"], file.parent), sources=sources,
                    form=read_form(reader, raw, sources), reports=read_reports(reader, raw),
                    retention=read_retention(reader, raw, sources), mail=read_mail(reader, raw),
                    oidc=read_oidc(reader, raw, environ), llm=llm,
                    nlp=read_nlp(reader, raw, llm),
                    safeguarding=read_safeguarding(reader, raw, environ),
                    privacy=check_privacy(reader, read_plain(reader, raw, "privacy", PrivacyConfig)),
                    database_from=database_from)
    check_overrides_used(raw, environ, file)  # last: a moved key's own message (e.g. [mail]) comes first
    return config
