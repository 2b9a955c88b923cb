"""Durations in SQL that PostgreSQL and SQLite both run, and percentiles computed as PostgreSQL computes them.

SQLite has no interval arithmetic, so a duration is `julianday` seconds there and `EXTRACT(EPOCH …)` on PostgreSQL.
SQLite has no `percentile_cont` either: the values are sorted in Python on both databases (`engine.runtime.task_pass
.percentiles`) and a percentile interpolated between the two values around its position (`percentile_cont`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

# A percentile as the fraction a/b (the double PostgreSQL was given as percentile_cont(a / b)).
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


def percentile_cont(ordered: Sequence[float], a: int, b: int) -> float:
    """PostgreSQL's `percentile_cont(a / b) WITHIN GROUP (ORDER BY …)` over `ordered` (ascending, not empty), in the
    same double arithmetic: the two values around position a / b × (n − 1), linearly interpolated."""
    fraction = a / b
    position = fraction * (len(ordered) - 1)
    first, second = math.floor(position), math.ceil(position)
    low = ordered[first]
    if second == first:
        return float(low)
    return low + (ordered[second] - low) * (position - first)
