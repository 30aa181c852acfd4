"""The TOML reader every section uses: typed access that stops start-up with :class:`ConfigError`.

Also the environment overrides (``VOICE_<PATH>`` replaces the key at that path, converted to the
key's type) and relative paths, which resolve against the folder holding the config file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

#: The project's folder (the one holding ``config.toml``, ``service/`` and ``templates/``).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: A key left out of a table, told apart from every value TOML can hold.
MISSING = object()


class ConfigError(Exception):
    """A configuration value that stops start-up; the message says how to fix it."""


class Reader:
    """Typed access to a parsed TOML table, raising :class:`ConfigError` with the key's path."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, key: str, value: Any, expected: str) -> None:
        """Stop with the file, the key's path, its value, what was expected and the variable to set."""
        raise ConfigError(f"{self.file}: key {key!r} has value {value!r}; expected {expected}. "
                          f"Fix it in the file or set VOICE_{key.upper().replace('.', '_')}.")

    def table(self, raw: dict, where: str, names: tuple[str, ...]) -> dict[str, dict]:
        """The required sub-tables ``names`` of ``raw`` (``where`` is their parent's dotted path)."""
        out = {}
        for name in names:
            value = raw.get(name, MISSING)
            if value is MISSING:
                raise ConfigError(f"{self.file}: section [{where + name}] is missing; copy it from the project's config.toml")
            if not isinstance(value, dict):
                self.fail(where + name, value, "a table")
            out[name] = value
        return out

    def only(self, table: dict, where: str, allowed: tuple[str, ...]) -> None:
        """Stop at the first key of ``table`` that is not in ``allowed``."""
        for key in table:
            if key not in allowed:
                raise ConfigError(f"{self.file}: unknown key {where}.{key}; the keys allowed in [{where}] are: {', '.join(allowed)}")

    def text(self, table: dict, where: str, key: str, allow_empty: bool = False, default: Any = MISSING) -> str:
        """A text value (non-empty unless ``allow_empty``); required unless ``default`` is given."""
        value = table.get(key, default)
        if value is MISSING:
            raise ConfigError(f"{self.file}: key {where}.{key} is missing; expected text")
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            self.fail(f"{where}.{key}", value, "non-empty text" if not allow_empty else "text")
        return value

    def integer(self, table: dict, where: str, key: str, low: int, high: int, default: Any = MISSING) -> int:
        """A whole number from ``low`` to ``high``; required unless ``default`` is given."""
        value = table.get(key, default)
        if value is MISSING:
            raise ConfigError(f"{self.file}: key {where}.{key} is missing; expected a whole number from {low} to {high}")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{where}.{key}", value, f"a whole number from {low} to {high}")
        return value

    def boolean(self, table: dict, where: str, key: str, default: bool) -> bool:
        """``true`` or ``false``; ``default`` when the key is left out."""
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", value, "true or false")
        return value

    def strings(self, table: dict, where: str, key: str) -> list[str]:
        """An array of text values; ``[]`` when the key is left out."""
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{where}.{key}", value, "an array of text values")
        return value


def read_plain(reader: Reader, raw: dict, name: str, cls: type) -> Any:
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


def list_of(reader: Reader, key: str, value: Any, kind: type) -> list[Any]:
    """A TOML array whose items are all ``kind`` (str or int)."""
    if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
        reader.fail(key, value, "a list of " + ("whole numbers" if kind is int else "text"))
    return value


def resolve_path(base: Path, value: str) -> Path:
    """``value`` as a path; a relative one is taken from ``base`` (the config file's folder)."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def apply_environment(raw: dict, environ: Mapping[str, str], file: Path, prefix: str = "VOICE") -> None:
    """Replace each scalar key whose ``VOICE_...`` variable is set, converting to the key's type."""
    for key, value in list(raw.items()):
        name = f"{prefix}_{key}".upper().replace("-", "_")
        if isinstance(value, dict):
            apply_environment(value, environ, file, name)
            continue
        if name not in environ and prefix == "VOICE_APP":
            name = f"VOICE_{key}".upper()
        if name in environ:
            raw[key] = _convert(environ[name], value, name, file)


def check_overrides_used(raw: dict, environ: Mapping[str, str], file: Path) -> None:
    """Stop on a ``VOICE_<SECTION>_...`` variable that names no key of the file (trial 4: an override of a
    key the file does not set, ``VOICE_SOURCES_LIME_FILE_HEADER_ROW``, was ignored without a word).

    Only keys written in the file can be overridden (the file gives each its type). Variables named by a
    ``*_env`` key (tokens, secrets, passwords) are not overrides and are left alone.
    """
    keys: set[str] = set()
    named: set[str] = set()

    def walk(table: dict, prefix: str) -> None:
        for key, value in table.items():
            name = f"{prefix}_{key}".upper().replace("-", "_")
            if isinstance(value, dict):
                walk(value, name)
            else:
                keys.add(name)
                if key.endswith("_env") and isinstance(value, str) and value:
                    named.add(value)

    walk(raw, "VOICE")
    sections = tuple(f"VOICE_{key}_".upper() for key, value in raw.items() if isinstance(value, dict))
    unused = sorted(n for n in environ if n.startswith(sections) and n not in keys and n not in named)
    if unused:
        raise ConfigError(f"environment variable {unused[0]} overrides no key of {file}: only a key written in the file "
                          "can be overridden (the file gives its type). Add the key to the file, or unset the variable"
                          + (f" ({len(unused) - 1} more: {', '.join(unused[1:4])})" if len(unused) > 1 else "") + ".")


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
