import csv
from pathlib import Path

import pytest

from nlp import redact

DATA = Path(__file__).parent / "data" / "nlp"


def _recall_and_kept(name: str) -> tuple[float, float]:
    removed = total = kept = to_keep = 0
    with (DATA / name).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            output = redact(row["text"]).text
            for item in filter(None, row["remove"].split("|")):
                total += 1
                removed += item not in output
            for item in filter(None, row["keep"].split("|")):
                to_keep += 1
                kept += item in output
    return removed / total, kept / to_keep


def test_redact_replaces_name_and_street_with_readable_placeholders():
    result = redact("John Smith from 12 Hill Road keeps dealing outside the shop")
    assert result.text == "[name] from [street] keeps dealing outside the shop"
    assert result.kinds == {"name", "address"}


def test_redact_keeps_the_original_and_span_positions():
    text = "email jo@example.com now"
    result = redact(text)
    assert result.original == text
    (span,) = result.spans
    assert (span.kind, text[span.start : span.end]) == ("email", "jo@example.com")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flat 3, 45 Station Rd is noisy", "[street] is noisy"),
        ("ring 07700 900123", "ring [phone]"),
        ("ring +44 7700 900123", "ring [phone]"),
        ("at RM1 3AB last night", "at [postcode] last night"),
        ("reg AB12 CDE", "reg [vehicle reg]"),
        ("old one P123 ABC", "old one [vehicle reg]"),
        ("old one ABC 123D", "old one [vehicle reg]"),
        ("follow @tyrone99", "follow [handle]"),
        ("her snap is: jessxo22", "her snap is: [handle]"),
        ("my neighbour John", "my neighbour [name]"),
        ("a boy called Kacper", "a boy called [name]"),
        ("his name is dan", "his name is [name]"),
        ("this guy Tyrone sells", "this guy [name] sells"),
        ("Mohammed and Aisha got robbed", "[name] and [name] got robbed"),
        ("Mr Patel was threatened", "Mr [name] was threatened"),
    ],
)
def test_redact_finds_each_kind(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "More police in Romford and Hornchurch",
        "Upminster station and bus 174 are scary",
        "Harold Hill and Harold Wood need lights",
        "The Elizabeth line is dodgy",
        "I will call 101 in May",
        "Victoria Road is dark, RM1 is worse",
        "we waited 40 minutes on the road",
        "the A127 at night",
    ],
)
def test_redact_leaves_places_routes_and_common_words(text):
    assert redact(text).text == text


def test_redact_recall_on_labelled_cases_is_at_least_98_percent():
    recall, kept = _recall_and_kept("redaction_cases.csv")
    assert recall >= 0.98, f"redaction recall {recall:.3f} on redaction_cases.csv"
    assert kept >= 0.98, f"kept {kept:.3f} of the place names that must survive"


def test_redact_recall_on_holdout_cases_is_at_least_96_percent():
    recall, kept = _recall_and_kept("redaction_holdout.csv")
    assert recall >= 0.96, f"redaction recall {recall:.3f} on redaction_holdout.csv"
    assert kept >= 0.96, f"kept {kept:.3f} on redaction_holdout.csv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jo.bloggs@example.com_thanks", "mail me at [email]_thanks"),
        ("jo@example.com\u00e9t\u00e9 too", "[email]\u00e9t\u00e9 too"),
        ("write to email@example.co.uk.", "write to [email]."),
        ("(jo@example.com)", "([email])"),
        ("[jo@example.com], <jo@example.com>", "[[email]], <[email]>"),
        ("jo_bloggs@example.com said", "[email] said"),
    ],
)
def test_redact_finds_an_email_whatever_follows_it(text, expected):
    assert redact(text).text == expected


def test_redact_rejects_non_strings():
    with pytest.raises(TypeError, match="redact expects a str, got NoneType: None"):
        redact(None)  # type: ignore[arg-type]


