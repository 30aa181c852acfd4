import csv
import os
from pathlib import Path

import pytest

from nlp import check_safeguarding
from nlp.evaluate_safety import read_rows, score_safeguarding
from nlp.safeguarding import REASONS

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
    ("text", "category"),
    [
        ("got jumped", "violence"),
        ("my step dad hits me", "physical_abuse"),
        ("wanna end it", "self_harm"),
        ("older boys make me hold stuff", "cce"),
        ("he carries a shank", "weapon"),
        ("they said they'd stab me", "threat"),
        ("my drink got spiked", "sexual_abuse"),
    ],
)
def test_check_safeguarding_flags_disclosures_with_category_and_reason(text, category):
    result = check_safeguarding(text)
    assert result.is_flagged
    assert category in result.categories
    assert REASONS[category] in result.reasons
    assert result.label.startswith("true: ")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("a guy on insta keeps telling me not to tell my mum we talk", "online_grooming"),
        ("my partner checks my phone and takes my bank card", "domestic_abuse"),
        ("i got told to take a package to norwich on the train for them", "cce"),
        ("my coach messages me at night and says im special", "position_of_trust"),
        ("she keeps going missing and comes back with money and phones", "cse"),
        ("the bruises were from falling off her bike he said but it keeps happening", "physical_abuse"),
        ("they took our passports and we work for nothing", "modern_slavery"),
        ("my family are making me marry a man i never met", "forced_marriage_fgm"),
        ("my brother says we should get ready for a race war", "radicalisation"),
        ("nobody feeds us and mum leaves us alone all weekend", "neglect"),
        ("dad tells me im worthless every day", "emotional_abuse"),
        ("Jordan from the flats has a machete", "weapon"),
        ("i dont know who to ask for help", "help"),
    ],
)
def test_check_safeguarding_names_the_category_a_safeguarding_lead_uses(text, category):
    assert category in check_safeguarding(text).categories


def test_every_category_has_a_plain_english_label():
    assert set(REASONS) >= {"physical_abuse", "emotional_abuse", "sexual_abuse", "neglect", "domestic_abuse", "cse",
                            "cce", "online_grooming", "position_of_trust", "modern_slavery", "radicalisation",
                            "forced_marriage_fgm", "self_harm", "weapon", "help"}
    assert all(label and label[0].islower() for label in REASONS.values())


@pytest.mark.parametrize(
    ("text", "is_child"),
    [
        ("im 13 and my mums boyfriend hits me", True),
        ("a man keeps messaging me after school and says dont tell", True),
        ("my son's tutor sends him private messages", False),
        ("My partner won't let me have my own money", False),
    ],
)
def test_check_safeguarding_says_whether_the_writer_seems_to_be_a_child(text, is_child):
    result = check_safeguarding(text)
    assert result.is_flagged
    assert result.is_child is is_child


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


def test_safeguarding_on_the_category_development_set():
    scores = score_safeguarding(read_rows(DATA / "safeguarding_categories_dev.csv"))
    assert scores.recall.value >= 0.95, f"recall {scores.recall}, missed {scores.missed}"
    assert scores.false_alarms.value <= 0.2, f"false alarms {scores.false_alarms}: {scores.false_alarm_texts}"


def test_safeguarding_on_the_held_out_category_set_meets_the_goals():
    """Held out: written and committed before the rules were tuned (tests/data/nlp/README.md)."""
    scores = score_safeguarding(read_rows(DATA / "safeguarding_categories_heldout.csv"))
    assert scores.recall.value >= 0.95, f"recall {scores.recall}, missed {scores.missed}"
    assert scores.false_alarms.value <= 0.2, f"false alarms {scores.false_alarms}: {scores.false_alarm_texts}"
    assert scores.category_named.value >= 0.9, f"category named {scores.category_named}"
    for category, rate in scores.by_category.items():
        assert rate.value >= 0.75, f"{category}: recall {rate}"


REALTEXT = Path(os.environ.get("VOICE_REALTEXT_DIR", Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "realtext"))


@pytest.mark.skipif(not (REALTEXT / "comments.csv").exists(), reason="real-text set not present")
def test_false_alarms_on_real_public_comments_stay_below_a_fifth():
    """Ordinary public comments nobody here wrote: read to measure only, nothing copied."""
    rows = [dict(row, flag="0") for row in read_rows(REALTEXT / "comments.csv")]
    scores = score_safeguarding(rows)
    assert scores.false_alarms.value <= 0.2, f"flagged {scores.false_alarms} of the real comments"


