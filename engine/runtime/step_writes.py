"""A step's writes in one statement (PostgreSQL). An engine step's writes do not depend on each other's results: the
new task and job rows, the changed case and task rows, job cancellations and the audit event with its chain head. The
ORM's flush sends each as a statement of its own (a round trip each on PostgreSQL). On PostgreSQL they are sent at
commit as one statement of data-modifying CTEs, with the COMMIT in the same round trip (`commit_pending`); the row
counts that matter are checked by the statement itself (a case's version: a stale write is refused as the ORM's flush
refuses it; an audit chain's head: it must still be where the new events link to). What cannot be written that way
(another kind of row, a column left to a default) is left to the ORM's flush before an ordinary COMMIT. On SQLite the
queued writes are plain statements before the flush."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, event, insert, inspect, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.state import InstanceState

try:  # psycopg 3 (the PostgreSQL driver)
    from psycopg import ClientCursor
except ImportError:  # pragma: no cover - SQLite-only installs
    ClientCursor = None

_QUEUE = "safeloop_queued_writes"
_STEP_ROWS = "safeloop_step_row_classes"


def has_pending(session: Session) -> bool:
    """Whether the session holds writes queued for the commit (or step rows left to it)."""
    return bool(session.info.get(_QUEUE) or session.info.get(_STEP_ROWS))


@dataclass
class _Queued:
    """One INSERT or UPDATE (equality conditions only) whose result nothing in the step reads."""

    table: Any
    values: dict[str, Any] | Callable[[], dict[str, Any]]  # column -> value (or a function giving them, at write time)
    where: dict[str, Any] | None = None  # None: an INSERT
    expect: int | None = None  # the rows an UPDATE must touch (None: any number)
    done: Callable[[], None] | None = None  # called once it is written

    def row(self) -> dict[str, Any]:
        return self.values() if callable(self.values) else self.values

    def core(self) -> Any:
        if self.where is None:
            return insert(self.table).values(self.row())
        return update(self.table).where(*[self.table.c[k] == v for k, v in self.where.items()]).values(self.row())

    def sql(self, dialect: Any, params: list[Any]) -> str:
        """The statement as text in the driver's placeholders (their values appended to `params`, as SQLAlchemy
        binds them)."""
        values = self.row()
        where = None if self.where is None else tuple(self.where)
        text_, processors = _text(dialect, self.table, tuple(values), where)
        bound = [*values.values(), *self.where.values()] if self.where is not None else values.values()
        params.extend(v if p is None else p(v) for p, v in zip(processors, bound))
        return text_


@functools.lru_cache(maxsize=512)
def _text(dialect: Any, table: Any, columns: tuple[str, ...], where: tuple[str, ...] | None) -> tuple[str, tuple[Any, ...]]:
    """The statement's text and the bind processor of each of its parameters (None: the value as it is)."""
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    processors = tuple(table.c[k].type._cached_bind_processor(dialect) for k in (*columns, *(where or ())))
    if where is None:
        return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in columns)}) "
                f"VALUES ({', '.join([mark] * len(columns))})"), processors
    return (f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(k)} = {mark}' for k in columns)} "
            f"WHERE {' AND '.join(f'{quote(k)} = {mark}' for k in where)}"), processors


def _bound(dialect: Any, column: Any, value: Any) -> Any:
    processor = column.type._cached_bind_processor(dialect)
    return processor(value) if processor is not None else value


def queue_insert(session: Session, table: Any, values: dict[str, Any]) -> None:
    """Insert a row with the step's other writes (before the session's next flush, at the latest at commit)."""
    session.info.setdefault(_QUEUE, []).append(_Queued(_table(table), values))


def queue_update(session: Session, table: Any, values: dict[str, Any] | Callable[[], dict[str, Any]],
                 where: dict[str, Any], *, expect: int | None = None, done: Callable[[], None] | None = None) -> None:
    """Update the rows equal to `where` with the step's other writes; `expect`: exactly that many (else nothing of
    the unit is written: StaleDataError, a conflict)."""
    session.info.setdefault(_QUEUE, []).append(_Queued(_table(table), values, dict(where), expect, done))


def _table(table: Any) -> Any:
    return getattr(table, "__table__", table)


