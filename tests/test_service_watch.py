"""Watching a drop folder: a file is ingested once, and only after it has stopped growing."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from ingest import IngestError
from service.pipeline.ingest_runs import register_sources
from service.pipeline.watch import settled_files, watch_folder
from service.store.models import IngestRun, Response
from tests.exports import csv_text

HEADER = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
          "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?"]


def _lines(start, stop):
    return [[f"CSS-{i:05d}", "21/04/2023 10:15", "2023", "25-34", "Female", "4", "More lighting"] for i in range(start, stop)]


def _csv_text(rows, header=True):
    return csv_text(HEADER, rows, with_header=header)


def _wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_file_is_settled_only_when_unchanged_between_two_looks(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "export.csv.part").write_text("x", encoding="utf-8")
    ready, seen = settled_files(tmp_path, {})
    assert ready == [] and list(seen) == [path]  # new: may still be growing; .part is never read
    with path.open("a", encoding="utf-8") as handle:
        handle.write("3,4\n")
    ready, seen = settled_files(tmp_path, seen)
    assert ready == []
    ready, seen = settled_files(tmp_path, seen)
    assert ready == [path]


def test_watcher_ingests_a_growing_file_once_when_complete(factory, config, session):
    register_sources(factory, config)
    folder = config.source("css").path
    reports, stop = [], threading.Event()
    watcher = threading.Thread(target=watch_folder, args=(factory, config, "css", 0.2, stop, reports.append), daemon=True)
    path = folder / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_text(_lines(0, 50)))
        handle.flush()
        watcher.start()
        for start in range(50, 300, 50):  # still being copied in: a new chunk at every look
            time.sleep(0.15)
            handle.write(_csv_text(_lines(start, start + 50), header=False))
            handle.flush()
    try:
        assert _wait_for(lambda: len(reports) >= 1), "the watcher never ingested the finished file"
        time.sleep(0.8)  # several more looks: the same file must not be run again
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()
    assert [(r.status, r.n_read, r.n_new, r.n_quarantined) for r in reports] == [("finished", 300, 300, 0)]
    assert session.scalar(select(func.count()).select_from(Response)) == 300
    assert session.scalar(select(func.count()).select_from(IngestRun)) == 1


def test_watcher_takes_a_changed_file_again_and_refuses_a_source_without_a_folder(factory, config, session):
    register_sources(factory, config)
    folder = config.source("css").path
    path = folder / "export.csv"
    path.write_text(_csv_text(_lines(0, 10)), encoding="utf-8")
    reports, stop = [], threading.Event()
    watcher = threading.Thread(target=watch_folder, args=(factory, config, "css", 0.1, stop, reports.append), daemon=True)
    watcher.start()
    try:
        assert _wait_for(lambda: len(reports) == 1)
        path.write_text(_csv_text(_lines(0, 20)), encoding="utf-8")  # the export replaced by a longer one
        assert _wait_for(lambda: len(reports) == 2)
    finally:
        stop.set()
        watcher.join(10)
    assert [(r.n_new, r.n_unchanged) for r in reports] == [(10, 0), (10, 10)]
    assert session.scalar(select(func.count()).select_from(Response)) == 20
    with pytest.raises(IngestError, match="only file sources"):
        watch_folder(factory, config, "form", 0.1, threading.Event(), reports.append)