def test_safeguarding_on_the_fresh_set_written_after_tuning():
    """The fresh set was written after the first rules and first scored 0.33 recall (13/40): the
    wider net in nlp.safeguarding_rules was added after that, so this is a tuned figure now."""
    scores = score_safeguarding(read_rows(DATA / "safeguarding_categories_fresh.csv"))
    assert scores.recall.value >= 0.95, f"recall {scores.recall}, missed {scores.missed}"
    assert scores.false_alarms.value <= 0.2, f"false alarms {scores.false_alarms}: {scores.false_alarm_texts}"


# --- the trained disclosure detector (nlp.safeguarding_model) ---------------------------------


def test_the_model_finds_disclosures_the_rules_miss_on_its_development_set():
    """safeguarding_dev2.csv was never trained on (its threshold was chosen on it)."""
    rows = read_rows(DATA / "safeguarding_dev2.csv")
    rules = score_safeguarding(rows, use_model=False)
    both = score_safeguarding(rows)
    assert rules.missed, "the rules alone should miss some of this set, or it measures nothing"
    assert both.recall.value >= 0.95, f"rules + model recall {both.recall}, missed {both.missed}"
    assert both.recall.hits > rules.recall.hits
    assert both.category_named.value >= 0.85, f"category named {both.category_named}"


def test_every_flag_names_a_known_category():
    rows = read_rows(DATA / "safeguarding_dev2.csv")
    from nlp import check_safeguarding_many

    for result in check_safeguarding_many([row["text"] for row in rows]):
        assert not result.is_flagged or (result.categories and set(result.categories) <= set(REASONS))


def test_the_model_refuses_weights_whose_hash_differs_from_the_manifest(tmp_path):
    import shutil

    from nlp.errors import ModelError
    from nlp.safeguarding_model import MODEL_PATH, load_model

    copy = tmp_path / MODEL_PATH.name
    shutil.copy(MODEL_PATH, copy)
    shutil.copy(MODEL_PATH.with_suffix(".json"), copy.with_suffix(".json"))
    assert load_model(copy).threshold > 0
    data = bytearray(copy.read_bytes())
    data[-100] ^= 1
    copy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(copy)


def test_the_shipped_model_was_built_from_the_committed_data():
    """The manifest's hashes of the files it was trained on match them (rebuild: python -m nlp.safeguarding_training)."""
    import hashlib
    import json

    from nlp.safeguarding_model import MODEL_PATH

    manifest = json.loads(MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))
    root = Path(__file__).resolve().parents[1]
    for name, digest in manifest["trained_on"].items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest, f"{name} changed since the model was built"


def test_ordinary_demo_texts_are_not_flagged_and_planted_disclosures_are():
    from nlp import check_safeguarding_many
    from service.demo import texts

    ordinary = [phrase for bank in (texts.ADULT, texts.YOUNG) for phrases in bank.values() for phrase in phrases]
    ordinary += list(texts.PERSONAL)
    flagged = [text for text, result in zip(ordinary, check_safeguarding_many(ordinary), strict=True) if result.is_flagged]
    assert not flagged, f"ordinary demo texts flagged: {flagged}"
    assert all(result.is_flagged for result in check_safeguarding_many(list(texts.DISCLOSURES)))


def test_theft_alone_is_an_ordinary_report_but_theft_with_violence_is_flagged():
    assert not check_safeguarding("my mate got robbed walking home", use_model=False).is_flagged
    assert not check_safeguarding("too many people carry knifes", use_model=False).is_flagged
    assert check_safeguarding("my mate got mugged and beaten up", use_model=False).is_flagged
    assert check_safeguarding("my cousin keeps a blade in his room", use_model=False).is_flagged


def test_safeguarding_on_the_kept_apart_set_holds_its_first_measured_level():
    """Written by a helper who never saw the rules, the model or their data (tests/data/nlp/README.md).
    Scored twice before it was copied here: recall 0.97 (238/246), false alarms 0.05 (13/282), category
    named 0.76 (188/246) both times (model on numpy embeddings). After the encoder moved to ONNX
    Runtime int8, the model was retrained on those embeddings with no change of data or settings:
    0.98 (240/246), 0.05 (13/282), 0.78 (191/246). Messages give counts only, so that its texts stay
    unread."""
    scores = score_safeguarding(read_rows(DATA / "safeguarding_kept_apart.csv"))
    assert scores.recall.value >= 0.96, f"recall {scores.recall}"
    assert scores.false_alarms.value <= 0.05, f"false alarms {scores.false_alarms}"
    assert scores.category_named.value >= 0.76, f"category named {scores.category_named}"
    rules = score_safeguarding(read_rows(DATA / "safeguarding_kept_apart.csv"), use_model=False)
    assert scores.recall.hits > rules.recall.hits, "the model should find what the rules miss"