@dataclass
class _Linked:
    """New rows of a table with generated ids and, for some of them, new rows of a child table that refer to them
    (`link` takes the id of the parent row whose `key` column equals the child's key): on PostgreSQL two parts of the
    step's statement, the children's ids taken from the parents' `RETURNING`. Parents get their ids in list order,
    children in parent then list order, as one INSERT each would give them."""

    table: Any
    rows: list[dict[str, Any]]  # the same columns in each
    key: str  # a column of `table` whose value is unique among `rows`
    child: Any
    link: str  # the child's column that takes the parent's id
    children: list[tuple[Any, dict[str, Any]]]  # (the parent's key value, the child row without `link`), same columns
    where = None
    expect = None
    done = None

    def ctes(self, name: str, dialect: Any, params: list[Any]) -> list[str]:
        quote = dialect.identifier_preparer.quote
        columns = list(self.rows[0])
        rows = []
        for row in self.rows:
            params.extend(_bound(dialect, self.table.c[k], row[k]) for k in columns)
            rows.append(f"({', '.join(['%s'] * len(columns))})")
        parts = [(f"{name} AS (INSERT INTO {quote(self.table.name)} ({', '.join(quote(k) for k in columns)}) "
                  f"VALUES {', '.join(rows)} RETURNING {quote('id')}, {quote(self.key)})")]
        if self.children:
            cols = list(self.children[0][1])
            values = []
            for n, (key, row) in enumerate(self.children):
                params.append(_bound(dialect, self.table.c[self.key], key))
                params.extend(_bound(dialect, self.child.c[k], row[k]) for k in cols)
                types = [self.table.c[self.key].type, *[self.child.c[k].type for k in cols]]
                cells = [f"CAST(%s AS {t.compile(dialect=dialect)})" for t in types] if n == 0 else ["%s"] * len(types)
                values.append(f"({n}, {', '.join(cells)})")
            names = ", ".join(f"c{j}" for j in range(len(cols)))
            parts.append(f"{name}c AS (INSERT INTO {quote(self.child.name)} ({quote(self.link)}, "
                         f"{', '.join(quote(k) for k in cols)}) SELECT p.{quote('id')}, {names} FROM {name} AS p "
                         f"JOIN (VALUES {', '.join(values)}) AS v(n, k, {names}) ON v.k = p.{quote(self.key)} "
                         f"ORDER BY p.{quote('id')}, v.n)")
        return parts

    def run(self, conn: Any) -> None:
        """Written as plain statements (before an ORM flush)."""
        ids = {}
        for row in self.rows:  # one at a time: each id known for its key
            ids[row[self.key]] = conn.execute(insert(self.table).values(row).returning(self.table.c.id)).scalar_one()
        if self.children:
            conn.execute(insert(self.child), [{self.link: ids[key], **row} for key, row in self.children])


def queue_insert_linked(session: Session, table: Any, rows: list[dict[str, Any]], key: str, child: Any, link: str,
                        children: list[tuple[Any, dict[str, Any]]]) -> None:
    """Insert `rows` (their ids generated) and `children`, each of them linked by `link` to the row whose `key`
    column holds the value paired with it, with the step's other writes (PostgreSQL: at commit, in its statement)."""
    if rows:
        session.info.setdefault(_QUEUE, []).append(_Linked(_table(table), rows, key, _table(child), link, children))


def drain(session: Session) -> None:
    """The queued writes, one statement each (before an ORM flush: a read that autoflushes sees them)."""
    for item in session.info.pop(_QUEUE, []):
        if isinstance(item, _Linked):
            item.run(session.connection())
            continue
        _check(item, session.connection().execute(item.core().execution_options(preserve_rowcount=True)).rowcount)


def _check(item: _Queued, count: int | None) -> None:
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
    run: list[tuple[_Queued, list[Any]]] = []

    def send_run() -> None:
        if run:
            conn.exec_driver_sql(run_sql, [tuple(params) for _item, params in run] if len(run) > 1 else tuple(run[0][1]))
            for item, _params in run:
                _check(item, None)
            run.clear()

    for item in items:
        if isinstance(item, _Linked):
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


def _collect(session: Session, objects: tuple[type, ...]) -> tuple[list[_Queued], set[int]]:
    """The queued writes and the writes of the new and changed objects of these classes (and which objects)."""
    items = session.info.pop(_QUEUE, [])
    rows: list[_Queued] = []
    converted: set[int] = set()
    changed_tables = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, objects) and (item := _write_of(obj)) is not None:
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
        if isinstance(item, _Linked):
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


def _write_of(obj: Any) -> _Queued | None:
    state = inspect(obj)
    if state.deleted or len(state.mapper.tables) != 1:
        return None
    return _insert_of(obj) if state.pending else _update_of(obj)


