"""Check a sample export against a source's mapping, or suggest a mapping for a new export: nothing is stored.

For analysts setting up or changing a source (``voice sources check|suggest`` and the staff page
``/sources/check``). The work is done by ``ingest.check_export`` and ``ingest.suggest_mapping``
(the ingest update); with an ingest package that lacks them these functions raise
:class:`SourceCheckUnavailable` saying "needs ingest update".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ingest
from service.config import SourceConfig
from service.pipeline.wards import read_ward_names

NEEDS_UPDATE = ("needs ingest update: ingest.{name} is not in this installation's ingest package (it arrives with "
                "the ingest branch: field-level checks and mapping suggestions)")


class SourceCheckUnavailable(RuntimeError):
    """The ingest package in use does not offer the check or suggestion asked for."""


def _ingest_function(name: str) -> Any:
    function = getattr(ingest, name, None)
    if function is None:
        raise SourceCheckUnavailable(NEEDS_UPDATE.format(name=name))
    return function


def has_source_checks() -> bool:
    """True when ``ingest`` offers both ``check_export`` and ``suggest_mapping``."""
    return all(hasattr(ingest, name) for name in ("check_export", "suggest_mapping"))


def check_sample(path: Path, source: SourceConfig, borough: str = "") -> list[str]:
    """Lines saying how the export at ``path`` fares against ``source``'s mapping: every problem, by row and field.

    ``borough`` ([app] borough) gives the wards an ingest maps ward names to; without it no ward
    can be mapped, so pass it wherever the check should agree with an ingest.

    Raises
    ------
    SourceCheckUnavailable
        When ``ingest.check_export`` is not installed.
    """
    wards = tuple(ingest.Ward(code, name) for code, name in read_ward_names(borough).items()) if borough else ()
    result = _ingest_function("check_export")(path, source.mapping, source.file, source=source.key, wards=wards)
    return describe(result)


def suggest_for_sample(path: Path) -> list[str]:
    """Lines with a suggested ``[sources.KEY]`` mapping for the export at ``path``.

    Raises
    ------
    SourceCheckUnavailable
        When ``ingest.suggest_mapping`` is not installed.
    """
    return describe(_ingest_function("suggest_mapping")(path))


def describe(result: Any) -> list[str]:
    """The lines of an ingest result: its ``to_text()`` or ``summary`` when it has one, then one line per issue."""
    if hasattr(result, "to_text"):
        return str(result.to_text()).splitlines()
    lines = [str(result.summary)] if hasattr(result, "summary") else []
    issues = getattr(result, "issues", None)
    if issues is not None:
        lines.extend(str(issue) for issue in issues)
    return lines or str(result).splitlines()
