"""Durations and percentiles in SQL that PostgreSQL and SQLite both run.

SQLite has no `percentile_cont` and no interval arithmetic, so a duration is `julianday` seconds there and `EXTRACT
(EPOCH …)` on PostgreSQL; a percentile is read from the two ranked rows around its position (`row_number` and
`count` windows, which both databases have) and interpolated as `percentile_cont` does.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import Subquery

# A percentile as a fraction a/b, so that its position is integer arithmetic in SQL: (a × (n − 1)) div b.
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


def percentile_points(source: Subquery, group: str, value: str, metric: str) -> Select[Any]:
    """The rows of `source` (per `group`) that the percentiles need: (metric, group, position, n, value).

    Position is 0-based in ascending order of `value`; rows whose value is NULL are left out."""
    column = source.c[value]
    ranked = (select(source.c[group].label("grp"), column.label("v"),
                     (func.row_number().over(partition_by=source.c[group], order_by=column) - 1).label("pos"),
                     func.count().over(partition_by=source.c[group]).label("n"))
              .where(column.is_not(None)).subquery())
    wanted: list[ColumnElement[bool]] = []
    for a, b in PERCENTILES.values():
        low = (ranked.c.n - 1) * a // b
        wanted.append(or_(ranked.c.pos == low, ranked.c.pos == low + 1))
    return select(literal(metric).label("metric"), ranked.c.grp, ranked.c.pos, ranked.c.n, ranked.c.v).where(
        and_(or_(*wanted)))


def interpolate(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], dict[str, float | int]]:
    """From percentile_points rows: {(metric, group): {"n": n, "p50": …, "p90": …}} (seconds, as percentile_cont)."""
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
