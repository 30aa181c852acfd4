import csv
from pathlib import Path

import pytest

from nlp import check_safeguarding

DATA = Path(__file__).parent / "data" / "nlp"


def _recall_precision(name: str) -> tuple[float, float]:
    tp = fp = fn = 0
    with (DATA / name).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            flagged = check_safeguarding(row["text"]).is_flagged
            truth = row["flag"] == "1"
            tp += flagged and truth
            fp += flagged and not truth
            fn += truth and not flagged
    return tp / (tp + fn), tp / (tp + fp)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("got jumped", "violence against the writer or someone they know"),
        ("my step dad hits me", "abuse or danger at home"),
        ("wanna end it", "self-harm or suicidal thoughts"),
        ("older boys make me hold stuff", "exploitation or grooming"),
        ("he carries a shank", "a specific person carrying a weapon"),
        ("they said they'd stab me", "threats, stalking or being followed"),
        ("my drink got spiked", "sexual harm"),
    ],
)
def test_check_safeguarding_flags_disclosures_with_reason(text, reason):
    result = check_safeguarding(text)
    assert result.is_flagged
    assert reason in result.reasons
    assert result.label.startswith("true: ")


@pytest.mark.parametrize(
    "text",
    ["more police to stop stabbings", "knife crime is out of control", "hit me up about the youth club", ""],
)
def test_check_safeguarding_leaves_general_concerns(text):
    result = check_safeguarding(text)
    assert not result.is_flagged
    assert result.label == "false"


def test_check_safeguarding_copes_with_misspelling_and_shouting():
    assert check_safeguarding("SOMETIMES I WANNA KIL MYSELF").is_flagged
    assert check_safeguarding("my mate got stabbbbed").is_flagged
    assert check_safeguarding("sucidal thoughts").is_flagged


def test_check_safeguarding_reads_redacted_names_as_people():
    assert check_safeguarding("[name] always has a blade on him").is_flagged


def test_check_safeguarding_recall_and_precision_on_labelled_cases():
    recall, precision = _recall_precision("safeguarding_cases.csv")
    assert recall >= 0.95, f"safeguarding recall {recall:.3f}"
    assert precision >= 0.8, f"safeguarding precision {precision:.3f}"


def test_check_safeguarding_recall_on_holdout_cases():
    recall, precision = _recall_precision("safeguarding_holdout.csv")
    assert recall >= 0.9, f"safeguarding recall {recall:.3f} on the hold-out"
    assert precision >= 0.8


def test_check_safeguarding_rejects_non_strings():
    with pytest.raises(TypeError, match="check_safeguarding expects a str, got int: 3"):
        check_safeguarding(3)  # type: ignore[arg-type]
