"""The community-safety codeframe: topics with labels, descriptions and example phrases."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import CodeframeError

logger = logging.getLogger(__name__)

CODEFRAME_PATH = Path(__file__).parent / "data" / "codeframe.toml"
REQUIRED_IDS = (
    "police_presence", "police_response", "police_trust", "stop_and_search", "cctv", "street_lighting",
    "youth_provision", "knife_crime", "gangs_violence", "robbery_theft", "vehicle_crime", "drugs",
    "antisocial_behaviour", "transport_safety", "parks_public_space", "women_safety", "domestic_abuse",
    "road_safety", "community_cohesion", "council_services", "feels_safe_no_change", "other",
)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = {"id": str, "label": str, "description": str, "include": list, "exclude": list}


@dataclass(frozen=True)
class Topic:
    """One code in the codeframe."""

    id: str
    label: str
    description: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class Codeframe:
    """A versioned, ordered set of topics."""

    version: str
    topics: tuple[Topic, ...]
    path: Path

    @property
    def ids(self) -> tuple[str, ...]:
        """Topic ids in file order."""
        return tuple(topic.id for topic in self.topics)

    def label(self, topic_id: str) -> str:
        """Return the label of ``topic_id``; raise :class:`CodeframeError` if it is unknown."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic.label
        raise CodeframeError(f"topic {topic_id!r} is not in codeframe {self.path} (version {self.version}); "
                             f"known ids: {', '.join(self.ids)}")


def load_codeframe(path: Path | str | None = None) -> Codeframe:
    """Read and validate a codeframe TOML file (the bundled one when ``path`` is None).

    Raises
    ------
    CodeframeError
        If the file is missing or not TOML, ``version`` is missing, or an entry has a missing
        or wrongly typed field, a malformed or duplicate id; the message names file, entry and field.
    """
    file = Path(path) if path is not None else CODEFRAME_PATH
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CodeframeError(f"codeframe file {file} does not exist; pass the path of a codeframe TOML") from error
    except tomllib.TOMLDecodeError as error:
        raise CodeframeError(f"codeframe file {file} is not valid TOML: {error}") from error
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise CodeframeError(f"codeframe file {file}: top-level 'version' must be a non-empty string, got {version!r}")
    entries = data.get("topic")
    if not isinstance(entries, list) or not entries:
        raise CodeframeError(f"codeframe file {file}: expected one or more [[topic]] tables, found {entries!r}")
    topics = tuple(_parse_topic(file, number, entry) for number, entry in enumerate(entries, start=1))
    seen: set[str] = set()
    for number, topic in enumerate(topics, start=1):
        if topic.id in seen:
            raise CodeframeError(f"codeframe file {file}, topic #{number}: id {topic.id!r} appears twice; ids must be unique")
        seen.add(topic.id)
    logger.debug("loaded codeframe %s version %s with %d topics", file, version, len(topics))
    return Codeframe(version=version, topics=topics, path=file)


def _parse_topic(file: Path, number: int, entry: object) -> Topic:
    where = f"codeframe file {file}, topic #{number}"
    if not isinstance(entry, dict):
        raise CodeframeError(f"{where}: expected a table, got {entry!r}")
    where = f"{where} ({entry.get('id', '?')!r})"
    for field, kind in _FIELDS.items():
        if field not in entry:
            raise CodeframeError(f"{where}: field {field!r} is missing; add it ({kind.__name__})")
        if not isinstance(entry[field], kind):
            raise CodeframeError(f"{where}: field {field!r} must be a {kind.__name__}, got {entry[field]!r}")
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise CodeframeError(f"{where}: unknown field(s) {unknown!r}; allowed: {', '.join(_FIELDS)}")
    if not _ID_RE.match(entry["id"]):
        raise CodeframeError(f"{where}: field 'id' must be snake_case letters, digits and '_', got {entry['id']!r}")
    for field in ("include", "exclude"):
        bad = [item for item in entry[field] if not isinstance(item, str) or not item.strip()]
        if bad:
            raise CodeframeError(f"{where}: field {field!r} must hold non-empty strings, got {bad!r}")
    return Topic(entry["id"], entry["label"], entry["description"], tuple(entry["include"]), tuple(entry["exclude"]))
