"""Statements and database round trips per engine step, counted from SQLAlchemy's events.

A *statement* is one `before_cursor_execute` (an `executemany` or a multi-row INSERT is one). The *round trips*
add what a step also sends the server without a cursor: the transaction's BEGIN (psycopg sends it before the first
statement, as a round trip of its own, unless the transaction is open already), the COMMIT or ROLLBACK, and the
pool's check on checkout (PostgreSQL: a pre-ping, or since run 9 the BEGIN itself, `db.begin_on_checkout`).
On SQLite the round trips are calls into the library in the same process; only the statements matter there.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from engine.runtime import db

from .paths import StepTimes
from .stats import median


@dataclass
class Counter:
    """Running totals since the counter was attached."""

    statements: int = 0
    trips: int = 0

    def snapshot(self) -> tuple[int, int]:
        return self.statements, self.trips


@contextmanager
def counting() -> Iterator[Counter]:
    """Count statements and round trips on the engine in force while the block runs."""
    engine = db.sql_engine()
    counter = Counter()
    pings = db.pings_on_checkout(engine)

    def on_statement(*_a: Any, **_k: Any) -> None:
        counter.statements += 1
        counter.trips += 1

    def on_trip(*_a: Any, **_k: Any) -> None:
        counter.trips += 1

    def on_begin(conn: Any) -> None:
        info = getattr(conn.connection.dbapi_connection, "info", None)  # psycopg; SQLite has none
        if info is None or info.transaction_status == 0:  # IDLE: psycopg sends a BEGIN of its own
            counter.trips += 1

    def on_end(conn: Any) -> None:
        info = getattr(conn.connection.dbapi_connection, "info", None)
        if info is None or info.transaction_status != 0:  # IDLE: committed already, with the step's writes
            counter.trips += 1

    hooks: list[tuple[Any, str, Callable[..., None]]] = [
        (engine, "before_cursor_execute", on_statement), (engine, "begin", on_begin),
        (engine, "commit", on_end), (engine, "rollback", on_end)]
    if pings:
        hooks.append((engine.pool, "checkout", on_trip))
    for target, name, fn in hooks:
        event.listen(target, name, fn)
    try:
        yield counter
    finally:
        for target, name, fn in hooks:
            event.remove(target, name, fn)


@dataclass
class StepCounts(StepTimes):
    """A StepTimes that also notes the statements and round trips each step took (by step name)."""

    counter: Counter = field(default_factory=Counter)
    statements: dict[str, list[int]] = field(default_factory=dict)
    trips: dict[str, list[int]] = field(default_factory=dict)
    _last: tuple[int, int] = (0, 0)

    def mark(self) -> None:
        """Start counting the next step from here."""
        self._last = self.counter.snapshot()

    def add(self, step: str, seconds: float) -> None:
        super().add(step, seconds)
        now = self.counter.snapshot()
        self.statements.setdefault(step, []).append(now[0] - self._last[0])
        self.trips.setdefault(step, []).append(now[1] - self._last[1])
        self._last = now

    def per_step(self, which: dict[str, list[int]]) -> float:
        """Mean over all steps of all cases."""
        values = [x for xs in which.values() for x in xs]
        return sum(values) / len(values) if values else float("nan")

    def step_medians(self, which: dict[str, list[int]]) -> str:
        return " / ".join(f"{median(xs):.0f}" for xs in which.values())


def count_cases(run_case: Callable[[StepTimes], Any], cases: int) -> StepCounts:
    """Run `cases` cases through `run_case(times)` with the counter attached."""
    with counting() as counter:
        counts = StepCounts(counter=counter)
        for _ in range(cases):
            counts.mark()
            run_case(counts)
    return counts
