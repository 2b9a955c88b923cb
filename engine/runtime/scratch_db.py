"""A scratch database: a throw-away SQLite file holding a copy of what a case needs to run (roles, industries,
enterprises and their staff, forms, the newest version of every process), used by path tests and what-if runs.

Inside `scratch()` every engine function of this thread works on the copy (engine.runtime.db.switched_to), so a draft is
tried through exactly the code real cases take — start, complete, timers, projections, audit — while nothing is
written to the live tables. The file is deleted on leaving.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select

from . import db, forms, roles
from .errors import BadRequest
from .models import Base, EnterprisePerson, FormDefinition, ProcessDefinition

MAX_COPIED_ROWS = 20_000  # per table: beyond this a scratch copy would take longer than the run it serves
_PLAIN_TABLES = ("industry", "role", "enterprise")


def _rows(s: Any, table: Table, where: Any = None) -> list[dict[str, Any]]:
    stmt = select(table) if where is None else select(table).where(where)
    rows = [dict(r) for r in s.execute(stmt.limit(MAX_COPIED_ROWS + 1)).mappings()]
    if len(rows) > MAX_COPIED_ROWS:
        raise BadRequest(f"{table.name} 数据超过 {MAX_COPIED_ROWS} 行，无法建立试运行副本",
                         f"{table.name} has more than {MAX_COPIED_ROWS} rows: too many for a trial copy")
    return rows


def _newest(s: Any, model: Any) -> Any:
    newest = select(model.key, func.max(model.version).label("v")).group_by(model.key).subquery()
    return model.id.in_(select(model.id).join(newest, (model.key == newest.c.key) & (model.version == newest.c.v)))


def reference_rows() -> dict[str, list[dict[str, Any]]]:
    """What a case needs besides its own rows, read from the live database in one transaction."""
    tables = Base.metadata.tables
    with db.unit_of_work(write=False) as s:
        out = {name: _rows(s, tables[name]) for name in _PLAIN_TABLES}
        out["enterprise_person"] = _rows(s, tables["enterprise_person"], EnterprisePerson.active.is_(True))
        out["form_definition"] = _rows(s, tables["form_definition"], _newest(s, FormDefinition))
        out["process_definition"] = _rows(s, tables["process_definition"], _newest(s, ProcessDefinition))
        return out


@contextmanager
def scratch(rows: dict[str, list[dict[str, Any]]] | None = None) -> Iterator[None]:
    """Run the body against a fresh scratch database holding `rows` (default: `reference_rows()` of the live one)."""
    copied = reference_rows() if rows is None else rows
    folder = Path(tempfile.mkdtemp(prefix="safeloop-scratch-"))
    url = f"sqlite:///{folder / 'scratch.db'}"
    engine = db.make_engine(url)
    try:
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            for name in (*_PLAIN_TABLES, "enterprise_person", "form_definition", "process_definition"):
                if copied.get(name):
                    conn.execute(insert(Base.metadata.tables[name]), copied[name])
        with db.switched_to(dataclasses.replace(db.settings(), database_url=url), engine):
            yield
    finally:
        engine.dispose()
        roles.forget_url(url)
        forms.forget_url(url)
        shutil.rmtree(folder, ignore_errors=True)
