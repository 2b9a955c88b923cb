"""Durations and percentiles in SQL that PostgreSQL and SQLite both run.

SQLite has no `percentile_cont` and no interval arithmetic, so a duration is `julianday` seconds there and `EXTRACT
(EPOCH …)` on PostgreSQL; a percentile is read from the two sorted values around its position and interpolated
as `percentile_cont` does (`interpolate`; the values are sorted in Python, `engine.runtime.task_pass.percentiles`).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

# A percentile as a fraction a/b, so that its position is integer arithmetic: (a × (n − 1)) div b.
PERCENTILES = {"p50": (1, 2), "p90": (9, 10)}


class seconds_between(FunctionElement[float]):  # noqa: N801 - an SQL function reads as one
    """seconds_between(start, end): end − start in seconds (a float; NULL when either is NULL)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _epoch_seconds(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    # EXTRACT gives a numeric since PostgreSQL 14: a double sorts (percentiles, slowest cases) several times faster
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _julian_seconds(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def interpolate(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], dict[str, float | int]]:
    """From rows (metric, group, 0-based position in ascending order, n, value) — the values at the positions the
    percentiles need — {(metric, group): {"n": n, "p50": …, "p90": …}} (seconds, as percentile_cont)."""
    points: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    sizes: dict[tuple[str, str], int] = {}
    for metric, grp, pos, n, v in rows:
        points[(metric, grp)][int(pos)] = float(v)
        sizes[(metric, grp)] = int(n)
    result: dict[tuple[str, str], dict[str, float | int]] = {}
    for key, at in points.items():
        n = sizes[key]
        found: dict[str, float | int] = {"n": n}
        for label, (a, b) in PERCENTILES.items():
            low, rest = divmod((n - 1) * a, b)
            high = at.get(low + 1, at[low])
            found[label] = at[low] + (high - at[low]) * rest / b
        result[key] = found
    return result
