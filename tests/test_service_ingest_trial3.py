"""Analyst trial 3 through the store: the Typeform, Qualtrics and Microsoft Forms exports run by
``voice ingest`` (:func:`run_ingest`) into the test database, checked row by row against the truth.

Residents who answered no to consent are stored nowhere and counted on the run (none of their free
texts may disclose harm, so none is kept for the safeguarding queue); the analyst's first Typeform
mapping, whose id column holds "poster" or "insta", stops the run before anything is stored.
The exports, truth and mappings are the synthetic ones of ``tests/data/ingest_trial3`` (its README).
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import replace

import pytest
from sqlalchemy import select

from service.config.reader import Reader
from service.config.sources import read_source
from service.pipeline.ingest_runs import register_sources, run_ingest
from service.store.models import QuarantinedRow, Response, Source
from tests.test_ingest_trial3 import (
    DECLINED,
    FIELDS,
    FILES,
    NOW,
    SOURCES,
    TRIAL3,
    classify,
    read_truth,
    trial_source,
)


def _with_source(config, tmp_path, source):
    """``config`` with the trial source added, its drop folder holding its export."""
    folder = tmp_path / "trial3" / source.key
    folder.mkdir(parents=True)
    shutil.copy(TRIAL3 / "exports" / FILES[source.key], folder)
    return replace(config, sources=(*config.sources, replace(source, path=folder)))


def _stored(session, key):
    """The responses stored for source ``key`` by id (fields named as in the truth) and its quarantined rows."""
    source_id = session.scalars(select(Source.id).where(Source.key == key)).one()
    responses = {r.external_id: {**{f: getattr(r, f) for f in FIELDS}, "consent": r.consent}
                 for r in session.scalars(select(Response).where(Response.source_id == source_id))}
    entries = session.scalars(select(QuarantinedRow).where(QuarantinedRow.source_id == source_id,
                                                           QuarantinedRow.scope == "record")).all()
    return responses, entries


@pytest.mark.parametrize("key", ["tf", "qx", "msf"])
def test_trial3_voice_ingest_stores_every_row_as_its_truth(factory, config, session, tmp_path, key):
    config = _with_source(config, tmp_path, trial_source(key))
    register_sources(factory, config)
    (report,) = run_ingest(factory, config, key, now=NOW)
    counts, problems = classify(key, *_stored(session, key), declined_read=False)
    assert problems == [], f"{FILES[key]}: {dict(counts)}"
    truth = read_truth(FILES[key])
    assert sum(counts.values()) == len(truth) and counts["stored right"] > 0
    n_declined = sum(t["reason"] in DECLINED for t in truth)
    assert report.status == "finished" and n_declined > 0
    assert (report.n_new, report.n_quarantined) == (counts["stored right"], counts["quarantined rightly"])
    assert (report.n_declined, report.n_declined_kept) == (n_declined, 0)
    assert f"declined consent {n_declined} (not stored)" in report.summary()
    assert session.scalars(select(Response).where(Response.consent.is_not(True))).all() == []


def test_trial3_first_typeform_mapping_stops_before_storing_anything(factory, config, session, tmp_path):
    """The analyst's first mapping took ``id_column = "ref"`` from ``voice sources suggest``
    (/work/trial3/mistake_tf.toml differs from sources.toml in that line only)."""
    table = tomllib.loads(SOURCES.read_text(encoding="utf-8"))["sources"]["tf"]
    table["mapping"]["id_column"] = "ref"
    config = _with_source(config, tmp_path, read_source(Reader(SOURCES), "tf", table, TRIAL3))
    register_sources(factory, config)
    (report,) = run_ingest(factory, config, "tf", now=NOW)
    assert report.status == "failed"
    assert "rows repeat an id already met in column 'ref'" in report.errors[0]
    assert "Nothing was stored" in report.errors[0]
    assert session.scalars(select(Response)).all() == []
    assert session.scalars(select(QuarantinedRow)).all() == []
