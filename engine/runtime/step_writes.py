"""A step's writes in one statement (PostgreSQL). An engine step's writes do not depend on each other's results: the
new task and job rows, the changed case and task rows, job cancellations and the audit event with its chain head. The
ORM's flush sends each as a statement of its own (a round trip each on PostgreSQL). On PostgreSQL they are sent at
commit as one statement of data-modifying CTEs, with the COMMIT in the same round trip (`commit_pending`); the row
counts that matter are checked by the statement itself (a case's version: a stale write is refused as the ORM's flush
refuses it; an audit chain's head: it must still be where the new events link to). What cannot be written that way
(another kind of row, a column left to a default) is left to the ORM's flush before an ordinary COMMIT. On SQLite the
same writes go out at once as plain statements, without the ORM's flush (`write_each`). Each row as SQL, and what
happens to its object once written: `row_writes`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .row_writes import Linked, Queued, write_of

try:  # psycopg 3 (the PostgreSQL driver)
    from psycopg import ClientCursor
except ImportError:  # pragma: no cover - SQLite-only installs
    ClientCursor = None

_QUEUE = "safeloop_queued_writes"
_STEP_ROWS = "safeloop_step_row_classes"


def has_pending(session: Session) -> bool:
    """Whether the session holds writes queued for the commit (or step rows left to it)."""
    return bool(session.info.get(_QUEUE) or session.info.get(_STEP_ROWS))


def queue_insert(session: Session, table: Any, values: dict[str, Any] | Callable[[], dict[str, Any]], *,
                 done: Callable[[], None] | None = None) -> None:
    """Insert a row with the step's other writes (before the session's next flush, at the latest at commit)."""
    session.info.setdefault(_QUEUE, []).append(Queued(_table(table), values, done=done))


def queue_update(session: Session, table: Any, values: dict[str, Any] | Callable[[], dict[str, Any]],
                 where: dict[str, Any], *, expect: int | None = None, done: Callable[[], None] | None = None) -> None:
    """Update the rows equal to `where` with the step's other writes; `expect`: exactly that many (else nothing of
    the unit is written: StaleDataError, a conflict)."""
    session.info.setdefault(_QUEUE, []).append(Queued(_table(table), values, dict(where), expect, done))


def _table(table: Any) -> Any:
    return getattr(table, "__table__", table)


def queue_insert_linked(session: Session, table: Any, rows: list[dict[str, Any]], key: str, child: Any, link: str,
                        children: list[tuple[Any, dict[str, Any]]]) -> None:
    """Insert `rows` (their ids generated) and `children`, each of them linked by `link` to the row whose `key`
    column holds the value paired with it, with the step's other writes (PostgreSQL: at commit, in its statement)."""
    if rows:
        session.info.setdefault(_QUEUE, []).append(Linked(_table(table), rows, key, _table(child), link, children))


def drain(session: Session) -> None:
    """The queued writes, one statement each (before an ORM flush: a read that autoflushes sees them)."""
    for item in session.info.pop(_QUEUE, []):
        if isinstance(item, Linked):
            item.run(session.connection())
            continue
        _check(item, session.connection().execute(item.core().execution_options(preserve_rowcount=True)).rowcount)


def _check(item: Queued, count: int | None) -> None:
    if item.expect is not None and count != item.expect:
        raise StaleDataError(f"{item.table.name}: expected {item.expect} row(s), wrote {count}")
    if item.done is not None:
        item.done()


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get(_QUEUE):
        drain(session)


def write_pending(session: Session, objects: tuple[type, ...] = ()) -> None:
    """Write the queued writes and the session's new and changed objects of the classes in `objects`: on PostgreSQL
    left to the commit, which sends them in one statement together with the COMMIT (`commit_pending`); on SQLite
    at once, as plain statements (`write_each`)."""
    if session.get_bind().dialect.name != "postgresql":
        write_each(session, objects)
        return
    session.info.setdefault(_STEP_ROWS, set()).update(objects)


