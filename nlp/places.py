"""Places named in free text: which known places (wards, towns, stations, parks) each comment mentions.

Residents write "round Harold Hill", "at romford stn", "Hylands and Harrow Lodge". A place list
(a gazetteer) gives each place its name and the ways people write it; :class:`PlaceFinder` finds
them as whole words, ignoring case, the longest name winning where names overlap ("Romford
station" is one place, not "Romford" as well). The borough's own list of towns, stations and
parks is in ``nlp/data/places_<borough>.txt``; callers add ward and QR-site names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Place:
    """A place and the ways it is written (its name is always one of them)."""

    name: str
    aliases: tuple[str, ...] = ()


def spellings(name: str) -> tuple[str, ...]:
    """Common ways of writing ``name``: "&" as "and", without apostrophes, "Saint" for "St",
    "stn" for "station"."""
    found = {name}
    for before, after in (("&", "and"), ("'", ""), ("’", ""), ("St ", "Saint "), ("St ", "St. "), (" station", " stn")):
        for known in list(found):
            if before in known:
                found.add(re.sub(r"\s+", " ", known.replace(before, after)).strip())
    return tuple(sorted(found))


class PlaceFinder:
    """Finds known places in texts; one compiled pattern for the whole list."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.names: dict[str, str] = {}
        for place in places:
            for alias in (place.name, *place.aliases):
                for spelling in spellings(alias):
                    key = _key(spelling)
                    if len(key) >= 3:
                        self.names.setdefault(key, place.name)
        words = sorted(self.names, key=len, reverse=True)
        body = "|".join(r"\s+".join(re.escape(part) for part in word.split()) for word in words)
        self.pattern = re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE) if words else None

    def find(self, text: str | None) -> list[str]:
        """The places ``text`` names, each once, in the order first named."""
        if not text or self.pattern is None:
            return []
        out: list[str] = []
        for match in self.pattern.finditer(text):
            name = self.names[_key(match.group(0))]
            if name not in out:
                out.append(name)
        return out

    def count(self, texts: Iterable[str | None]) -> dict[str, int]:
        """How many texts name each place (a text naming a place twice counts once), most named first."""
        counts: dict[str, int] = {}
        for text in texts:
            for name in self.find(text):
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def load_places(path: Path) -> list[Place]:
    """A gazetteer file: one place per line, ``Name | alias | alias``; ``#`` starts a comment."""
    places = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, *aliases = (part.strip() for part in line.split("|"))
        places.append(Place(name, tuple(a for a in aliases if a)))
    return places


def borough_places(borough: str, extra: Mapping[str, Iterable[str]] | None = None) -> list[Place]:
    """The shipped list for ``borough`` (empty when there is none) plus ``extra`` names and aliases."""
    path = DATA / f"places_{borough}.txt"
    places = load_places(path) if path.is_file() else []
    known = {p.name for p in places}
    for name, aliases in (extra or {}).items():
        if name not in known:
            places.append(Place(name, tuple(aliases)))
            known.add(name)
    return places