def _insert_of(obj: Any) -> _Queued | None:
    """An INSERT of a new object, or None when the ORM must write it (a column left to a default, a version)."""
    state = inspect(obj)
    if state.mapper.version_id_col is not None or (found := _insert_values(state)) is None:
        return None
    values, unset, generated_key = found
    session = state.session

    def done() -> None:
        session.expunge(obj)
        if generated_key:  # no key to know it by: it leaves the session as written (nothing in a step reads it again)
            return
        _as_stored(session, obj, unset)
    return _Queued(state.mapper.local_table, values, done=done)


def _insert_values(state: Any) -> tuple[dict[str, Any], list[str], bool] | None:
    """A new object's column values, the attributes it left unset (NULL) and whether its key is generated; None
    when a column is left to a default (the ORM must write it)."""
    values: dict[str, Any] = {}
    unset: list[str] = []
    generated_key = False
    for prop in state.mapper.column_attrs:
        col = prop.columns[0]
        value = state.dict.get(prop.key)
        if value is None:
            if col.primary_key and col.autoincrement in (True, "auto") and isinstance(col.type, Integer):
                generated_key = True
                continue
            if col.default is not None or col.server_default is not None:
                return None
            if prop.key in state.dict and col.type.should_evaluate_none:
                values[col.key] = None  # as the ORM: an explicit None of a JSON column is JSON null
            elif prop.key not in state.dict:
                unset.append(prop.key)
            continue
        values[col.key] = value
    return values, unset, generated_key


def _as_stored(session: Session, obj: Any, unset: list[str]) -> None:
    for key in unset:
        obj.__dict__.setdefault(key, None)
    make_transient_to_detached(obj)  # its key is known: in the session as a stored row
    session.add(obj)


def insert_now(session: Session, obj: Any) -> None:
    """Insert a new object (not yet in the session) now, its generated id read back with RETURNING, and add it to
    the session as a stored row: one statement, without the ORM's flush (a versioned row starts at its version as
    given). Falls back to the flush when a column is left to a default."""
    state = inspect(obj)
    found = _insert_values(state)
    version = state.mapper.version_id_col
    keys = [col.key for col in state.mapper.primary_key]
    if (found is None or not found[2] or keys != ["id"]
            or (version is not None and found[0].get(version.key) is None)):
        session.add(obj)
        session.flush()
        return
    values, unset, _generated = found
    table = state.mapper.local_table
    conn = session.connection()
    text_, processors = _text(conn.dialect, table, tuple(values), None)
    params = [v if p is None else p(v) for p, v in zip(processors, values.values())]
    sql = text_ + f" RETURNING {conn.dialect.identifier_preparer.quote('id')}"
    obj.id = conn.exec_driver_sql(sql, tuple(params)).scalar_one()
    _as_stored(session, obj, unset)


def _update_of(obj: Any) -> _Queued | None:
    """An UPDATE of a changed object's changed columns (with its version check and increment, if versioned)."""
    state = inspect(obj)
    mapper = state.mapper
    changed: dict[str, Any] = {}
    columns = mapper.column_attrs
    for key in list(state.committed_state):  # the attributes set since the row was read (maybe to the same value)
        if key not in columns:
            continue
        history = state.attrs[key].history
        if history.added or history.deleted:
            if columns[key].columns[0].primary_key:
                return None
            changed[key] = state.dict.get(key)
    if not changed:
        return None
    where = {col.key: state.identity[i] for i, col in enumerate(mapper.primary_key)}
    version_col = mapper.version_id_col
    if version_col is not None:  # as the ORM: WHERE the stored version, SET the next
        version_key = mapper.get_property_by_column(version_col).key
        history = state.attrs[version_key].history
        stored = history.deleted[0] if history.deleted else state.dict.get(version_key)
        where[version_col.key] = stored
        changed[version_key] = stored + 1
    values = {mapper.get_property(key).columns[0].key: value for key, value in changed.items()}

    def done() -> None:
        for key, value in changed.items():
            set_committed_value(obj, key, value)
        # every changed column was written: the object is as stored (as the ORM's flush leaves it), so the next
        # flush has nothing to look at (no relationships are mapped; `changed` covered every column attribute)
        InstanceState._commit_all_states([(state, state.dict)], state.session.identity_map)
    return _Queued(mapper.local_table, values, where, expect=1, done=done)
