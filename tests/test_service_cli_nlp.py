import csv

from click.testing import CliRunner

from service.cli import main

TRAINING = [
    ("more police on the streets please", "police_presence"), ("never see police patrols", "police_presence"),
    ("bring back bobbies on the beat", "police_presence"), ("police presence at night", "police_presence"),
    ("the street lights are broken", "street_lighting"), ("its so dark no lights", "street_lighting"),
    ("fix the lamp posts", "street_lighting"), ("better lighting in the alley", "street_lighting"),
    ("nothing to do for teenagers", "youth_provision"), ("bring back the youth club", "youth_provision"),
    ("free football for kids", "youth_provision"), ("somewhere for young people to go", "youth_provision"),
]


def _write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_classify_adds_topics_redaction_and_safeguarding_columns(tmp_path):
    training = tmp_path / "training.csv"
    _write(training, ["text", "topics", "voice"], [(t, l, "adult") for t, l in TRAINING])
    source = tmp_path / "in.csv"
    _write(source, ["id", "comment"], [("1", "John from 12 Hill Road says more police please"),
                                       ("2", "my step dad hits me"), ("3", "")])
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["classify", str(source), "--text-column", "comment", "--out", str(out),
                                       "--cache-dir", str(tmp_path / "cache"), "--training-file", str(training)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert rows[0]["topics"] == "police_presence"
    assert rows[0]["redacted_text"] == "[name] from [street] says more police please"
    assert rows[0]["safeguarding"] == "false"
    assert rows[1]["safeguarding"].startswith("true: ")
    assert rows[2]["topics"] == ""
    assert any((tmp_path / "cache").iterdir())


def test_classify_names_a_missing_text_column(tmp_path):
    source = tmp_path / "in.csv"
    _write(source, ["id", "comment"], [("1", "hello")])
    result = CliRunner().invoke(main, ["classify", str(source), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code != 0
    assert "has no column 'text'; columns are 'id', 'comment'. Pass --text-column." in result.output
