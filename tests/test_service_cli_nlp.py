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


def test_classify_uses_the_shipped_minilm_model_by_default(tmp_path):
    from nlp.training import load_shipped_sentence_model

    source = tmp_path / "in.csv"
    _write(source, ["text"], [("the street lights on our road have been broken for weeks and it is pitch dark",),
                              ("cars race down the high street far over the speed limit",)])
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["classify", str(source), "--out", str(out), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert f"with model {load_shipped_sentence_model().version_};" in result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert "street_lighting" in rows[0]["topics"].split(";")
    assert "road_safety" in rows[1]["topics"].split(";")
    assert not (tmp_path / "c").exists()  # nothing trained or cached


def test_classify_refuses_a_training_file_for_the_minilm_model(tmp_path):
    training = tmp_path / "training.csv"
    _write(training, ["text", "topics", "voice"], [(t, l, "adult") for t, l in TRAINING])
    source = tmp_path / "in.csv"
    _write(source, ["text"], [("hello",)])
    result = CliRunner().invoke(main, ["classify", str(source), "--out", str(tmp_path / "o.csv"),
                                       "--model", "minilm", "--training-file", str(training)])
    assert result.exit_code != 0
    assert "--training-file trains a TF-IDF model; use it with --model tfidf" in result.output


def test_classify_evaluate_with_realtext_compares_the_three_models(tmp_path):
    realtext = tmp_path / "realtext"
    realtext.mkdir()
    _write(realtext / "comments.csv", ["text", "topics", "source_id"], [
        ("Invented for this test: the lamp posts in the alley never work", "street_lighting", "made_up_source"),
        ("Invented for this test: we want officers walking the estate", "police_presence", "made_up_source"),
        ("Invented for this test, openly licensed so skipped: lights out", "street_lighting", "polis_bg2050"),
    ])
    source = tmp_path / "in.csv"
    _write(source, ["text"], [("the lights are out again",)])
    result = CliRunner().invoke(main, ["classify", str(source), "--out", str(tmp_path / "o.csv"),
                                       "--evaluate", "--realtext", str(realtext)])
    assert result.exit_code == 0, result.output
    assert "### real comments, held out (not openly licensed, never trained on) (2 texts)" in result.output
    assert "### synthetic test set (nlp/data/test.csv, written by the team)" in result.output
    for name in ("keywords", "TF-IDF", "MiniLM"):
        assert f"- {name}: macro-F1 **" in result.output


def test_classify_realtext_needs_evaluate_and_a_comments_file(tmp_path):
    source = tmp_path / "in.csv"
    _write(source, ["text"], [("hello",)])
    alone = CliRunner().invoke(main, ["classify", str(source), "--out", str(tmp_path / "o.csv"), "--realtext", str(tmp_path)])
    assert alone.exit_code != 0 and "--realtext is only used with --evaluate." in alone.output
    empty = CliRunner().invoke(main, ["classify", str(source), "--out", str(tmp_path / "o.csv"), "--evaluate",
                                      "--realtext", str(tmp_path)])
    assert empty.exit_code != 0 and "there is no comments.csv in that folder" in empty.output