def write_each(session: Session, objects: tuple[type, ...] = ()) -> None:
    """SQLite: the queued writes and the new and changed objects of these classes as plain statements, in order,
    one INSERT with many rows of parameters for a run of rows of the same table and columns (no ORM flush: its
    bookkeeping costs more than the statements); then the ORM's flush for whatever else changed. A checked UPDATE
    that touches another number of rows raises StaleDataError (the unit rolls back)."""
    items, _converted = _collect(session, objects)
    conn = session.connection()
    dialect = conn.dialect
    run_sql: str | None = None
    run: list[tuple[Queued, list[Any]]] = []

    def send_run() -> None:
        if run:
            conn.exec_driver_sql(run_sql, [tuple(params) for _item, params in run] if len(run) > 1 else tuple(run[0][1]))
            for item, _params in run:
                _check(item, None)
            run.clear()

    for item in items:
        if isinstance(item, Linked):
            send_run()
            item.run(conn)
            continue
        params: list[Any] = []
        sql = item.sql(dialect, params)
        if item.where is None:
            if sql != run_sql:
                send_run()
                run_sql = sql
            run.append((item, params))
            continue
        send_run()
        _check(item, conn.exec_driver_sql(sql, tuple(params)).rowcount)
    send_run()
    session.flush()


def write_now(session: Session, objects: tuple[type, ...] = ()) -> None:
    """PostgreSQL: what `write_pending` left for the commit (and the new and changed objects of `objects`), written
    now in one statement without the COMMIT — before work that flushes through the ORM (starting a linked case,
    storing notifications), which would otherwise write them one statement each."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if objects:
        session.info.setdefault(_STEP_ROWS, set()).update(objects)
    if session.info.get(_QUEUE) or session.info.get(_STEP_ROWS):
        commit_pending(session, commit=False)


def _collect(session: Session, objects: tuple[type, ...]) -> tuple[list[Queued], set[int]]:
    """The queued writes and the writes of the new and changed objects of these classes (and which objects)."""
    items = session.info.pop(_QUEUE, [])
    rows: list[Queued] = []
    converted: set[int] = set()
    changed_tables = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, objects) and (item := write_of(obj)) is not None:
            rows.append(item)
            converted.add(id(obj))
            if item.where is not None:
                changed_tables.add(item.table)
    # One statement's parts see the same snapshot and must not change the same row twice: a queued write to a table
    # whose changed objects are written here goes first, on its own.
    first = [item for item in items if item.where is not None and item.table in changed_tables]
    if first:
        session.info[_QUEUE] = first
        drain(session)
    return [item for item in items if item not in first] + rows, converted


def commit_pending(session: Session, commit: bool = True) -> None:
    """PostgreSQL: the step's writes as one statement (data-modifying CTEs), with the COMMIT in the same round trip
    (the simple query protocol takes both at once). A checked UPDATE that touches another number of rows fails the
    statement itself, so the COMMIT after it never runs and nothing is written. Whatever is left for the ORM to flush
    (other rows) goes first, then an ordinary COMMIT."""
    objects = tuple(session.info.pop(_STEP_ROWS, ()))
    items, converted = _collect(session, objects)
    if not items:
        return
    leftovers = (bool(session.deleted) or any(id(o) not in converted for o in session.new)
                 or any(id(o) not in converted and session.is_modified(o) for o in session.dirty))
    conn = session.connection()
    dialect = conn.dialect
    # each part merged with its values on its own: a part's text repeats from step to step, so psycopg parses it
    # once (its cache takes statements of up to 4,096 bytes and 50 values; the whole statement is longer)
    merge = ClientCursor(conn.connection.driver_connection).mogrify
    parts, checks, checked = [], [], []
    for i, item in enumerate(items):
        params: list[Any] = []
        if isinstance(item, Linked):
            parts.append(merge(", ".join(item.ctes(f"w{i}", dialect, params)), params))
            continue
        sql = item.sql(dialect, params)
        if item.expect is not None and item.where is not None:
            sql += " RETURNING 1"
            count = f"(SELECT count(*) FROM w{i})"
            # a CASE on the count: the error is raised only when it is wrong (nothing for the planner to fold)
            checks.append(f"CASE WHEN {count} = {int(item.expect)} THEN {count} "
                          f"ELSE CAST('safeloop stale write {i}: ' || {count} AS integer) END")
            checked.append(item)
        parts.append(f"w{i} AS ({merge(sql, params)})")
    merged = f"WITH {', '.join(parts)} SELECT {', '.join(checks) or '0'}"
    if commit and not leftovers:
        merged += "; COMMIT"
    try:
        counts = conn.exec_driver_sql(merged.replace("%", "%%")).one()
    except DBAPIError as err:
        if "safeloop stale write" in str(err.orig):
            raise StaleDataError(str(err.orig).splitlines()[0]) from err
        raise
    for item, count in zip(checked, counts):
        _check(item, count)
    for item in items:
        if item not in checked and item.done is not None:
            item.done()
    if leftovers:
        session.flush()
