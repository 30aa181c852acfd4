"""Check a sample export against a source's mapping, or suggest a mapping for a new export: nothing is stored.

For analysts setting up or changing a source (``voice sources check|suggest`` and the staff page
``/sources/check``). The work is done by ``ingest.check_export`` (the same mapping code an ingest
runs) and ``ingest.suggest_mapping``; this adds the borough's wards from the census ward file.
"""

from __future__ import annotations

from pathlib import Path

import ingest
from service.config import SourceConfig
from service.pipeline.wards import read_ward_names


def check_sample(path: Path, source: SourceConfig, borough: str = "", config_file: str = "") -> list[str]:
    """Lines saying how the export at ``path`` fares against ``source``'s mapping: every problem, by row and field.

    ``borough`` ([app] borough) gives the wards an ingest maps ward names to; without it no ward
    can be mapped, so pass it wherever the check should agree with an ingest. ``config_file`` is
    named in the message when a file setting (sheet, encoding) does not fit the file.
    """
    wards = _wards(borough)
    try:
        report = ingest.check_export(path, source.mapping, source.file, source=source.key, wards=wards)
    except ingest.FileSettingError as error:
        raise error.naming(source.key, config_file) from None
    return report.to_text().splitlines()


def suggest_for_sample(path: Path, borough: str = "") -> list[str]:
    """Lines with a suggested ``[sources.KEY]`` mapping for the export at ``path``; with ``borough``, a
    column of the borough's ward names is found by its answers even when its heading says nothing."""
    return ingest.suggest_mapping(path, wards=_wards(borough)).splitlines()


def _wards(borough: str) -> tuple[ingest.Ward, ...]:
    return tuple(ingest.Ward(code, name) for code, name in read_ward_names(borough).items()) if borough else ()
