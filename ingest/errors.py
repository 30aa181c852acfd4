"""Errors raised while reading and mapping survey records."""

from __future__ import annotations


class IngestError(Exception):
    """Base class for everything that can go wrong while ingesting a source."""


class VocabularyError(IngestError, ValueError):
    """A demographic label that the vocabulary will not guess."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{field}: {value!r} is not a known value; expected {expected}")


class RecordError(IngestError):
    """One record that fails a rule; it goes to quarantine with these details."""

    def __init__(self, field: str, value: object, rule: str, reason: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        self.reason = reason
        super().__init__(f"{field}: {value!r} breaks rule {rule!r}: {reason}")


class SourceUnavailable(IngestError):
    """A file or remote service that cannot be read at all; nothing from it is stored."""


class MappingError(IngestError):
    """A source mapping that does not fit the data (a missing column, a bad setting)."""
