"""service/reports/labels.py: the words people read instead of our codes (issue 17)."""

from __future__ import annotations

from service.reports.dashboard import level_label
from service.reports.labels import RUN_STATUSES, age_band_words, rule_words
from service.reports.text import level_name as briefing_label


def test_age_bands_read_as_words_not_codes():
    assert [age_band_words(b) for b in ("11-12", "16-24", "75+", "not_stated")] == ["11 to 12", "16 to 24", "75 or over", "not_stated"]
    assert level_label("age_band", "11-12") == "11 to 12"  # not "Aged 11-12", which read "Age: Aged 11-12"
    assert briefing_label("age_band", "65+", {}) == "65 or over"


def test_quarantine_rules_and_run_statuses_read_as_words():
    assert rule_words("unique_id") == "Same id twice in one file"
    assert rule_words("known_site") == "QR site code not known"
    assert rule_words("some_new_rule") == "Some new rule"
    assert RUN_STATUSES["done"] == "Finished"
