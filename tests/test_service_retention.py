"""Retention: old original text, raw-record free text, quarantined rows and archived reports go;
redacted text, codes and demographics stay; every run is counted and logged."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.config import ConfigError, load_config
from service.ops.retention import apply_retention, keep_paths, months_before
from service.pipeline.ingest_runs import register_sources
from service.store.db import transaction
from service.store.models import (
    Answer,
    AuditEvent,
    FreeText,
    QuarantinedRow,
    ReportFile,
    Response,
    ResponseVersion,
    TopicCode,
)
from tests.trust_data import NOW, OLD, RECENT, SECRET_TEXT, add_quarantined, add_response


def _stored(factory, config):
    register_sources(factory, config)
    with transaction(factory) as session:
        ids = {ext: add_response(session, key, ext, when).id
               for key, ext, when in (("css", "CSS-OLD", OLD), ("css", "CSS-NEW", RECENT), ("qr", "QR-OLD", OLD))}
        add_quarantined(session, "css", "CSS-Q-OLD", OLD)
        add_quarantined(session, "css", "CSS-Q-NEW", RECENT)
        for when in (OLD, RECENT):
            session.add(ReportFile(kind="briefing", format="pdf", title="Q", filename="q.pdf", fingerprint="f", content_hash="c",
                                   size=1, content=b"x", created_at=when))
    return ids


def test_months_before_counts_calendar_months_and_clamps_the_day():
    assert months_before(datetime(2025, 3, 31, tzinfo=timezone.utc), 1) == datetime(2025, 2, 28, tzinfo=timezone.utc)
    assert months_before(datetime(2024, 3, 31, tzinfo=timezone.utc), 1) == datetime(2024, 2, 29, tzinfo=timezone.utc)
    assert months_before(datetime(2025, 1, 15, tzinfo=timezone.utc), 24) == datetime(2023, 1, 15, tzinfo=timezone.utc)


def test_retention_removes_old_original_text_but_keeps_redacted_text_and_codes(factory, config):
    ids = _stored(factory, config)
    with transaction(factory) as session:
        result = apply_retention(session, config, now=NOW)
    assert (result.n_original_texts, result.n_unredacted_texts, result.n_answer_texts) == (2, 0, 2)
    with factory() as session:
        texts = {t.response_id: t for t in session.scalars(select(FreeText))}
        assert texts[ids["CSS-OLD"]].original is None and texts[ids["QR-OLD"]].original is None
        assert texts[ids["CSS-OLD"]].redacted.startswith("My name is [NAME]")
        assert texts[ids["CSS-NEW"]].original == SECRET_TEXT
        assert session.scalar(select(func.count(TopicCode.id))) == 3
        old_answers = session.scalars(select(Answer.value_text).where(Answer.response_id == ids["CSS-OLD"])).all()
        assert SECRET_TEXT not in old_answers
        assert session.get(Response, ids["CSS-OLD"]).sex == "female"


def test_retention_trims_old_raw_records_to_the_mapped_closed_fields(factory, config):
    ids = _stored(factory, config)
    with transaction(factory) as session:
        result = apply_retention(session, config, now=NOW)
    assert (result.n_raw_records, result.n_raw_versions) == (2, 2)
    with factory() as session:
        css = session.get(Response, ids["CSS-OLD"]).raw
        assert css == {"Respondent ID": "CSS-OLD", "Date submitted": "10/01/2022", "Age group": "16-24", "Sex": "Female",
                       "Ward": "St Edward's", "How safe do you feel in your neighbourhood during the day?": "4"}
        assert session.get(Response, ids["QR-OLD"]).raw == {"id": "QR-OLD", "submitted_at": "2022-01-10", "site": "RMD-STN",
                                                            "age_band": "13-15", "safe_here": 2}
        assert SECRET_TEXT in repr(session.get(Response, ids["CSS-NEW"]).raw)
        versions = session.scalars(select(ResponseVersion.raw).where(ResponseVersion.response_id == ids["CSS-OLD"])).all()
        assert versions == [css]


def test_retention_deletes_old_quarantined_rows_and_archived_reports(factory, config):
    _stored(factory, config)
    with transaction(factory) as session:
        result = apply_retention(session, config, now=NOW)
    assert (result.n_quarantined, result.n_archived_reports) == (1, 1)
    with factory() as session:
        assert session.scalars(select(QuarantinedRow.external_id)).all() == ["CSS-Q-NEW"]
        assert session.scalar(select(func.count(ReportFile.id))) == 1


def test_retention_dry_run_counts_but_changes_and_logs_nothing(factory, config):
    _stored(factory, config)
    with transaction(factory) as session:
        dry = apply_retention(session, config, now=NOW, dry_run=True)
    with transaction(factory) as session:
        real = apply_retention(session, config, now=NOW)
    assert dry.dry_run and dry.summary().startswith("Would remove")
    assert (dry.n_original_texts, dry.n_raw_records, dry.n_quarantined) == (real.n_original_texts, real.n_raw_records, real.n_quarantined) == (2, 2, 1)
    with factory() as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == 1


def test_retention_is_logged_with_counts_and_a_second_run_removes_nothing(factory, config):
    _stored(factory, config)
    with transaction(factory) as session:
        apply_retention(session, config, now=NOW)
    with transaction(factory) as session:
        again = apply_retention(session, config, now=NOW)
    assert (again.n_original_texts, again.n_raw_records, again.n_quarantined, again.n_archived_reports) == (0, 0, 0, 0)
    with factory() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["retention", "retention"]
    assert events[0].detail["n_original_texts"] == 2 and events[0].detail["per_source"]["qr"]["n_raw_records"] == 1
    assert events[0].detail["periods"]["original_text_months"] == 24
    assert SECRET_TEXT not in repr(events[0].detail)


def test_a_source_override_shortens_only_that_sources_period(factory, config):
    ids = _stored(factory, config)
    rules = replace(config.retention, original_text_months=120, raw_record_months=120,
                    sources={"css": {"original_text_months": 2}})
    with transaction(factory) as session:
        result = apply_retention(session, replace(config, retention=rules), now=NOW)
    assert result.per_source["css"]["n_original_texts"] == 2 and result.per_source["qr"]["n_original_texts"] == 0
    assert result.n_raw_records == 0
    with factory() as session:
        assert session.scalar(select(FreeText.original).where(FreeText.response_id == ids["CSS-NEW"])) is None


def test_keep_paths_follows_dotted_paths_into_nested_records():
    raw = {"id": 7, "answers": {"safe": 3, "comment": "free"}, "who": {"ip": "x"}}
    assert keep_paths(raw, ("id", "answers.safe", "missing.path")) == {"id": 7, "answers": {"safe": 3}}


def test_retention_apply_command_reports_a_dry_run(runner, database_url, factory, config):
    _stored(factory, config)
    result = runner.invoke(main, ["retention", "apply", "--dry-run"], env={"VOICE_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "Would remove" in result.output and "Dry run: nothing was changed" in result.output


def test_retention_config_reads_periods_and_source_overrides(tmp_path):
    shipped = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text(shipped + "\n[retention.sources.shout]\noriginal_text_months = 12\n", encoding="utf-8")
    rules = load_config(good, environ={"VOICE_RETENTION_QUARANTINE_MONTHS": "3"}).retention
    assert rules.months("shout", "original_text_months") == 12 and rules.months("css", "original_text_months") == 24
    assert rules.quarantine_months == 3
    bad = tmp_path / "bad.toml"
    bad.write_text(shipped + "\n[retention.sources.nosuch]\noriginal_text_months = 12\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'retention.sources.nosuch'.*a table for a configured source"):
        load_config(bad, environ={})
    zero = tmp_path / "zero.toml"
    zero.write_text(shipped.replace("original_text_months = 24", "original_text_months = 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention.original_text_months.*a whole number from 1 to 1200"):
        load_config(zero, environ={})
