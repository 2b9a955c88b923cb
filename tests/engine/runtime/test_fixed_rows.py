"""Rows kept per process (engine.runtime.fixed_rows): each kind has its own bound, so many enterprises never push a
process version out, and a step does not read its case's own enterprise again. Both databases."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

import engine
from engine.runtime import db, definitions, fixed_rows
from engine.runtime.db import unit_of_work
from engine.runtime.models import Enterprise


@contextmanager
def selects() -> Iterator[list[str]]:
    """The SELECT statements sent while the block runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)
    event.listen(db.sql_engine(), "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.sql_engine(), "before_cursor_execute", note)


def test_enterprises_read_after_a_process_version_do_not_push_it_out(review, people, monkeypatch):
    monkeypatch.setattr(fixed_rows, "MAX_ROWS", 1)
    with unit_of_work(write=False) as s:
        version_id = definitions.latest(s, "review").id  # the version row is kept from here on
        ids = s.scalars(select(Enterprise.id)).all()
        assert len(ids) >= 2  # more enterprises than the bound
        assert all(fixed_rows.enterprise_code(s, i) for i in ids)
    with selects() as seen, unit_of_work(write=False) as s:
        assert definitions.latest(s, "review").id == version_id
    assert len(seen) == 1 and "process_definition.id" in seen[0]  # the newest id; the row itself came from the cache


def test_a_start_reads_its_enterprise_once(review, people):
    engine.start_instance(people["officer_a"], "review", {"case_title": "第一", "spawn": False})
    with selects() as seen:
        case = engine.start_instance(people["officer_a"], "review", {"case_title": "第二", "spawn": False})
    assert case.enterprise_code == people["officer_a"].enterprise_code
    assert len([q for q in seen if "FROM enterprise" in q]) == 1, seen  # the actor's; the projection does not re-read it
