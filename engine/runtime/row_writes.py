"""A new or changed ORM row, or a queued write, as one INSERT or UPDATE: its SQL text in the driver's placeholders
with its values bound as SQLAlchemy binds them (the text and bind processors cached per table and column list), and
what to do once it is written — the object is then as stored, as the ORM's flush would leave it. `step_writes`
queues these and sends them (on PostgreSQL as one statement, on SQLite one by one)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, insert, inspect, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.state import InstanceState


@dataclass
class Queued:
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
        params.extend(_bind(processors, bound))
        return text_


@functools.lru_cache(maxsize=512)
def _text(dialect: Any, table: Any, columns: tuple[str, ...], where: tuple[str, ...] | None) -> tuple[str, tuple[Any, ...]]:
    """The statement's text and the bind processor of each of its parameters (None: the value as it is)."""
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    processors = _processors(dialect, table, (*columns, *(where or ())))
    if where is None:
        return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in columns)}) "
                f"VALUES ({', '.join([mark] * len(columns))})"), processors
    return (f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(k)} = {mark}' for k in columns)} "
            f"WHERE {' AND '.join(f'{quote(k)} = {mark}' for k in where)}"), processors


@functools.lru_cache(maxsize=512)
def _processors(dialect: Any, table: Any, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """Each column's bind processor, as SQLAlchemy binds its values (None: the value as it is)."""
    return tuple(table.c[k].type._cached_bind_processor(dialect) for k in columns)


def _bind(processors: tuple[Any, ...], values: Any) -> list[Any]:
    return [v if p is None else p(v) for p, v in zip(processors, values)]


@dataclass
class Linked:
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
        columns = tuple(self.rows[0])
        processors = _processors(dialect, self.table, columns)
        rows = []
        for row in self.rows:
            params.extend(_bind(processors, (row[k] for k in columns)))
            rows.append(f"({', '.join(['%s'] * len(columns))})")
        parts = [(f"{name} AS (INSERT INTO {quote(self.table.name)} ({', '.join(quote(k) for k in columns)}) "
                  f"VALUES {', '.join(rows)} RETURNING {quote('id')}, {quote(self.key)})")]
        if self.children:
            cols = tuple(self.children[0][1])
            key_processor, = _processors(dialect, self.table, (self.key,))
            child_processors = _processors(dialect, self.child, cols)
            values = []
            for n, (key, row) in enumerate(self.children):
                params.extend(_bind((key_processor, *child_processors), (key, *(row[k] for k in cols))))
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


def write_of(obj: Any) -> Queued | None:
    state = inspect(obj)
    if state.deleted or len(state.mapper.tables) != 1:
        return None
    return _insert_of(obj) if state.pending else _update_of(obj)


def _insert_of(obj: Any) -> Queued | None:
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
    return Queued(state.mapper.local_table, values, done=done)


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
    params = _bind(processors, values.values())
    sql = text_ + f" RETURNING {conn.dialect.identifier_preparer.quote('id')}"
    obj.id = conn.exec_driver_sql(sql, tuple(params)).scalar_one()
    _as_stored(session, obj, unset)


def _update_of(obj: Any) -> Queued | None:
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
    return Queued(mapper.local_table, values, where, expect=1, done=done)
