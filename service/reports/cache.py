"""Dashboard figures aggregated from many rows, kept in each worker until the data changes.

A page asks for, say, topic prevalence for a filter. The answer is kept under the filter *and*
the data version of its scope (:data:`SCOPES`): a handful of cheap, index-only aggregates (largest
id and row count) of the tables those figures read. An ingest, re-ingest, form submission,
erasure or retention run changes the ``responses`` version; a topics run, review, erasure or new
weighting run changes the ``codes`` version; the next request then recomputes from the database.
Nothing has to be invalidated: several gunicorn workers each keep their own entries, a worker
that has not seen a change simply has no entry for the new version, and old entries age out
(least recently used, :data:`MAX_ENTRIES` per database).

The version is read once per session transaction (a request's session) and forgotten when the
session writes, flushes or ends its transaction, so a session always sees its own writes.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from service.store.models import (
    AnalysisRun,
    Response,
    ResponseVersion,
    TextReview,
    TopicCode,
)

logger = logging.getLogger(__name__)

__all__ = ["MAX_ENTRIES", "SCOPES", "data_version", "remember"]

T = TypeVar("T")
MAX_ENTRIES = 512
_VERSION = "voice_data_version"
_LOCK = threading.Lock()
# One cache per engine (database), so two apps in one process (tests) never share figures.
_CACHES: WeakKeyDictionary[Engine, OrderedDict[Hashable, Any]] = WeakKeyDictionary()


def _newest(column):
    return select(func.max(column)).scalar_subquery()


def _count(model, *where):
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


# What each kind of figure reads. Counts catch deletions (erasure, retention, cascades), largest
# ids catch inserts, response versions catch re-ingested responses whose demographics changed.
SCOPES = {
    # Responses and their demographics: the overview, filter choices, who each site reaches.
    "responses": lambda: (_newest(Response.id), _count(Response), _newest(ResponseVersion.id)),
    # Coded free texts: topic codes (model and reviewer), reviews, weighting runs. A new response
    # only counts here once the topics run has coded its text, so form submissions do not reset it.
    "codes": lambda: (_newest(TopicCode.id), _count(TopicCode), _newest(TextReview.id), _count(TextReview),
                      _newest(ResponseVersion.id), _newest(AnalysisRun.id), _count(AnalysisRun, AnalysisRun.status == "finished")),
}


def data_version(session: Session, scope: str = "responses") -> tuple[Any, ...]:
    """Largest ids and row counts of the tables that figures of ``scope`` (see :data:`SCOPES`) read."""
    versions = session.info.setdefault(_VERSION, {})
    if scope not in versions:
        versions[scope] = tuple(session.execute(select(*SCOPES[scope]())).one())
    return versions[scope]


def remember(session: Session, name: str, key: Hashable, compute: Callable[[], T], scope: str = "responses") -> T:
    """``compute()`` for ``(name, key)`` at the data version of ``scope``, from this worker's cache when there.

    Callers get a copy, so changing the answer never changes the cached figures.
    """
    engine = session.get_bind()
    full_key = (name, scope, key, data_version(session, scope))
    with _LOCK:
        entries = _CACHES.setdefault(engine, OrderedDict())
        if full_key in entries:
            entries.move_to_end(full_key)
            return copy.deepcopy(entries[full_key])
    value = compute()
    with _LOCK:
        entries[full_key] = value
        while len(entries) > MAX_ENTRIES:
            entries.popitem(last=False)
    return copy.deepcopy(value)


def _forget_version(session: Session, *_args: Any) -> None:
    session.info.pop(_VERSION, None)


def _forget_after_write(state: Any) -> None:
    if not state.is_select:
        state.session.info.pop(_VERSION, None)


event.listen(Session, "after_flush", _forget_version)
event.listen(Session, "after_transaction_end", _forget_version)
event.listen(Session, "do_orm_execute", _forget_after_write)
