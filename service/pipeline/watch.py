"""Watching a file source's drop folder: ingest each export once it has finished arriving.

``voice ingest SOURCE --watch`` polls the folder every few seconds. A file is taken only when its
size and modification time were the same at two polls in a row, so an export still being copied
in (over a network share, say) is not read half-written; the scheduled job reads the folder as it
is, so writers that cannot pause should copy under another suffix (``.part``) and rename. A file
ingested before (same content) is skipped by the pipeline, so restarting the watcher is harmless.
Polling rather than file-system events works the same on network shares, where events are unreliable.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ingest import IngestError
from ingest.files import SUFFIXES
from service.config import Config
from service.pipeline.ingest_runs import PullOptions, RunReport, ingest_file

logger = logging.getLogger(__name__)

Signature = tuple[int, int]


def settled_files(folder: Path, before: dict[Path, Signature]) -> tuple[list[Path], dict[Path, Signature]]:
    """Files of ``folder`` unchanged since the previous look (``before``), and what this look saw.

    A file seen for the first time is never settled: it may still be growing.
    """
    now: dict[Path, Signature] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # renamed or removed between listing and looking
            continue
        now[path] = (stat.st_size, stat.st_mtime_ns)
    ready = [path for path, signature in now.items() if before.get(path) == signature]
    return ready, now


def watch_folder(factory: sessionmaker[Session], config: Config, key: str, interval: float,
                 stop: threading.Event, on_report: Callable[[RunReport], None],
                 options: PullOptions | None = None) -> int:
    """Ingest settled files of source ``key``'s drop folder until ``stop`` is set; return how many runs.

    Each file is handed to the pipeline once per content: after a run (finished, failed or
    skipped as already ingested) it is not tried again until its size or time changes.

    Raises
    ------
    IngestError
        ``key`` is not a file source, or its drop folder does not exist.
    """
    source = config.source(key)
    if source.kind != "file":
        raise IngestError(f"source {key!r} is of kind {source.kind!r}; only file sources have a drop folder to watch")
    if source.path is None or not source.path.is_dir():
        raise IngestError(f"source {key!r}: drop folder {source.path} does not exist; create it or fix [sources.{key}] path")
    seen: dict[Path, Signature] = {}
    done: dict[Path, Signature] = {}
    n_runs = 0
    while not stop.is_set():
        ready, seen = settled_files(source.path, seen)
        for path in ready:
            if done.get(path) == seen[path] or stop.is_set():
                continue
            report = ingest_file(factory, config, source, path, options)
            done[path] = seen[path]
            n_runs += 1
            on_report(report)
        stop.wait(interval)
    return n_runs