def test_redact_handles_long_text_and_empty_text():
    assert redact("").text == ""
    long = "John lives at 12 Hill Road. " * 800
    assert "John" not in redact(long).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07700.900.123", "[phone]"),
        ("07700/900/123", "[phone]"),
        ("call \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13 now", "call [phone] now"),
        ("office 01708 123 4567", "office [phone]"),
        ("office 0170 8123 456", "office [phone]"),
        ("ring 020 7946 0018", "ring [phone]"),
        ("ring +44 (0)20 7946 0018", "ring [phone]"),
        ("DWAYNE JOHNSON sells drugs", "[name] sells drugs"),
        ("mr patel", "mr [name]"),
        ("ahmed khan runs it", "[name] runs it"),
        ("22 Acacia Av", "[street]"),
        ("car AB12-CDE again", "car [vehicle reg] again"),
        ("insta jsmith2009", "insta [handle]"),
        ("snapchat me at bigdan", "snapchat me at [handle]"),
        ("facebook.com/john.smith.12 posted it", "[handle] posted it"),
        ("jane.doe(at)example.com", "[email]"),
        ("mail dave at gmail dot com", "mail [email]"),
        ("the police arrests Tom Reilly", "the police arrests [name]"),
        ("ask for Deji", "ask for [name]"),
        ("Zainab and Ifeoma were pushed", "[name] and [name] were pushed"),
        ("call me on 07700 900123 - Jade", "call me on [phone] - [name]"),
    ],
)
def test_redact_finds_the_details_an_outside_probe_found_missing(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "I will hope the park gets a warden",
        "Mark my words the lane will flood",
        "Rose Lane and Hope Street are dark",
        "Harold Wood and Hornchurch need lights",
        "the 248 bus from Romford to London",
        "tiktok videos of fights get shared at school",
        "Nobody knows their neighbours anymore",
        "MORE POLICE IN ROMFORD PLEASE",
    ],
)
def test_redact_keeps_words_that_are_also_names(text):
    assert redact(text).text == text


def test_a_childs_disclosure_is_fully_redacted_and_flagged():
    from nlp import check_safeguarding

    text = ("my mums boyfriend hits me... a man in the park keeps asking me to go to his flat... "
            "call me on 07700 900123 - Jade")
    result = redact(text)
    assert "07700" not in result.text and "Jade" not in result.text
    assert not result.is_uncertain
    assert check_safeguarding(text).is_flagged
    assert check_safeguarding(result.text).is_flagged


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ring 7700900123 tonight", "digits that may be a phone number"),
        ("find me at @ the shop", "an @ that may be a handle or e-mail"),
        ("i was with zorbek later", "an unknown word after a word that introduces a person"),
        ("the lights near Zorbek are broken", "a capitalised unknown word that may be a name"),
    ],
)
def test_assess_redaction_says_when_it_is_unsure(text, reason):
    from nlp import assess_redaction

    result = assess_redaction(text)
    assert result.is_uncertain
    assert reason in result.reasons


def test_assess_redaction_is_sure_about_plain_comments_and_counts_redactions():
    from nlp import assess_redaction

    plain = assess_redaction("More police in Romford and the street lights on Hope Road are broken")
    assert (plain.is_uncertain, plain.reasons, plain.n_redacted) == (False, (), 0)
    counted = assess_redaction("John Smith rang 07700 900123")
    assert counted.n_redacted == 2 and not counted.is_uncertain


def test_redact_recall_on_planted_development_set_is_at_least_98_percent():
    recall, kept = _recall_and_kept("redaction_planted_dev.csv")
    assert recall >= 0.98, f"redaction recall {recall:.3f} on redaction_planted_dev.csv"
    assert kept >= 0.97, f"kept {kept:.3f} on redaction_planted_dev.csv"


def test_redact_recall_on_planted_holdout_set_is_at_least_98_percent():
    """Held out: written before the rules were tuned (see tests/data/nlp/README.md)."""
    recall, kept = _recall_and_kept("redaction_planted_heldout.csv")
    assert recall >= 0.98, f"redaction recall {recall:.3f} on redaction_planted_heldout.csv"
    assert kept >= 0.98, f"kept {kept:.3f} on redaction_planted_heldout.csv"


