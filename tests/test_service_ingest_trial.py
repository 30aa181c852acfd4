"""Issue 16 trial findings that need the store: row ids through `voice ingest` and quarantine retry, and
the missing-column message naming the configuration file in use. Files are written by the tests."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from service.pipeline.ingest_runs import register_sources, run_ingest
from service.pipeline.quarantine import fix_quarantined, retry_quarantined
from service.store.db import transaction
from service.store.models import QuarantinedRow, Response
from tests.exports import write_csv, write_sav, write_xlsx

HEADER = ["Date submitted", "Age group", "Sex", "How safe do you feel in your neighbourhood during the day?"]
ROWS = [["21/04/2023 10:15", "25-34", "Female", "4"], ["31/04/2023 10:15", "16-24", "Male", "2"]]  # 31 April: no such day


def _row_id_config(config, **mapping):
    css = config.source("css")
    css = replace(css, mapping=replace(css.mapping, id_column="", row_id=True, **mapping))
    return replace(config, sources=tuple(css if s.key == "css" else s for s in config.sources))


@pytest.mark.parametrize("writer", [write_csv, write_xlsx, write_sav], ids=["csv", "xlsx", "sav"])
def test_row_id_stores_each_row_under_its_row_number_in_every_file_type(factory, config, session, writer):
    config = _row_id_config(config)
    register_sources(factory, config)
    folder = config.source("css").path
    suffix = {write_csv: ".csv", write_xlsx: ".xlsx", write_sav: ".sav"}[writer]
    names = writer(folder / f"export{suffix}", HEADER, ROWS)
    if writer is write_sav:  # SPSS variables are v0, v1, ...: map the source onto them
        from tests.exports import variables_mapping

        css = config.source("css")
        css = replace(css, mapping=variables_mapping(css.mapping, names))
        config = replace(config, sources=tuple(css if s.key == "css" else s for s in config.sources))
    (report,) = run_ingest(factory, config, "css")
    assert (report.n_new, report.n_quarantined) == (1, 1)
    assert session.scalars(select(Response.external_id)).all() == ["row-2"]
    quarantined = session.scalars(select(QuarantinedRow)).one()
    assert quarantined.location.endswith("row 3") and quarantined.rule == "date"


def test_a_quarantined_row_id_record_is_stored_under_its_row_when_fixed_and_retried(factory, config, session):
    config = _row_id_config(config)
    register_sources(factory, config)
    write_csv(config.source("css").path / "export.csv", HEADER, ROWS)
    run_ingest(factory, config, "css")
    row_id = session.scalars(select(QuarantinedRow.id)).one()
    with transaction(factory) as fixing:
        fix_quarantined(fixing, row_id, "Date submitted", "30/04/2023 10:15")
    result = retry_quarantined(factory, config, "css")
    assert (result.n_stored, result.n_still_quarantined) == (1, 0)
    assert sorted(session.scalars(select(Response.external_id)).all()) == ["row-2", "row-3"]


def test_a_misnamed_column_stops_the_run_naming_the_configuration_file_in_use(factory, config, session):
    css = config.source("css")
    config = replace(config, sources=tuple(replace(css, mapping=replace(css.mapping, sex_column="Sex?"))
                                           if s.key == "css" else s for s in config.sources))
    register_sources(factory, config)
    write_csv(css.path / "export.csv", HEADER, ROWS)
    (report,) = run_ingest(factory, config, "css")
    assert report.status == "failed"
    assert f"Fix the key in {config.source_file} or the column name in the file" in report.errors[0]
    assert session.scalars(select(Response)).all() == []