# --- whether the writer is a child (the procedure a safeguarding lead follows) ------------------


def _child_calls(rows: list[dict[str, str]], *, use_model: bool) -> tuple[float, float]:
    """Share of the disclosures written by children read as a child's, and of adults' read as a child's,
    by the child words alone or with the trained child-writer signal (whether or not the text is flagged)."""
    from nlp.safeguarding import writer_is_child
    from nlp.safeguarding_model import shared_model

    disclosures = [row for row in rows if row["flag"] == "1"]
    says = ([score.seems_child for score in shared_model().score_many([row["text"] for row in disclosures])]
            if use_model else [False] * len(disclosures))
    calls = [(row["writer"], writer_is_child(row["text"], model_says=said)) for row, said in zip(disclosures, says, strict=True)]
    children = [call for writer, call in calls if writer == "child"]
    adults = [call for writer, call in calls if writer == "adult"]
    return sum(children) / len(children), sum(adults) / len(adults)


def test_the_child_writer_signal_beats_the_child_words_on_its_development_set():
    """dev2's writer column was never trained on (the child threshold was chosen on it, for 0.95 of
    its child writers). The child words alone notice 0.37 of them."""
    rows = read_rows(DATA / "safeguarding_dev2.csv")
    words_children, _ = _child_calls(rows, use_model=False)
    children, adults = _child_calls(rows, use_model=True)
    assert children >= 0.95, f"child writers noticed {children:.2f}"
    assert children >= words_children + 0.3, f"signal {children:.2f} against the child words' {words_children:.2f}"
    assert adults <= 0.2, f"adults called children {adults:.2f}"


def test_safeguarding_on_the_second_kept_apart_set_holds_its_unseen_level():
    """Written on 2026-12-03 by a second helper who saw neither the rules, the model nor any set
    (tests/data/nlp/README.md); never read by whoever tunes. Scored with aggregates only, three times
    with no tuning between (before and after the detector's one-pass screen): recall 0.96 (153/160),
    false alarms 0.17 (27/160), category named 0.76 (122/160), child noticed 0.90 (93/103), adults
    called children 0.23 (13/57); the rules alone 0.52 (83/160) with 0.11 (18/160) false alarms."""
    scores = score_safeguarding(read_rows(DATA / "safeguarding_kept_apart2.csv"))
    assert scores.recall.value >= 0.95, f"recall {scores.recall}"
    assert scores.false_alarms.value <= 0.2, f"false alarms {scores.false_alarms}"
    assert scores.category_named.value >= 0.74, f"category named {scores.category_named}"
    assert scores.child_named.value >= 0.88, f"child noticed {scores.child_named}"


def test_the_child_writer_signal_on_the_kept_apart_set():
    """Aggregates only, so the set's texts stay unread. First measured: child noticed 0.91 (126/138),
    adults called children 0.29 (31/108); the child words alone 0.35 (48/138) and 0.19 (20/108)."""
    scores = score_safeguarding(read_rows(DATA / "safeguarding_kept_apart.csv"))
    assert scores.child_named.value >= 0.88, f"child noticed {scores.child_named}"
    assert scores.adult_called_child.value <= 0.33, f"adults called children {scores.adult_called_child}"


@pytest.mark.parametrize("use_model", [True, False])
@pytest.mark.parametrize(
    "text",
    ["My partner won't let me have my own money", "my son's tutor sends him private messages",
     "my husband hits me when he drinks", "my wife tracks my phone and takes my wages"],
)
def test_an_age_under_18_always_makes_a_child_flag(text, use_model):
    assert not check_safeguarding(text, use_model=use_model, age=None).is_child
    for age in (11, 15, 17):
        result = check_safeguarding(text, use_model=use_model, age=age)
        assert result.is_flagged and result.is_child, f"age {age}: {text!r}"
    assert not check_safeguarding(text, use_model=use_model, age=18).is_child


def test_an_adult_age_does_not_overrule_what_the_text_says():
    assert check_safeguarding("im 13 and my mums boyfriend hits me", age=30).is_child


def test_ages_must_come_one_per_text():
    from nlp import check_safeguarding_many

    with pytest.raises(ValueError, match="2 texts but 1 ages"):
        check_safeguarding_many(["my dad hits me", "ok"], ages=[12])
