"""The file connector reads real CSV, XLSX and SPSS files written by the tests."""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from openpyxl import Workbook

from ingest import (
    FileOptions,
    MappingError,
    ReadNotes,
    SourceUnavailable,
    read_file_records,
)
from ingest.xlsx import combine_header

HEADER = ["Respondent ID", "Date submitted", "Age group", "What would make you feel safer?"]
ROWS = [["R1", "21/04/2023", "25-34", "More lighting, café open late"], ["R2", "22/04/2023", "75+", ""]]


def _write_csv(path, rows, encoding="utf-8", delimiter=","):
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def _read(path, **kwargs):
    return list(read_file_records(path, "Respondent ID", **kwargs))


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("cp1252", "\t")])
def test_csv_reads_each_excel_encoding_and_delimiter(tmp_path, encoding, delimiter):
    path = _write_csv(tmp_path / "export.csv", [HEADER, *ROWS], encoding, delimiter)
    records = _read(path)
    assert [r.external_id for r in records] == ["R1", "R2"]
    assert records[0].data["What would make you feel safer?"] == "More lighting, café open late"
    assert records[0].data["Respondent ID"] == "R1"  # no BOM left on the first column name
    assert records[1].location == "export.csv row 3"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_csv_in_utf16_with_or_without_bom_is_read(tmp_path, encoding):
    path = tmp_path / "export.csv"
    path.write_text("Respondent ID\tAge group\nR1\t25-34\nR2\tcafé\n", encoding=encoding)
    notes = ReadNotes()
    records = _read(path, notes=notes)
    assert [r.data["Age group"] for r in records] == ["25-34", "café"]
    assert notes.delimiter == "\t"


def test_csv_with_bytes_of_no_known_encoding_names_row_and_byte(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"Respondent ID,Age group\nR1,25-34\nR2,\x81\x8d\n")
    with pytest.raises(SourceUnavailable, match=r"export.csv row 3: byte b'\\x81' at offset 36 is not valid UTF-8 or "
                                                 r"Windows-1252 text \(tried: utf-8-sig, cp1252\)"):
        _read(path)


