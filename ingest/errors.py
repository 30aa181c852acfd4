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


class FileSettingError(SourceUnavailable):
    """A ``[sources.KEY.file]`` setting does not fit the file (its sheet, encoding or header row): nothing is read.

    A reader knows neither the source nor the configuration file; :meth:`naming` fills both in where
    they are known (an ingest run, ``voice sources check``), so the message says exactly what to edit.
    ``advice`` holds ``{where}``, which becomes e.g. "[sources.ss.file] sheet in /srv/voice/config.toml".
    """

    def __init__(self, problem: str, setting: str, advice: str, source: str = "", config_file: str = "") -> None:
        self.problem = problem
        self.setting = setting
        self.advice = advice
        where = f"[sources.{source or 'KEY'}.file] {setting} in {config_file or 'the configuration file in use'}"
        super().__init__(f"{problem}; {advice.format(where=where)}")

    def naming(self, source: str, config_file: str) -> FileSettingError:
        """The same error, naming the source's key and the configuration file that was loaded."""
        return FileSettingError(self.problem, self.setting, self.advice, source, config_file)


class MappingError(IngestError):
    """A source mapping that does not fit the data (a missing column, a bad setting)."""


class ColumnNotFoundError(MappingError):
    """A column the mapping names is not in the file: nothing from the file is stored.

    ``column`` is the configured name, ``config_key`` the key that names it (such as
    ``mapping.sex_column``), ``closest`` the file's most similar column names.
    """

    def __init__(self, file: str, column: str, config_key: str, closest: tuple[str, ...], found: tuple[str, ...],
                 config_file: str = "") -> None:
        self.file = file
        self.column = column
        self.config_key = config_key
        self.closest = closest
        self.found = found
        hint = ("; the closest are " + ", ".join(repr(c) for c in closest)) if closest else "; no column is close"
        super().__init__(f"{file}: column {column!r} (set by {config_key}) is not in the file{hint}. "
                         f"Nothing was stored. Fix the key in {config_file or 'the configuration file in use'} "
                         "or the column name in the file")


class HeaderMismatchError(MappingError):
    """The sheet or header row read holds none of the mapped columns: the layout settings are wrong."""
