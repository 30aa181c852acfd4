"""The ``[privacy]`` and ``[retention]`` sections: what residents are told, and how long their
data is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from service.config.reader import Reader
from service.config.sources import SourceConfig


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


def check_privacy(reader: Reader, privacy: PrivacyConfig) -> PrivacyConfig:
    """Check the read ``[privacy]`` section: a known lawful basis and a UK consent age."""
    if privacy.lawful_basis not in LAWFUL_BASES:
        reader.fail("privacy.lawful_basis", privacy.lawful_basis, " or ".join(LAWFUL_BASES))
    if not 13 <= privacy.consent_min_age <= 18:
        reader.fail("privacy.consent_min_age", privacy.consent_min_age, "an age from 13 (UK GDPR Article 8) to 18")
    return privacy


def read_retention(reader: Reader, raw: dict, sources: tuple[SourceConfig, ...]) -> RetentionConfig:
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
