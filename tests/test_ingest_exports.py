"""Nine export shapes, written by the tests as each tool writes them and configured as docs/sources.md says.

All respondents here are synthetic (written for these tests). Each row's true demographics are known,
so every response stored is checked: right, or wrong (must be none); summary rows must never be stored.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from openpyxl import Workbook

from ingest import NOT_STATED as NS
from ingest import ColumnNotFoundError, HeaderMismatchError
from ingest.exports import read_export
from service.config import ConfigError, load_config

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
SHIPPED = Path(__file__).resolve().parent.parent / "config.toml"
WORRIES = ["Poor lighting, e.g. alleys", "Drug dealing", "Groups hanging around"]
# sex label, sex, ethnicity box, write-in, (ethnicity, group), age as written, age, safe (1-5), worries
PEOPLE = [
    ("Female", "female", "White: English, Welsh, Scottish, Northern Irish or British", "", ("13", "H4"), "34", 34, 4, [0]),
    ("Male", "male", "Asian, Asian British or Asian Welsh: Indian", "", ("3", "H1"), "41", 41, 2, [1, 2]),
    ("Female", "female", "Black, Black British, Black Welsh, Caribbean or African", "", (None, "H2"), "19", 19, 3, []),
    ("Male", "male", "British Indian", "", ("3", "H1"), "52", 52, 5, [0, 1]),
    ("Female", "female", "British", "", (NS, NS), "27", 27, 1, [2]),
    ("Prefer not to say", NS, "Other ethnic group", "Nigerian", ("6", "H2"), "63", 63, 3, [0, 1, 2]),
    ("Male", "male", "Mixed or Multiple ethnic groups: White and Black Caribbean", "", ("11", "H3"), "17 years", 17, 2, [1]),
    ("Female", "female", "Other ethnic group", "Albanian", ("17", "H4"), "twenty", 20, 4, []),
    ("Male", "male", "Other ethnic group", "Human race", (None, "H5"), "45", 45, 5, [2]),
    ("Female", "female", "White: Irish", "", ("14", "H4"), "70yrs", 70, 1, [0]),
    ("Female", "female", "Prefer not to say", "", (NS, NS), "Prefer not to say", None, 3, [1]),
]
MAPPING = """
sex_column = "{sex}"
ethnicity_column = "{eth}"
{other}
age_column = "{age}"
min_age = 11
max_age = 110
[[sources.{key}.mapping.questions]]
key = "safe"
column = "{safe}"
type = "scale"
minimum = 1
maximum = 5
[[sources.{key}.mapping.questions]]
key = "worries"
type = "multiple_choice"
options = ["Poor lighting, e.g. alleys", "Drug dealing", "Groups hanging around"]
{worries}
"""


def _source(tmp_path: Path, key: str, head: str, columns: dict[str, str], file: str = ""):
    """Load a [sources.KEY] section as an analyst would write it, through the shipped config."""
    other = f'ethnicity_other_column = "{columns["other"]}"' if columns.get("other") else ""
    text = (SHIPPED.read_text(encoding="utf-8") + f"\n[sources.{key}]\nname = \"{key}\"\nkind = \"file\"\nmin_age = 11\n"
            + head + (f"\n[sources.{key}.file]\n{file}\n" if file else "") + f"\n[sources.{key}.mapping]\n"
            + MAPPING.format(key=key, **{**columns, "other": other}))
    path = tmp_path / f"{key}.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, environ={}).source(key)


def _when(i: int) -> datetime:
    return datetime(2024, 4, 1, 9, 30) + timedelta(days=i, minutes=7 * i)


def _joined(person, separator: str) -> str:
    return separator.join(WORRIES[j] for j in person[8])


def _count(result, truth: dict[str, tuple]) -> dict[str, int]:
    """Right / wrong / summary counts of a result against the true rows."""
    counts = {"right": 0, "wrong": 0, "summary_stored": 0, "quarantined": len(result.quarantined)}
    for response in result.responses:
        expected = truth.get(response.external_id)
        if expected is None:
            counts["summary_stored"] += 1
            continue
        d = response.demographics
        answers = {a.question: a.value for a in response.answers}
        got = (d.sex, (d.ethnicity, d.ethnic_group), d.age, answers.get("safe"), sorted(answers.get("worries", [])))
        want = (expected[1], expected[4], expected[6], expected[7], sorted(WORRIES[j] for j in expected[8]))
        counts["right" if got == want else "wrong"] += 1
        if got != want:
            print("WRONG", response.location, got, want)
    return counts


def _truth(ids: list[str], people=PEOPLE) -> dict[str, tuple]:
    return dict(zip(ids, people))


def smartsurvey_xlsx(tmp_path):
    top = ["UserNo", "Started", "Ended", "IP Address", "What is your sex?", "What is your ethnic group?", None,
           "How old are you?", "How safe do you feel?", "What worries you?", None, None]
    bottom = [None, None, None, None, "Response", "Response", "Other (please specify)", "Response", "Response", *WORRIES]
    book = Workbook()
    sheet = book.active
    sheet.append(top)
    sheet.append(bottom)
    for i, p in enumerate(PEOPLE):
        ticks = [WORRIES[j] if j in p[8] else None for j in range(3)]
        sheet.append([1000 + i, _when(i), _when(i) + timedelta(minutes=5), "10.0.0.1", p[0], p[2], p[3] or None,
                      p[5], p[7], *ticks])
    sheet.append([None])
    sheet.append(["Total responses: 11"])
    path = tmp_path / "smartsurvey.xlsx"
    book.save(path)
    columns = {"sex": "What is your sex?", "eth": "What is your ethnic group?",
               "other": "What is your ethnic group? - Other (please specify)", "age": "How old are you?",
               "safe": "How safe do you feel?",
               "worries": "option_columns = [" + ", ".join(f'"What worries you? - {w}"' for w in WORRIES) + "]"}
    return path, _source(tmp_path, "smartsurvey", 'preset = "smartsurvey"', columns), _truth([str(1000 + i) for i in range(11)])


def smartsurvey_csv_cp1252(tmp_path):
    _, source, truth = smartsurvey_xlsx(tmp_path)
    rows = [["UserNo", "Started", "Ended", "What is your sex?", "What is your ethnic group?", "", "How old are you?",
             "How safe do you feel?", "What worries you?", "", "", "Anything else?"],
            ["", "", "", "Response", "Response", "Other (please specify)", "Response", "Response", *WORRIES, "Open-Ended Response"]]
    for i, p in enumerate(PEOPLE):
        ticks = [WORRIES[j] if j in p[8] else "" for j in range(3)]
        rows.append([str(1000 + i), f"{_when(i):%d/%m/%Y %H:%M}", f"{_when(i) + timedelta(minutes=5):%d/%m/%Y %H:%M}",
                     p[0], p[2], p[3], p[5], str(p[7]), *ticks, "The café on the corner – it feels safe"])
    rows += [["Total responses: 11"], ["Survey closed 30/04/2024 17:00"]]
    csv_path = tmp_path / "smartsurvey.csv"
    with csv_path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return csv_path, source, truth


def citizen_space_rows(duplicate: bool):
    header = ["Response ID", "Submitted on", "Sex", "Ethnic group", "Ethnic group - other", "Age",
              "How safe do you feel?", "What worries you?", "Analyst tag", "Coded theme"]
    rows = [header]
    for i, p in enumerate(PEOPLE):
        rows.append([f"ANON-{i:04d}", f"{_when(i):%Y-%m-%d %H:%M:%S}", p[0], p[2], p[3], p[5], str(p[7]),
                     _joined(p, ", "), "checked", "lighting"])
    if duplicate:  # the resident's corrected second submission: the later one must be kept
        rows[2][5], rows[2][2] = "14", "Female"
        fixed = list(rows[2])
        fixed[1], fixed[2], fixed[5] = f"{_when(1) + timedelta(hours=2):%Y-%m-%d %H:%M:%S}", "Male", "41"
        rows.append(fixed)
    return rows


def citizen_space_csv(tmp_path):
    path = tmp_path / "citizen_space.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(citizen_space_rows(duplicate=True))
    return path, _source(tmp_path, "cs", 'preset = "citizen_space"', _cs_columns(", ")), _truth([f"ANON-{i:04d}" for i in range(11)])


def _cs_columns(separator: str) -> dict[str, str]:
    return {"sex": "Sex", "eth": "Ethnic group", "other": "Ethnic group - other", "age": "Age",
            "safe": "How safe do you feel?", "worries": f'column = "What worries you?"\nseparator = "{separator}"'}


def citizen_space_xlsx(tmp_path):
    rows = citizen_space_rows(duplicate=False)
    rows.append(["ANON-0099", "2024-04-30 10:00:00", "Male", "White: Irish", "", "250", "3", "", "", ""])
    book = Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "citizen_space.xlsx"
    book.save(path)
    return path, _source(tmp_path, "csx", 'preset = "citizen_space"', _cs_columns(", ")), _truth([f"ANON-{i:04d}" for i in range(11)])


def microsoft_forms_xlsx(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["ID", "Start time", "Completion time", "Email", "Name", "Sex", "Ethnic group", "Other ethnic group",
                  "Age", "How safe do you feel?", "What worries you?"])
    for i, p in enumerate(PEOPLE):
        worries = "".join(WORRIES[j] + ";" for j in p[8])
        sheet.append([i + 1, _when(i), _when(i) + timedelta(minutes=3), "anonymous", None, p[0], p[2], p[3] or None,
                      p[5], p[7], worries or None])
    sheet.append([12, _when(12), _when(12), "anonymous", None, "Female", "White: Irish", None, "33", "\u2713", None])
    path = tmp_path / "forms.xlsx"
    book.save(path)
    columns = {"sex": "Sex", "eth": "Ethnic group", "other": "Other ethnic group", "age": "Age",
               "safe": "How safe do you feel?", "worries": 'column = "What worries you?"\nseparator = ";"'}
    tick = ("Female", "female", "White: Irish", "", ("14", "H4"), "33", 33, None, [])  # kept; its bad cell is an issue
    return path, _source(tmp_path, "msforms", 'preset = "microsoft_forms"', columns), _truth(
        [str(i + 1) for i in range(12)], [*PEOPLE, tick])


def google_forms_csv(tmp_path):
    rows = [["Timestamp", "Sex", "Ethnic group", "Age", "How safe do you feel?", "What worries you?"]]
    truth_people = []
    for i, p in enumerate(PEOPLE):
        zone = "GMT" if _when(i) < datetime(2024, 3, 31) else "GMT+1"
        label = p[3] or p[2]  # Google writes an "Other:" answer into the same column
        written = {"Nigerian": ("6", "H2"), "Albanian": ("17", "H4"), "Human race": (NS, NS)}.get(p[3], p[4])
        truth_people.append((*p[:4], written, *p[5:]))
        rows.append([f"{_when(i) - timedelta(days=3):%Y/%m/%d %I:%M:%S %p} {zone}", p[0], label, p[5], str(p[7]),
                     _joined(p, ", ")])
    path = tmp_path / "google.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    columns = {"sex": "Sex", "eth": "Ethnic group", "age": "Age", "safe": "How safe do you feel?",
               "worries": 'column = "What worries you?"\nseparator = ", "'}
    return path, _source(tmp_path, "gforms", 'preset = "google_forms"', columns), _truth(
        [f"row-{i + 2}" for i in range(11)], truth_people)


def snap_sav(tmp_path):
    sexes = {1.0: "Female", 2.0: "Male", 9.0: "Prefer not to say"}
    boxes = sorted({p[2] for p in PEOPLE})
    frame = pd.DataFrame({
        "ID": [f"S{i}" for i in range(11)], "Date": [f"{_when(i):%d/%m/%Y %H:%M}" for i in range(11)],
        "Q1": [next(k for k, v in sexes.items() if v == p[0]) for p in PEOPLE],
        "Q2": [float(boxes.index(p[2]) + 1) for p in PEOPLE], "Q2o": [p[3] for p in PEOPLE],
        "Q3": [float(p[6]) if p[6] is not None else None for p in PEOPLE], "Q4": [float(p[7]) for p in PEOPLE],
        "Q5": [_joined(p, ";") for p in PEOPLE]})
    path = tmp_path / "snap.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "Q1": sexes, "Q2": {float(i + 1): b for i, b in enumerate(boxes)}})
    columns = {"sex": "Q1", "eth": "Q2", "other": "Q2o", "age": "Q3", "safe": "Q4",
               "worries": 'column = "Q5"\nseparator = ";"'}
    return path, _source(tmp_path, "snap", 'preset = "snap"', columns), _truth([f"S{i}" for i in range(11)])


SCHOOL = [  # as a school's workbook holds them: DfE codes in any case, ages as pupils write them
    ("Girl", "female", "bafr", "", ("6", "H2"), "14 years", 14, 4, []),
    ("Boy", "male", "wiri", "", ("14", "H4"), "twelve", 12, 3, [1]),
    ("Girl", "female", "aban", "", ("1", "H1"), "13yrs", 13, 5, [0]),
    ("Boy", "male", "WBRI", "", ("13", "H4"), "fourteen", 14, 2, []),
    ("Girl", "female", "Wbri", "", ("13", "H4"), "15 y/o", 15, 2, [2]),
]


def school_xlsx(tmp_path):
    book = Workbook()
    sheet = book.active
    for line in (["Year 9 and 10 safety survey"], ["Exported by the school office"], [None], ["Confidential"]):
        sheet.append(line)
    sheet.append(["Pupil ref", "Date", "Gender", "Ethnicity", "Age", "How safe do you feel?", "What worries you?"])
    for i, p in enumerate(SCHOOL):
        sheet.append([f"P{i}", f"{_when(i):%d/%m/%Y}", p[0], p[2], p[5], p[7], _joined(p, "; ")])
    sheet.append(["Total: 5"])
    path = tmp_path / "school.xlsx"
    book.save(path)
    head = 'preset = "smartsurvey"\n'  # a preset overridden where the school's layout differs
    columns = {"sex": "Gender", "eth": "Ethnicity", "age": "Age", "safe": "How safe do you feel?",
               "worries": 'column = "What worries you?"\nseparator = ";"'}
    source = _source(tmp_path, "school", head, columns, file="header_row = 5\nheader_rows = 1")
    text = (tmp_path / "school.toml").read_text(encoding="utf-8").replace(
        "[sources.school.mapping]\n",
        '[sources.school.mapping]\nid_column = "Pupil ref"\nsubmitted_at = "Date"\n'
        'recodes.Ethnicity = { BAFR = "Black African", WIRI = "White Irish", ABAN = "Bangladeshi", WBRI = "White British" }\n')
    (tmp_path / "school.toml").write_text(text.replace("max_age = 110", "max_age = 18"), encoding="utf-8")
    source = load_config(tmp_path / "school.toml", environ={}).source("school")
    return path, source, _truth([f"P{i}" for i in range(5)], SCHOOL)


def unicode_text_utf16(tmp_path):
    rows = citizen_space_rows(duplicate=False)
    path = tmp_path / "unicode.txt"
    path.write_text("\r\n".join("\t".join(r) for r in rows) + "\r\n", encoding="utf-16")
    return path, _source(tmp_path, "utf16", 'preset = "citizen_space"', _cs_columns(", ")), _truth([f"ANON-{i:04d}" for i in range(11)])


SHAPES = [smartsurvey_xlsx, smartsurvey_csv_cp1252, citizen_space_csv, citizen_space_xlsx, microsoft_forms_xlsx,
          google_forms_csv, snap_sav, school_xlsx, unicode_text_utf16]
# Expected quarantine: the Citizen Space workbook's age of 250 only.
QUARANTINED = {"citizen_space_xlsx": 1}


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.__name__)
def test_export_shape_is_stored_right_with_nothing_wrong_and_no_summary_row(tmp_path, shape):
    path, source, truth = shape(tmp_path)
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    counts = _count(result, truth)
    print(f"{shape.__name__}: {counts}")
    assert counts == {"right": len(truth), "wrong": 0, "summary_stored": 0,
                      "quarantined": QUARANTINED.get(shape.__name__, 0)}
    assert all(q.reason for q in result.quarantined)


def test_summary_rows_are_reported_not_stored(tmp_path):
    path, source, _ = smartsurvey_csv_cp1252(tmp_path)
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    assert [text for _, text in result.notes.summary_rows] == ["Total responses: 11", "Survey closed 30/04/2024 17:00"]
    assert "smartsurvey.csv row 14: summary row 'Total responses: 11' is not a response; not stored" in result.lines()


def test_corrected_second_copy_of_an_id_wins_and_the_first_is_superseded(tmp_path):
    path, source, _ = citizen_space_csv(tmp_path)
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    kept = next(r for r in result.responses if r.external_id == "ANON-0001")
    assert (kept.demographics.age, kept.location) == (41, "citizen_space.csv row 13")
    assert [r.location for r in result.superseded] == ["citizen_space.csv row 3"]
    assert result.duplicate_lines == ["citizen_space.csv: id 'ANON-0001' is used twice; citizen_space.csv row 13 is kept "
                                      "and citizen_space.csv row 3 is superseded (later submitted time)"]


def test_later_submitted_time_wins_even_when_it_comes_first_in_the_file(tmp_path):
    rows = citizen_space_rows(duplicate=True)
    rows[2], rows[-1] = rows[-1], rows[2]
    path = tmp_path / "citizen_space.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    source = _source(tmp_path, "cs", 'preset = "citizen_space"', _cs_columns(", "))
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    assert next(r for r in result.responses if r.external_id == "ANON-0001").demographics.age == 41
    assert [r.demographics.age for r in result.superseded] == [14]


def test_one_bad_answer_cell_keeps_the_response_and_names_the_cell(tmp_path):
    path, source, _ = microsoft_forms_xlsx(tmp_path)
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    response = next(r for r in result.responses if r.external_id == "12")
    assert [i.describe() for i in response.field_issues] == ["forms.xlsx row 13: How safe do you feel? = '\u2713': expected a number"]
    assert "forms.xlsx: 1 response(s) kept with safe not usable (number); each is listed with its row, column and value" in result.lines()


def test_a_column_named_slightly_wrong_stops_the_run_naming_column_closest_and_key(tmp_path):
    path, source, _ = citizen_space_csv(tmp_path)
    text = (tmp_path / "cs.toml").read_text(encoding="utf-8").replace('ethnicity_column = "Ethnic group"',
                                                                      'ethnicity_column = "Ethnic group?"')
    (tmp_path / "cs.toml").write_text(text, encoding="utf-8")
    source = load_config(tmp_path / "cs.toml", environ={}).source("cs")
    with pytest.raises(ColumnNotFoundError, match=r"citizen_space.csv: column 'Ethnic group\?' \(set by \[sources.cs\] "
                       r"mapping.ethnicity_column\) is not in the file; the closest are 'Ethnic group', "
                       r"'Ethnic group - other'\. Nothing was stored") as caught:
        read_export(path, source.key, source.mapping, source.file, now=NOW)
    assert caught.value.config_key == "[sources.cs] mapping.ethnicity_column"


def test_optional_key_lets_a_file_lack_that_column_and_is_checked_against_the_mapping(tmp_path):
    path, _, _ = citizen_space_csv(tmp_path)
    text = (tmp_path / "cs.toml").read_text(encoding="utf-8").replace(
        "[sources.cs.mapping]\n", '[sources.cs.mapping]\npostcode_column = "Postcode"\noptional = ["Postcode"]\n')
    (tmp_path / "cs.toml").write_text(text, encoding="utf-8")
    source = load_config(tmp_path / "cs.toml", environ={}).source("cs")
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    assert result.responses and {r.demographics.postcode_district for r in result.responses} == {None}
    (tmp_path / "cs.toml").write_text(text.replace('optional = ["Postcode"]', 'optional = ["Post code"]'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"optional names 'Post code', which no key of the mapping reads"):
        load_config(tmp_path / "cs.toml", environ={})


def test_a_header_row_that_yields_none_of_the_mapped_columns_stops_the_run(tmp_path):
    path, source, _ = school_xlsx(tmp_path)
    text = (tmp_path / "school.toml").read_text(encoding="utf-8").replace("header_row = 5", "header_row = 1")
    (tmp_path / "school.toml").write_text(text, encoding="utf-8")
    source = load_config(tmp_path / "school.toml", environ={}).source("school")
    with pytest.raises(HeaderMismatchError, match=r"school.xlsx: the header read from row 1 \(1 row\(s\)\) holds none of "
                       r"the 7 columns .*Fix \[sources.school.file\] header_row"):
        read_export(path, source.key, source.mapping, source.file, now=NOW)


def test_rows_skipped_by_position_or_pattern_are_reported(tmp_path):
    path, _, _ = citizen_space_csv(tmp_path)
    source = _source(tmp_path, "cs2", 'preset = "citizen_space"', _cs_columns(", "),
                     file='skip_rows = [2]\nskip_patterns = ["^ANON-0003$"]')
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    assert {"ANON-0000", "ANON-0003"}.isdisjoint(r.external_id for r in result.responses)
    assert [row for row, _ in result.notes.skipped_rows] == [2, 5]


def test_id_made_of_several_columns(tmp_path):
    path, _, _ = google_forms_csv(tmp_path)
    source = _source(tmp_path, "g2", 'preset = "google_forms"\n', {
        "sex": "Sex", "eth": "Ethnic group", "age": "Age", "safe": "How safe do you feel?",
        "worries": 'column = "What worries you?"\nseparator = ", "'})
    text = (tmp_path / "g2.toml").read_text(encoding="utf-8").replace(
        "[sources.g2.mapping]\n", '[sources.g2.mapping]\nid_columns = ["Timestamp", "Age"]\n')
    (tmp_path / "g2.toml").write_text(text, encoding="utf-8")
    source = load_config(tmp_path / "g2.toml", environ={}).source("g2")
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    assert result.responses[0].external_id.endswith("-34") and len(result.responses) == 11


def test_ward_from_postcode_where_the_lookup_decides_it(tmp_path):
    lookup = tmp_path / "postcodes.csv"
    lookup.write_text("postcode,ward_code\nRM1 3AB,E05013983\nRM1 3AD,E05013983\nRM11 1AA,E05013976\n"
                      "RM11 2ZZ,E05013969\n", encoding="utf-8")
    path = tmp_path / "pc.csv"
    path.write_text("id,Postcode\nA,rm1 3ab\nB,RM1\nC,RM11\nD,RM11 1AA\nE,E1 6AN\nF,\n", encoding="utf-8")
    text = (SHIPPED.read_text(encoding="utf-8") + '\n[sources.pc]\nname = "pc"\nkind = "file"\nmin_age = 0\n'
            '[sources.pc.mapping]\nid_column = "id"\npostcode_column = "Postcode"\nward_from_postcode = true\n'
            f'postcode_lookup = "{lookup.name}"\n')
    (tmp_path / "pc.toml").write_text(text, encoding="utf-8")
    source = load_config(tmp_path / "pc.toml", environ={}).source("pc")
    result = read_export(path, source.key, source.mapping, source.file, now=NOW)
    assert [r.demographics.ward for r in result.responses] == ["E05013983", "E05013983", NS, "E05013976", NS, NS]
    assert [i.reason for r in result.responses for i in r.field_issues] == [
        "the district RM11 spans 2 wards; a full postcode is needed; ward not stated",
        "the postcode lookup has no postcode in E1; ward not stated"]


def test_ward_from_postcode_without_a_lookup_says_what_is_missing(tmp_path):
    from ingest import MappingError, RawRecord, SourceMapping, map_record

    mapping = SourceMapping(id_column="id", postcode_column="pc", ward_from_postcode=True,
                            postcode_lookup=str(tmp_path / "none.csv"))
    with pytest.raises(MappingError, match=r"ward_from_postcode needs a postcode-to-ward lookup, and .*none.csv does not "
                       r"exist. Set \[sources.KEY.mapping\] postcode_lookup"):
        map_record(RawRecord("A", {"id": "A", "pc": "RM1 3AB"}, "f row 2"), "s", mapping, now=NOW)


NSPL_HEADER = "pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,lad24cd,wd24cd,ctry25cd\n"


def _nspl_row(postcode, ward, borough="E09000016"):
    return f"{postcode:<7},{postcode:<8},{postcode},202201,,0,551035,188774,1,E00000001,{borough},{ward},E92000001\n"


def test_ward_from_an_nspl_extract_as_published_never_guessing_outside_the_borough(tmp_path):
    from ingest import RawRecord, SourceMapping, map_record
    from ingest.vocabulary import Ward

    # Synthetic rows in the layout of the ONS National Statistics Postcode Lookup (the postcodes are made up)
    lookup = tmp_path / "NSPL_extract.csv"
    lookup.write_text(NSPL_HEADER + _nspl_row("RM1 3AB", "E05013983") + _nspl_row("RM1 3AD", "E05013983")
                      + _nspl_row("IG11 7AA", "E05014055", borough="E09000002") + _nspl_row("ZZ9 9ZZ", ""), encoding="utf-8")
    wards = (Ward("E05013983", "Ward A"), Ward("E05013976", "Ward B"))
    mapping = SourceMapping(id_column="id", postcode_column="pc", ward_from_postcode=True, postcode_lookup=str(lookup))

    def read(postcode):
        record = map_record(RawRecord("A", {"id": "A", "pc": postcode}, "f row 2"), "s", mapping, wards, now=NOW,
                            keep_issues=True)
        return record.demographics.ward, [i.reason for i in record.field_issues]

    assert read("rm13ab") == ("E05013983", [])
    assert read("RM1") == ("E05013983", [])  # every postcode of RM1 in this extract lies in one ward
    assert read("IG11 7AA") == (NS, ["the lookup puts it in ward E05014055, which is not a 2022 ward of the borough; "
                                     "ward not stated"])
    assert read("ZZ9 9ZZ") == (NS, ["the postcode lookup has no postcode in ZZ9; ward not stated"])


@pytest.mark.parametrize(("header", "problem"), [
    ("pcds,lad24cd\n", "it has no ward column"),
    ("pcds,wd23cd,wd24cd\n", "it has 2 ward columns (wd23cd, wd24cd); keep one"),
    ("code,ward_code\n", "it has no postcode column"),
])
def test_postcode_lookup_without_its_columns_is_refused_naming_them(tmp_path, header, problem):
    from ingest import MappingError
    from ingest.postcodes import load_postcode_lookup

    (tmp_path / "l.csv").write_text(header, encoding="utf-8")
    with pytest.raises(MappingError, match=re.escape(problem)):
        load_postcode_lookup(tmp_path / "l.csv")


# Issue 16, the analyst trial: each finding on a file the test writes.

def _plain_mapping(**keys):
    from ingest import SourceMapping

    return SourceMapping(**{"submitted_at": "When", "sex_column": "Sex", **keys})


def _write_rows(path: Path, rows: list[list]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    elif path.suffix == ".xlsx":
        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    else:
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        pyreadstat.write_sav(frame, str(path))
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav"])
def test_row_id_makes_each_row_its_own_id_in_every_file_type(tmp_path, suffix):
    path = _write_rows(tmp_path / f"g{suffix}", [["When", "Sex"], ["01/05/2024", "Female"], ["02/05/2024", "Male"]])
    result = read_export(path, "gf", _plain_mapping(row_id=True), now=NOW)
    assert [r.external_id for r in result.responses] == ["row-2", "row-3"] and result.quarantined == []


def test_blank_consent_quarantines_the_response_with_its_reason(tmp_path):
    path = _write_rows(tmp_path / "c.csv", [["Id", "When", "Sex", "Agree?"], ["1", "01/05/2024", "F", "Yes"],
                                            ["2", "01/05/2024", "M", ""]])
    result = read_export(path, "ss", _plain_mapping(id_column="Id", consent_column="Agree?"), now=NOW)
    assert [r.external_id for r in result.responses] == ["1"]
    (entry,) = result.quarantined
    assert (entry.location, entry.field, entry.reason) == ("c.csv row 3", "Agree?", "consent left empty; expected yes or no")


def test_sav_rows_are_skipped_by_position_pattern_and_summary_like_text_rows(tmp_path):
    from ingest import FileOptions

    path = _write_rows(tmp_path / "s.sav", [["ID", "When", "Sex"], ["A1", "01/05/2024", "TEST please ignore"],
                                            ["A2", "01/05/2024", "Male"], ["A3", "01/05/2024", "Female"],
                                            ["Total responses: 2", "", ""]])
    options = FileOptions(skip_rows=(3,), skip_patterns=("please ignore",))
    result = read_export(path, "snap", _plain_mapping(id_column="ID"), options, now=NOW)
    assert [r.external_id for r in result.responses] == ["A3"]
    assert [row for row, _ in result.notes.skipped_rows] == [2, 3] and [r for r, _ in result.notes.summary_rows] == [5]


def test_a_question_mark_left_by_excels_windows_1252_save_is_a_field_issue_not_a_blank(tmp_path):
    from ingest import QuestionSpec

    path = tmp_path / "x.csv"
    path.write_bytes("Id,When,Sex,Safe,Ticked\r\n1,01/05/2024,F,?,?\r\n".encode("cp1252"))
    mapping = _plain_mapping(id_column="Id", questions=(
        QuestionSpec("safe", "Safe", "scale", minimum=1, maximum=5),
        QuestionSpec("tick", "", "multiple_choice", option_columns=("Ticked",), options=("Knife crime",))))
    (response,) = read_export(path, "ss", mapping, now=NOW).responses
    assert [(i.column, i.rule) for i in response.field_issues] == [("Safe", "replaced_character"),
                                                                    ("Ticked", "replaced_character")]
    assert "Windows-1252" in response.field_issues[0].reason


def test_unmapped_personal_columns_are_not_kept_in_the_raw_record(tmp_path):
    path = _write_rows(tmp_path / "p.csv", [["Id", "When", "Sex", "Name", "Email", "IP Address", "Custom Value"],
                                            ["1", "01/05/2024", "F", "Ann Example", "a@example.org", "10.0.0.1", "x"]])
    (response,) = read_export(path, "ss", _plain_mapping(id_column="Id"), now=NOW).responses
    assert set(response.raw) == {"Id", "When", "Sex", "Custom Value"}
    kept = read_export(path, "ss", _plain_mapping(id_column="Id", keep_columns=("Email",), drop_columns=("Custom Value",)),
                       now=NOW).responses[0]
    assert set(kept.raw) == {"Id", "When", "Sex", "Email"}


def test_times_without_a_zone_are_read_in_the_sources_timezone_across_the_clock_changes(tmp_path):
    path = _write_rows(tmp_path / "t.csv", [["Id", "When", "Sex"], ["1", "01/07/2024 12:00", "F"],
                                            ["2", "01/01/2024 12:00", "F"], ["3", "27/10/2024 01:30", "F"],
                                            ["4", "31/03/2024 01:30", "F"], ["5", "01/07/2024 12:00 GMT", "F"]])
    result = read_export(path, "cs", _plain_mapping(id_column="Id", timezone="Europe/London"),
                         now=datetime(2024, 12, 1, tzinfo=timezone.utc))
    assert [r.submitted_at.astimezone(timezone.utc).strftime("%d/%m %H:%M") for r in result.responses] == [
        "01/07 11:00", "01/01 12:00", "27/10 00:30", "31/03 01:30", "01/07 12:00"]
    with pytest.raises(ValueError, match="timezone 'Europe/Londno' is not an IANA time zone name"):
        _plain_mapping(id_column="Id", timezone="Europe/Londno")


def test_age_from_a_date_of_birth_and_a_band_from_the_school_year(tmp_path):
    path = _write_rows(tmp_path / "b.csv", [
        ["Id", "When", "Sex", "Age", "Year", "Born"], ["1", "01/05/2024", "F", "", "", "02/05/1990"],
        ["2", "01/05/2024", "F", "", "", "02/05/2030"], ["3", "01/05/2024", "F", "Year 9", "Year 9", ""],
        ["4", "01/05/2024", "F", "", "Y12", ""], ["5", "01/05/2024", "F", "", "Yr 13", ""]])
    mapping = _plain_mapping(id_column="Id", age_column="Age", birth_date_column="Born", school_year_column="Year",
                             age_bands=("11-12", "13-15", "16-17", "18+"))
    result = read_export(path, "sc", mapping, now=NOW)
    got = [(r.demographics.age, r.demographics.age_band) for r in result.responses]
    assert got == [(33, "18+"), (None, NS), (None, "13-15"), (None, "16-17"), (None, NS)]
    issues = {r.external_id: [(i.column, i.rule) for i in r.field_issues] for r in result.responses}
    assert issues["2"] == [("Born", "birth_date")] and ("Age", "age") in issues["3"]
    assert "Year 13 is aged 17-18, not inside one of the bands" in result.responses[4].field_issues[0].reason


def test_a_generic_other_box_lets_the_write_in_decide_and_an_unmappable_one_is_not_stated(tmp_path):
    path = _write_rows(tmp_path / "e.csv", [
        ["Id", "When", "Sex", "Eth", "Other"], ["1", "01/05/2024", "F", "Other (please specify)", "Human race"],
        ["2", "01/05/2024", "F", "Other (please specify)", "Nigerian"],
        ["3", "01/05/2024", "F", "Any other White background", "British"], ["4", "01/05/2024", "F", "English", ""]])
    mapping = _plain_mapping(id_column="Id", ethnicity_column="Eth", ethnicity_other_column="Other")
    result = read_export(path, "ss", mapping, now=NOW)
    assert [(r.demographics.ethnicity, r.demographics.ethnic_group) for r in result.responses] == [
        (NS, NS), ("6", "H2"), ("17", "H4"), (NS, NS)]
    assert result.issue_counts()[("ethnicity", "vocabulary")] == 2 and result.issue_counts()[("ethnicity", "write_in")] == 1
    assert "national identity ('English')" in result.responses[3].field_issues[0].reason


def test_a_quarantined_record_keeps_no_unmapped_personal_column_either(tmp_path):
    path = _write_rows(tmp_path / "q.csv", [["Id", "When", "Sex", "Email"], ["1", "31/04/2024", "F", "a@example.org"]])
    (entry,) = read_export(path, "ss", _plain_mapping(id_column="Id"), now=NOW).quarantined
    assert entry.rule == "date" and set(entry.raw) == {"Id", "When", "Sex"}
