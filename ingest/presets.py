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
#: form owner's or sheet's zone (a UK council's is Europe/London), Snap as the survey PC's clock,
#: Qualtrics and SurveyMonkey in the account's zone (Qualtrics names it in its JSON header row).
_UK = "Europe/London"
_EXCEL_DATES = ["dayfirst", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]
#: Qualtrics rows that are not residents' responses: the ImportId JSON header row, and the Status of a
#: preview, a generated test or a response the tool flagged as spam (Status exported as choice text).
QUALTRICS_SKIPPED = [r'^\{"ImportId":', "^Survey Preview$", "^Survey Test$", "^Spam$"]
QUALTRICS_DROPPED = ["IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
                     "LocationLatitude", "LocationLongitude"]

ALCHEMER_DROPPED = ["SessionID", "User Agent", "Referer", "Contact ID", "IP Address", "Longitude", "Latitude",
                    "Country", "City", "State/Region", "Postal"]

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
    # CSV with three header rows: short names (Q1, ResponseId), the question text, then {"ImportId":"QID1"}
    # JSON (older exports lack the JSON row). Row 2 is skipped by number and the JSON row by its pattern, so
    # both layouts read; so are preview, test and spam responses, by their Status. Recipient names, e-mail,
    # IP address and location are personal data the tool adds: never stored.
    "qualtrics": {
        "file": {"header_rows": 1, "skip_rows": [2], "skip_patterns": QUALTRICS_SKIPPED},
        "mapping": {"id_column": "ResponseId", "submitted_at": "RecordedDate", "date_formats": ["iso", *_EXCEL_DATES],
                    "timezone": _UK, "drop_columns": QUALTRICS_DROPPED},
    },
    # CSV with two header rows (question over option, "Response" / "Open-Ended Response" under a single
    # answer), US month-first times such as "09/28/2024 01:36:24 AM" (or "09/28/2024 13:36" once Excel
    # has re-saved it): date_format is set, so UK day-first is never tried on them. The collector and
    # custom-data columns say how the link was sent, not an answer.
    "surveymonkey": {
        "file": {"header_rows": 2},
        "mapping": {"id_column": "Respondent ID", "submitted_at": "End Date", "date_format": "%m/%d/%Y %I:%M:%S %p",
                    "date_formats": ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "iso"],
                    "timezone": _UK, "drop_columns": ["Collector ID", "Custom Data 1"]},
    },
    # LimeSurvey CSV "question codes" export: "id" numbers each response, "submitdate" is blank for an
    # incomplete one (its "lastpage" is short of the last page), ISO times in the survey's zone. "seed"
    # (a random number for the question order) and "ipaddr" / "refurl" (when the survey records them) are
    # no answer: never stored.
    "limesurvey": {
        "file": {"header_rows": 1},
        "mapping": {"id_column": "id", "submitted_at": "submitdate", "date_format": "iso",
                    "date_formats": _EXCEL_DATES, "timezone": _UK, "drop_columns": ["seed", "ipaddr", "refurl"]},
    },
    # Alchemer (formerly SurveyGizmo) CSV: "Response ID", "Date Submitted" (blank on a Partial response),
    # ISO times, one column per option named "Question:Option". The session, browser, referring page,
    # contact and the IP address with the place it gives (Longitude ... Postal) say who and where the
    # respondent is: never stored. Status, Language, Tags and Comments stay in the raw record.
    "alchemer": {
        "file": {"header_rows": 1},
        "mapping": {"id_column": "Response ID", "submitted_at": "Date Submitted", "date_format": "iso",
                    "date_formats": _EXCEL_DATES, "timezone": _UK, "drop_columns": ALCHEMER_DROPPED},
    },
    # ArcGIS Survey123 CSV: "GlobalID" (kept by a response for good; "ObjectID" is the layer's row number),
    # "CreationDate" in UTC written month first ("4/21/2024 5:52:05 PM"), choice names such as
    # "white_british". The editing times and the usernames of who created or edited a record, and the
    # point's x / y (where the respondent was), are never stored.
    "survey123": {
        "file": {"header_rows": 1},
        "mapping": {"id_column": "GlobalID", "submitted_at": "CreationDate", "date_format": "%m/%d/%Y %I:%M:%S %p",
                    "date_formats": ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "iso"], "timezone": "",
                    "drop_columns": ["Creator", "Editor", "x", "y"]},
    },
}

#: Columns that say an export came from a tool: all of them in the header means that tool's layout
#: (``voice sources suggest`` proposes its preset). The first set that fits wins.
MARKS: tuple[tuple[str, frozenset[str]], ...] = (
    ("qualtrics", frozenset({"ResponseId", "RecordedDate"})),
    ("surveymonkey", frozenset({"Respondent ID", "Collector ID"})),
    ("smartsurvey", frozenset({"UserNo"})),
    ("citizen_space", frozenset({"Response ID", "Submitted on"})),
    ("microsoft_forms", frozenset({"ID", "Start time", "Completion time"})),
    ("google_forms", frozenset({"Timestamp"})),
    ("limesurvey", frozenset({"id", "submitdate", "lastpage", "startlanguage"})),
    ("alchemer", frozenset({"Response ID", "Time Started", "Date Submitted", "SessionID"})),
    ("survey123", frozenset({"ObjectID", "GlobalID", "CreationDate", "EditDate"})),
)


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