def test_csv_in_a_configured_encoding_that_does_not_fit_names_what_was_tried(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("Respondent ID,Age group\nR1,caf\u00e9\n".encode("cp1252"))
    with pytest.raises(SourceUnavailable, match=r"export.csv row 2: byte b'\\xe9' .* not valid UTF-8 text \(tried: utf-8\); "
                                                 r"fix \[sources.KEY.file\] encoding"):
        _read(path, options=FileOptions(encoding="utf-8"))


def test_csv_missing_required_column_lists_columns_and_closest_match(tmp_path):
    path = _write_csv(tmp_path / "export.csv", [["Respondent Id", "Age group"], ["R1", "25-34"]])
    with pytest.raises(MappingError, match=r"required column 'Respondent ID' is missing; the closest is 'Respondent Id'\. "
                                           r"Columns found: 'Respondent Id', 'Age group'"):
        _read(path)


def test_csv_extra_column_is_kept_raw_and_noted(tmp_path):
    path = _write_csv(tmp_path / "export.csv", [[*HEADER, "Browser"], [*ROWS[0], "Firefox"]])
    notes = ReadNotes()
    records = _read(path, known=tuple(HEADER), notes=notes)
    assert records[0].data["Browser"] == "Firefox"
    assert notes.lines("export.csv") == [("export.csv: column(s) 'Browser' are not in the mapping; "
                                          "their values are kept in the raw record only, except columns named like "
                                          "personal data or listed in drop_columns, which are not stored at all")]


def test_csv_blank_rows_are_skipped_and_counted(tmp_path):
    path = _write_csv(tmp_path / "export.csv", [HEADER, ROWS[0], ["", "", "", ""], [], ROWS[1]])
    notes = ReadNotes()
    records = _read(path, notes=notes)
    assert [r.location for r in records] == ["export.csv row 2", "export.csv row 5"]
    assert notes.lines("export.csv") == ["export.csv: 2 blank row(s) skipped (row 3, 4)"]


def test_csv_row_longer_than_header_keeps_extra_cells_for_quarantine(tmp_path):
    path = _write_csv(tmp_path / "export.csv", [HEADER, [*ROWS[0], "stray"]])
    assert _read(path)[0].data["_extra_cells"] == ["stray"]


def test_csv_20_mb_free_text_cell_is_read_whole(tmp_path):
    huge = "x" * (20 * 1024 * 1024)
    path = _write_csv(tmp_path / "export.csv", [HEADER, ["R1", "21/04/2023", "25-34", huge]])
    assert len(_read(path)[0].data["What would make you feel safer?"]) == len(huge)


def _workbook(path, rows, title="Responses", extra_sheet=False):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("Notes", 0).append(["not the data"])
    workbook.save(path)
    return path


def test_xlsx_first_sheet_keeps_numbers_and_dates(tmp_path):
    when = datetime(2023, 4, 21, 9, 30)
    path = _workbook(tmp_path / "export.xlsx", [HEADER, [101, when, "25-34", "More police"], [None] * 4, ["R3", 45037, None, None]])
    notes = ReadNotes()
    records = _read(path, notes=notes)
    assert [r.external_id for r in records] == ["101", "R3"]
    assert records[0].data["Date submitted"] == "2023-04-21T09:30:00"
    assert records[1].data["Date submitted"] == 45037  # an Excel serial: read by the mapping
    assert records[1].location == "export.xlsx row 4"
    assert notes.n_blank == 1


def test_xlsx_named_sheet_and_header_row_are_used(tmp_path):
    path = _workbook(tmp_path / "export.xlsx", [["Exported 21/04/2023"], HEADER, ROWS[0]], extra_sheet=True)
    records = _read(path, options=FileOptions(sheet="Responses", header_row=2))
    assert records[0].external_id == "R1" and records[0].location == "export.xlsx row 3"


def test_xlsx_missing_sheet_lists_the_sheets(tmp_path):
    path = _workbook(tmp_path / "export.xlsx", [HEADER])
    with pytest.raises(SourceUnavailable, match=r"sheet 'Data' not found; sheets in the workbook: 'Responses'"):
        _read(path, options=FileOptions(sheet="Data"))


def test_xlsx_two_row_header_joins_question_and_option(tmp_path):
    top = ["Respondent ID", "What has happened to you here?", None, "How safe do you feel?", "What would make you feel safer?"]
    bottom = [None, "Robbery", "Harassment", "Response", "Open-Ended Response"]
    path = _workbook(tmp_path / "export.xlsx", [top, bottom, ["R1", "Robbery", None, "Safe", "Lights"]])
    record = _read(path, options=FileOptions(header_rows=2))[0]
    assert list(record.data) == ["Respondent ID", "What has happened to you here? - Robbery",
                                 "What has happened to you here? - Harassment", "How safe do you feel?",
                                 "What would make you feel safer?"]
    assert record.location == "export.xlsx row 3"


def test_combine_header_carries_a_merged_question_over_its_options():
    assert combine_header(["Q", None, None, "R"], ["a", "b", None, None]) == ["Q - a", "Q - b", "", "R"]


def test_truncated_xlsx_is_refused_asking_for_a_new_export(tmp_path):
    path = _workbook(tmp_path / "export.xlsx", [HEADER, *ROWS])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceUnavailable, match=r"export.xlsx: not a readable XLSX workbook .*truncated or damaged. Export it again"):
        _read(path)


def test_sav_applies_value_labels_and_reads_in_chunks(tmp_path):
    frame = pd.DataFrame({"Respondent_ID": ["R1", "R2", "R3"], "sex": [1.0, 2.0, 1.0], "age": [34.0, None, 71.0]})
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"sex": {1.0: "Female", 2.0: "Male"}})
    notes = ReadNotes()
    records = list(read_file_records(path, "Respondent_ID", options=FileOptions(chunk_rows=2), notes=notes))
    assert [r.data["sex"] for r in records] == ["Female", "Male", "Female"]
    assert records[1].data["age"] is None and records[2].location == "export.sav row 4"
    assert notes.n_rows_estimate == 3