def test_redact_recall_on_the_fresh_planted_set():
    """Written after all tuning and first run after commit: 25 of 26 details removed; 26 of 26 since."""
    recall, kept = _recall_and_kept("redaction_planted_fresh.csv")
    assert recall >= 0.96, f"redaction recall {recall:.3f} on redaction_planted_fresh.csv"
    assert kept >= 0.96, f"kept {kept:.3f} on redaction_planted_fresh.csv"


def test_a_handle_left_without_a_platform_word_makes_the_text_uncertain():
    from nlp import assess_redaction

    assert "a word with a dot or underscore inside that may be a handle" in assess_redaction("find me on there, shanz.x").reasons
    assert not assess_redaction("meet at 10.30 e.g. by the shop").is_uncertain


@pytest.mark.parametrize(("text", "handle"), [
    ("add me on insta its shanz.x", "shanz.x"),
    ("follow me on tiktok, im bigmo2011", "bigmo2011"),
    ("my gamertag on xbox is DarkRyder77", "DarkRyder77"),
    ("roblox user: princessmia_09", "princessmia_09"),
])
def test_a_made_up_account_name_after_a_platform_word_is_removed(text, handle):
    result = redact(text)
    assert handle not in result.text and "[handle]" in result.text


@pytest.mark.parametrize("text", ["i play fortnite on ps5 after 6pm", "follow me on tiktok for videos of the estate",
                                  "my snap got hacked so i made a new one"])
def test_platform_words_without_an_account_name_keep_every_word(text):
    assert redact(text).text == text


def test_a_house_number_after_at_is_removed():
    assert "42" not in redact("Mrs Patel at no. 42 knows").text
    assert redact("the 42 bus is late").text == "the 42 bus is late"


def test_redaction_on_the_kept_apart_set_holds_its_measured_level():
    """Written by a helper who never saw the redactor (tests/data/nlp/README.md): 0.89 (231/259) at its
    first run, 0.91 (236/259) after general changes, words kept 1.00 (92/92). Since 2026-12-03 a
    development set (its misses were read and tuned on): 0.99 (257/259)."""
    from nlp.evaluate_safety import read_rows, score_redaction

    scores = score_redaction(read_rows(DATA / "redaction_kept_apart.csv"))
    assert scores.removed.value >= 0.98, f"details removed {scores.removed}"
    assert scores.kept.value >= 0.99, f"words kept {scores.kept}"


def test_redaction_on_the_second_kept_apart_set_holds_its_measured_level():
    """Written by another helper from the issue text alone (tests/data/nlp/README.md): 0.96 (318/330)
    details removed and 0.97 (277/285) words kept at its first run. Since 2026-12-03 a development set
    (its misses were grouped by kind and each kind fixed generally): 1.00 (329/330) and 1.00 (285/285)."""
    from nlp.evaluate_safety import read_rows, score_redaction

    scores = score_redaction(read_rows(DATA / "redaction_kept_apart2.csv"))
    assert scores.removed.value >= 0.99, f"details removed {scores.removed}"
    assert scores.kept.value >= 0.99, f"words kept {scores.kept}"


def test_redaction_on_the_third_kept_apart_set_holds_its_first_run():
    """Written by a third helper who saw neither the redactor nor the other sets (tests/data/nlp/README.md)
    and scored once, unseen, after all tuning: 0.98 (199/203) details removed, 0.99 (154/155) words kept.
    Its misses have not been read; a fall below these levels is a regression on unseen text."""
    from nlp.evaluate_safety import read_rows, score_redaction

    scores = score_redaction(read_rows(DATA / "redaction_kept_apart3.csv"))
    assert scores.removed.value >= 0.98, f"details removed {scores.removed}"
    assert scores.kept.value >= 0.99, f"words kept {scores.kept}"
