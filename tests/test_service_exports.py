"""Formula injection: text that a spreadsheet would run is defused in every CSV and XLSX we write."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from service.cli.classify import classify
from service.reports.cells import defuse_formula
from service.reports.charts import BarChart

ATTACKS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_text_gets_a_leading_apostrophe(text):
    assert defuse_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["More police please", "", 3, -2.5, None, "café = nice"])
def test_ordinary_values_are_left_alone(value):
    assert defuse_formula(value) == value


def test_defused_text_is_stored_by_openpyxl_as_text_not_a_formula():
    book = Workbook()
    book.active.append([defuse_formula(ATTACKS[0]), ATTACKS[0]])
    data = io.BytesIO()
    book.save(data)
    sheet = load_workbook(io.BytesIO(data.getvalue())).active
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == "'" + ATTACKS[0]
    assert sheet["B1"].data_type == "f"  # what would have happened without it


def test_chart_csv_defuses_a_hostile_category_name():
    chart = BarChart(id="sites", title="Sites", category_label="Site", value_label="responses", series=("n",),
                     rows=((ATTACKS[0], (3.0,)),))
    rows = list(csv.reader(io.StringIO(chart.csv())))
    assert rows[1][0] == "'" + ATTACKS[0]


def test_classify_output_defuses_residents_text(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,text\n1,"=HYPERLINK(""http://evil.example"",""more police"")"\n2,More CCTV at the station\n',
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(classify, [str(source), "--text-column", "text", "--out", str(out),
                                      "--cache-dir", str(tmp_path / "models")])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["text"].startswith("'=HYPERLINK") and rows[0]["redacted_text"].startswith("'=")
    assert rows[1]["text"] == "More CCTV at the station"