def test_sav_missing_variable_is_named(tmp_path):
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(pd.DataFrame({"id": ["R1"]}), str(path))
    before = _child_pids()
    with pytest.raises(MappingError, match=r"export.sav: required column 'Respondent_ID' is missing"):
        list(read_file_records(path, "Respondent_ID"))
    assert _child_pids() == before


def _child_pids() -> set[int]:
    """The ids of this process's child processes, zombies included (Linux /proc)."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()  # state, parent id, ...
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(after_name[1]) == os.getpid():
            pids.add(int(stat.parent.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists child processes from Linux /proc")
def test_sav_records_closed_early_stop_the_reading_process(tmp_path):
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(pd.DataFrame({"id": [f"R{i}" for i in range(50)]}), str(path))
    before = _child_pids()
    records = read_file_records(path, "id", options=FileOptions(chunk_rows=5))
    assert next(records).external_id == "R0"
    assert len(_child_pids() - before) == 1  # the reader's child process, still sending chunks
    records.close()
    assert _child_pids() == before


def test_sav_cut_short_gives_the_rows_before_and_names_the_row(tmp_path):
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(pd.DataFrame({"id": [f"R{i}" for i in range(30)], "score": [float(i) for i in range(30)]}),
                         str(path))
    path.write_bytes(path.read_bytes()[:-83])  # the last five cases and a bit (16 bytes a case)
    records = read_file_records(path, "id", options=FileOptions(chunk_rows=10))
    assert [next(records).external_id for _ in range(20)] == [f"R{i}" for i in range(20)]
    with pytest.raises(SourceUnavailable, match=r"export.sav row 22: the file stops or is damaged here \(File did "
                       r"not contain the expected number of rows\)"):
        next(records)


def test_file_not_starting_like_a_sav_file_is_refused_naming_what_it_starts_with(tmp_path):
    path = tmp_path / "export.sav"
    path.write_bytes(b"PK\x03\x04 a zip file renamed")
    with pytest.raises(SourceUnavailable, match=r"export.sav: not an SPSS .sav file \(it starts with b'PK\\x03\\x04', "
                       r"a .sav file with b'\$FL2' or b'\$FL3'\); export it again from SPSS as a .sav file"):
        _read(path)


def test_unknown_file_type_is_refused_listing_known_types(tmp_path):
    path = tmp_path / "export.json"
    path.write_text("{}")
    with pytest.raises(SourceUnavailable, match=r"files of type '.json' cannot be read; expected one of .csv, .txt, .xlsx, .sav"):
        _read(path)


def test_csv_configured_delimiter_and_three_header_rows(tmp_path):
    rows = [["id", "Safety", "", "Comment"], ["", "Day", "Night", ""], ["", "Park", "Park", ""], ["R1", "4", "2", "ok|fine"]]
    path = _write_csv(tmp_path / "export.csv", rows, delimiter="|")
    records = list(read_file_records(path, "id", options=FileOptions(header_rows=3, delimiter="|")))
    assert list(records[0].data) == ["id", "Safety - Day - Park", "Safety - Night - Park", "Comment"]
    assert records[0].data["Comment"] == "ok|fine" and records[0].location == "export.csv row 4"


def test_csv_configured_summary_patterns_replace_the_defaults(tmp_path):
    path = _write_csv(tmp_path / "export.csv", [HEADER, ROWS[0], ["Mean score: 3.2"], ["Total responses: 1"]])
    notes = ReadNotes()
    records = _read(path, notes=notes, options=FileOptions(summary_patterns=(r"^mean score",)))
    assert [r.external_id for r in records] == ["R1", "Total responses: 1"]
    assert notes.summary_rows == [(3, "Mean score: 3.2")]


def test_csv_configured_utf16_without_bom(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes("Respondent ID\tAge group\nR1\t16–24\n".encode("utf-16-le"))
    records = _read(path, options=FileOptions(encoding="utf-16-le"))
    assert records[0].data["Age group"] == "16–24"
