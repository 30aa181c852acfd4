"""Presets: the file layout and mapping defaults of the survey tools councils export from.

``preset = "smartsurvey"`` in ``[sources.KEY]`` fills every ``[sources.KEY.file]`` and
``[sources.KEY.mapping]`` key that the section does not set itself; keys set in the section win.
The layouts are those of each tool's standard export (docs/sources.md describes each one).
"""

from __future__ import annotations

from typing import Any

_ID_KEYS = ("id_column", "id_columns", "row_id")
#: Every preset's tool writes local time without a zone (a zone suffix such as "GMT+1", where a tool
#: writes one, wins): SmartSurvey and Citizen Space in UK time, Microsoft Forms and Google Forms in the
#: form owner's or sheet's zone (a UK council's is Europe/London), Snap as the survey PC's clock.
_UK = "Europe/London"
_EXCEL_DATES = ["dayfirst", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    # XLSX and CSV: question text over option text in two header rows; "UserNo" numbers each response.
    "smartsurvey": {
        "file": {"header_rows": 2},
        "mapping": {"id_column": "UserNo", "submitted_at": "Ended", "date_formats": _EXCEL_DATES, "timezone": _UK},
    },
    # CSV or XLSX with one header row, ISO times, and analysts' extra columns kept raw.
    "citizen_space": {
        "file": {"header_rows": 1},
        "mapping": {"id_column": "Response ID", "submitted_at": "Submitted on",
                    "date_formats": ["iso", "%Y-%m-%d %H:%M:%S", *_EXCEL_DATES], "timezone": _UK},
    },
    # XLSX with "ID", "Start time", "Completion time"; multi-select answers joined by ";".
    "microsoft_forms": {
        "file": {"header_rows": 1},
        "mapping": {"id_column": "ID", "submitted_at": "Completion time",
                    "date_formats": ["iso", *_EXCEL_DATES, "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M:%S"],
                    "timezone": _UK},
    },
    # CSV with "Timestamp" such as "2024/05/01 10:15:03 am GMT+1", no response id (the row is the id),
    # multi-select answers joined by ", ".
    "google_forms": {
        "file": {"header_rows": 1},
        "mapping": {"row_id": True, "submitted_at": "Timestamp",
                    "date_formats": ["%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S"],
                    "timezone": _UK},
    },
    # SPSS .sav with value labels; variables named by the survey designer, "ID" and "Date" by default.
    "snap": {
        "file": {},
        "mapping": {"id_column": "ID", "submitted_at": "Date", "date_formats": ["iso", *_EXCEL_DATES], "timezone": _UK},
    },
}


def apply_preset(name: str, file_table: dict[str, Any], mapping_table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The file and mapping tables with the preset's defaults under the keys they set.

    A mapping that sets its own id (``id_column``, ``id_columns`` or ``row_id``) takes none of
    the preset's id keys.

    Raises
    ------
    ValueError
        ``name`` is not a preset.
    """
    if name not in PRESETS:
        raise ValueError(f"preset {name!r}: expected one of {', '.join(PRESETS)}")
    preset = PRESETS[name]
    mapping_defaults = dict(preset["mapping"])
    if any(key in mapping_table for key in _ID_KEYS):
        for key in _ID_KEYS:
            mapping_defaults.pop(key, None)
    return {**preset["file"], **file_table}, {**mapping_defaults, **mapping_table}
