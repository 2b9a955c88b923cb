"""Rows that never change once written, kept per database so an engine step reads each once per process.

- a process version (`definition`): deployed versions are immutable; the cached row is detached and merged into
  the caller's session without a statement (`load=False`), so the step sees an ordinary persistent
  `ProcessDefinition` (its deferred texts load on demand, as before);
- an enterprise's code by id (`enterprise_code`): the code is the enterprise's identity (imports match on it).
"""
from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient_to_detached

from .models import Enterprise, ProcessDefinition

MAX_ROWS = 512  # per database and kind; the oldest entry goes first

# per database engine's pool (a scratch database has its own; a disposed one's goes with it), per kind: row id -> value
_by_pool: "weakref.WeakKeyDictionary[Any, dict[str, dict[int, Any]]]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _cached(s: Session, kind: str, row_id: int) -> Any:
    with _lock:
        return _by_pool.get(s.get_bind().pool, {}).get(kind, {}).get(row_id)


def _keep(s: Session, kind: str, row_id: int, value: Any) -> None:
    with _lock:
        rows = _by_pool.setdefault(s.get_bind().pool, {}).setdefault(kind, {})
        rows[row_id] = value
        while len(rows) > MAX_ROWS:  # the oldest first: many enterprises never push a process version out
            rows.pop(next(iter(rows)))


def enterprise_code(s: Session, enterprise_id: int) -> str | None:
    """The enterprise's code (None for no such enterprise, not cached)."""
    code = _cached(s, "enterprise", enterprise_id)
    if code is None:
        code = s.scalar(select(Enterprise.code).where(Enterprise.id == enterprise_id))
        if code is not None:
            _keep(s, "enterprise", enterprise_id, code)
    return code


def definition(s: Session, definition_id: int) -> ProcessDefinition | None:
    """The version row, from the cache when this database's version was read before in this process."""
    cached = _cached(s, "definition", definition_id)
    if cached is not None:
        return s.merge(cached, load=False)
    row = s.get(ProcessDefinition, definition_id)
    if row is not None:
        detached = ProcessDefinition(id=row.id, key=row.key, version=row.version, name=row.name, checksum=row.checksum,
                                     meta=row.meta, deployed_by=row.deployed_by, deployed_at=row.deployed_at)
        make_transient_to_detached(detached)  # an identity, no session: merge(load=False) takes it as stored
        _keep(s, "definition", definition_id, detached)
    return row
