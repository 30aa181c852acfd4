"""``voice weights rake|poststratify|report`` through click's CliRunner."""

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from service.cli import main

DATA = Path(__file__).parent / "data" / "weights"


def respondents(tmp_path: Path) -> Path:
    frame = pd.read_csv(DATA / "synthetic_havering.csv")
    frame.loc[:4, "ethnic_group"] = ""
    frame.loc[5:7, "sex"] = "not_stated"
    path = tmp_path / "respondents.csv"
    frame.to_csv(path, index=False)
    return path


def test_weights_rake_writes_id_weight_summing_to_the_population(tmp_path: Path):
    out = tmp_path / "weights.csv"
    result = CliRunner().invoke(main, ["weights", "rake", str(respondents(tmp_path)), "--margins",
                                       str(DATA / "havering_margins.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Missing demographics policy: margin" in result.output
    written = pd.read_csv(out)
    assert list(written.columns) == ["id", "weight"] and len(written) == 1200
    assert written["weight"].sum() == pytest.approx(209_732, rel=1e-9)


def test_weights_rake_missing_drop_leaves_incomplete_respondents_out(tmp_path: Path):
    out = tmp_path / "weights.csv"
    result = CliRunner().invoke(main, ["weights", "rake", str(respondents(tmp_path)), "--margins",
                                       str(DATA / "havering_margins.csv"), "--out", str(out),
                                       "--vars", "age_band,sex,ethnic_group", "--missing", "drop", "--cap", "8"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert len(written) == 1192
    assert written["weight"].sum() == pytest.approx(209_732, rel=1e-6)
    assert written["weight"].max() <= 8 * written["weight"].mean() * (1 + 1e-9)
    assert "8 respondent(s) left out" in result.output


def test_weights_rake_unknown_category_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "r.csv"
    path.write_text("id,sex\n1,female\n2,robot\n")
    margins = tmp_path / "m.csv"
    margins.write_text("variable,level,population\nsex,female,10\nsex,male,10\n")
    result = CliRunner().invoke(main, ["weights", "rake", str(path), "--margins", str(margins),
                                       "--out", str(tmp_path / "w.csv")])
    assert result.exit_code != 0
    assert "variable 'sex': 1 respondent(s) have category 'robot'" in result.output


def test_weights_poststratify_reports_collapsed_cells(tmp_path: Path):
    path = tmp_path / "r.csv"
    path.write_text("id,age,sex\n1,young,f\n2,young,m\n3,old,f\n")
    cells = tmp_path / "cells.csv"
    cells.write_text("age,sex,population\nyoung,f,10\nyoung,m,10\nold,f,15\nold,m,5\n")
    out = tmp_path / "w.csv"
    result = CliRunner().invoke(main, ["weights", "poststratify", str(path), "--cells", str(cells), "--out", str(out),
                                       "--min-cell", "1"])  # three respondents: below the default 10 it refuses
    assert result.exit_code == 0, result.output
    assert "Collapsed: age='old', sex='m' (n=0) merged with age='young', sex='m' along age" in result.output
    assert pd.read_csv(out)["weight"].sum() == pytest.approx(40)


def test_weights_report_prints_summary_lines(tmp_path: Path):
    result = CliRunner().invoke(main, ["weights", "report", str(respondents(tmp_path)), "--margins",
                                       str(DATA / "havering_margins.csv"), "--vars", "age_band,sex",
                                       "--csv", str(tmp_path / "table.csv")])
    assert result.exit_code == 0, result.output
    assert "People aged 16-24 are 7% of respondents (n=87 of 1200)" in result.output
    assert "R-indicator" in result.output
    assert (tmp_path / "table.csv").exists()
