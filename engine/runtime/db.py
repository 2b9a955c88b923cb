"""Database connection and the unit of work. Only the engine commits."""
from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Engine,
    Integer,
    Select,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .config import Settings

# DatabaseUnavailable and RETRY_AFTER_SECONDS live with the other errors; re-exported here for existing imports.
from .errors import RETRY_AFTER_SECONDS, Conflict, DatabaseUnavailable, EngineError  # noqa: F401

_state: dict[str, Any] = {}
# A scratch database for this context only (engine.runtime.scratch_db: path tests, what-if runs): the rest of the
# process keeps the configured one, so a request trying a draft never touches the live tables.
_scratch: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("safeloop_scratch_db", default=None)


def is_unavailable(err: BaseException) -> bool:
    """True for a refused, dropped or timed-out database connection (worth a retry), not for bad SQL or data."""
    if isinstance(err, DatabaseUnavailable):
        return True
    if isinstance(err, DBAPIError) and err.connection_invalidated or isinstance(err, InterfaceError):
        return True
    if not isinstance(err, OperationalError):
        return False
    if type(err.orig).__module__.startswith("sqlite3"):  # SQLite also says "no such table" this way: a bug, not an outage
        return any(word in str(err.orig).lower() for word in _SQLITE_TRANSIENT)
    return True


_SQLITE_TRANSIENT = ("locked", "busy", "unable to open", "disk i/o")


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two writers queue instead of one failing
        # with SQLITE_BUSY after reading a stale snapshot.
        immediate = conn.get_execution_options().get("safeloop_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: str) -> Engine:
    engine = create_engine(url, pool_size=10, max_overflow=20)

    @event.listens_for(engine.pool, "checkout")
    def _begin_as_ping(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        # The pool's pre-ping, folded into the transaction's BEGIN: one round trip where pre-ping (SELECT 1) and
        # psycopg's own BEGIN before the first statement took two. A dead connection (server restarted, backend
        # terminated) fails here, before anything of the unit ran, and the pool retries on a fresh one, as with
        # pre-ping. psycopg sees the transaction open and sends no BEGIN of its own; the commit, or the pool's
        # rollback on return, ends it. Connections in autocommit or with their own transaction options keep the
        # ordinary ping.
        begin_on_checkout(engine, dbapi_conn)

    return engine


def begin_on_checkout(engine: Engine, dbapi_conn: Any) -> None:
    """Open the transaction of a connection just checked out (PostgreSQL/psycopg), as its liveness check."""
    plain = (not getattr(dbapi_conn, "autocommit", True) and dbapi_conn.isolation_level is None
             and dbapi_conn.read_only is None and dbapi_conn.deferrable is None)
    try:
        if not plain:
            engine.dialect.do_ping(dbapi_conn)
            return
        pgconn = dbapi_conn.pgconn
        if pgconn.transaction_status != _PQ_IDLE:  # already in one (not expected): roll it back first
            dbapi_conn.rollback()
        result = pgconn.exec_(b"BEGIN")
        if result.status != _PQ_COMMAND_OK:
            raise ConnectionError(pgconn.get_error_message().decode(errors="replace"))
    except Exception as err:
        raise DisconnectionError(f"connection failed its check on checkout: {err}") from err


try:  # psycopg 3 (the PostgreSQL driver)
    from psycopg import ClientCursor
    from psycopg import pq as _pq
    _PQ_IDLE, _PQ_COMMAND_OK = _pq.TransactionStatus.IDLE, _pq.ExecStatus.COMMAND_OK
except ImportError:  # pragma: no cover - SQLite-only installs
    _PQ_IDLE = _PQ_COMMAND_OK = ClientCursor = None


def pings_on_checkout(engine: Engine) -> bool:
    """True when every checkout of this engine's pool costs one round trip (its BEGIN or a pre-ping)."""
    return engine.dialect.name == "postgresql" or bool(getattr(engine.pool, "_pre_ping", False))


def make_engine(url: str) -> Engine:
    """An SQLAlchemy engine for SQLite (WAL, immediate write transactions) or PostgreSQL."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return _postgres_engine(url)


def configure(settings: Settings) -> None:
    """Point the engine at a database (idempotent per URL)."""
    old = _state.get("engine")
    if old is not None and _state["settings"].database_url == settings.database_url:
        _state["settings"] = settings
        return
    if old is not None:
        old.dispose()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    _state.update(settings=settings, engine=engine,
                  read=sessionmaker(engine, expire_on_commit=False),
                  write=sessionmaker(engine.execution_options(safeloop_write=True), expire_on_commit=False))


def dispose() -> None:
    """Close all connections and forget the configuration."""
    engine = _state.pop("engine", None)
    if engine is not None:
        engine.dispose()
    _state.clear()


def _active() -> dict[str, Any]:
    return _scratch.get() or _state


def settings() -> Settings:
    """The settings in force (configuring from the environment on first use)."""
    if "settings" not in _state:
        configure(Settings.from_env())
    return _active()["settings"]


def sql_engine() -> Engine:
    """The SQLAlchemy engine in force."""
    settings()
    return _active()["engine"]


@contextmanager
def switched_to(settings_: Settings, engine: Engine) -> Iterator[None]:
    """Use another database inside this context (thread or task) only; other contexts keep theirs."""
    token = _scratch.set({"settings": settings_, "engine": engine,
                          "read": sessionmaker(engine, expire_on_commit=False),
                          "write": sessionmaker(engine.execution_options(safeloop_write=True), expire_on_commit=False)})
    try:
        yield
    finally:
        _scratch.reset(token)


def is_postgres() -> bool:
    """True when the database is PostgreSQL (row locks, SKIP LOCKED)."""
    return sql_engine().dialect.name == "postgresql"


@contextmanager
def unit_of_work(write: bool = True) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    settings()
    session: Session = _active()["write" if write else "read"]()
    try:
        yield session
        if write:
            if session.info.get(_QUEUE) or session.info.get(_STEP_ROWS):
                if session.get_bind().dialect.name == "postgresql":
                    _commit_pending(session)  # and its COMMIT, when nothing else is left to flush
                else:
                    _drain(session)
            session.commit()
        # a read-only unit just closes: objects stay readable, detached
    except EngineError:
        session.rollback()
        raise
    except StaleDataError as err:  # a versioned row (a case) was changed meanwhile: refused as a conflict
        _roll_back(session)
        raise Conflict("事项已被他人修改，请刷新后重试", "The case was changed meanwhile; reload and try again") from err
    except BaseException as err:
        _roll_back(session)
        if is_unavailable(err):
            raise DatabaseUnavailable(err) from err
        raise
    finally:
        session.close()


def _roll_back(session: Session) -> None:
    # On a dropped connection the rollback itself may fail; the server has rolled back already.
    try:
        session.rollback()
    except DBAPIError:
        pass


def paged(s: Session, stmt: Select[Any], limit: int, offset: int) -> tuple[int, list[Any]]:
    """How many rows `stmt` answers and one page of them (at most 500)."""
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return total, list(s.scalars(stmt.limit(max(1, min(limit, 500))).offset(max(0, offset))))


# ---------------------------------------------------------------------------------------------------------------
# A step's writes in one statement (PostgreSQL)
#
# An engine step's writes do not depend on each other's results: the new task and job rows, the changed case and
# task rows, job cancellations and the audit event with its chain head. The ORM's flush sends each as a statement of
# its own (a round trip each on PostgreSQL). On PostgreSQL they are sent at commit as one statement of data-modifying
# CTEs, with the COMMIT in the same round trip (`_commit_pending`); the row counts that matter are checked by the
# statement itself (a case's version: a stale write is refused as the ORM's flush refuses it; an audit chain's head:
# it must still be where the new events link to). What cannot be written that way (another kind of row, a column
# left to a default) is left to the ORM's flush before an ordinary COMMIT. On SQLite the queued writes are plain
# statements before the flush.

_QUEUE = "safeloop_queued_writes"
_STEP_ROWS = "safeloop_step_row_classes"


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
        """The statement as text with %s placeholders (their values appended to `params`, as SQLAlchemy binds them)."""
        quote = dialect.identifier_preparer.quote
        values = self.row()
        if self.where is None:
            params.extend(_bound(dialect, self.table.c[k], v) for k, v in values.items())
            return (f"INSERT INTO {quote(self.table.name)} ({', '.join(quote(k) for k in values)}) "
                    f"VALUES ({', '.join(['%s'] * len(values))})")
        params.extend(_bound(dialect, self.table.c[k], v) for k, v in values.items())
        params.extend(_bound(dialect, self.table.c[k], v) for k, v in self.where.items())
        return (f"UPDATE {quote(self.table.name)} SET {', '.join(f'{quote(k)} = %s' for k in values)} "
                f"WHERE {' AND '.join(f'{quote(k)} = %s' for k in self.where)}")


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


def _drain(session: Session) -> None:
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
        _drain(session)


def write_pending(session: Session, objects: tuple[type, ...] = ()) -> None:
    """Write the queued writes and the session's new and changed objects of the classes in `objects`: on PostgreSQL
    left to the commit, which sends them in one statement together with the COMMIT (`_commit_pending`); on SQLite
    each queued write, then the flush, at once."""
    if session.get_bind().dialect.name != "postgresql":
        _drain(session)
        session.flush()
        return
    session.info.setdefault(_STEP_ROWS, set()).update(objects)


def write_now(session: Session, objects: tuple[type, ...] = ()) -> None:
    """PostgreSQL: what `write_pending` left for the commit (and the new and changed objects of `objects`), written
    now in one statement without the COMMIT — before work that flushes through the ORM (starting a linked case,
    storing notifications), which would otherwise write them one statement each."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if objects:
        session.info.setdefault(_STEP_ROWS, set()).update(objects)
    if session.info.get(_QUEUE) or session.info.get(_STEP_ROWS):
        _commit_pending(session, commit=False)


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
        _drain(session)
    return [item for item in items if item not in first] + rows, converted


def _commit_pending(session: Session, commit: bool = True) -> None:
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
    params: list[Any] = []
    parts, checks, checked = [], [], []
    for i, item in enumerate(items):
        if isinstance(item, _Linked):
            parts.extend(item.ctes(f"w{i}", dialect, params))
            continue
        sql = item.sql(dialect, params)
        if item.expect is not None and item.where is not None:
            sql += " RETURNING 1"
            count = f"(SELECT count(*) FROM w{i})"
            # a CASE on the count: the error is raised only when it is wrong (nothing for the planner to fold)
            checks.append(f"CASE WHEN {count} = {int(item.expect)} THEN {count} "
                          f"ELSE CAST('safeloop stale write {i}: ' || {count} AS integer) END")
            checked.append(item)
        parts.append(f"w{i} AS ({sql})")
    text_ = f"WITH {', '.join(parts)} SELECT {', '.join(checks) or '0'}"
    merged = ClientCursor(conn.connection.driver_connection).mogrify(text_, params)
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
    mapper = state.mapper
    if mapper.version_id_col is not None:
        return None
    values: dict[str, Any] = {}
    unset: list[str] = []
    generated_key = False
    for prop in mapper.column_attrs:
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
    session = state.session

    def done() -> None:
        session.expunge(obj)
        if generated_key:  # no key to know it by: it leaves the session as written (nothing in a step reads it again)
            return
        for key in unset:
            obj.__dict__.setdefault(key, None)
        make_transient_to_detached(obj)  # its key is known: back in the session as a stored row
        session.add(obj)
    return _Queued(mapper.local_table, values, done=done)


def _update_of(obj: Any) -> _Queued | None:
    """An UPDATE of a changed object's changed columns (with its version check and increment, if versioned)."""
    state = inspect(obj)
    mapper = state.mapper
    changed: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        history = state.attrs[prop.key].history
        if history.added or history.deleted:
            if prop.columns[0].primary_key:
                return None
            changed[prop.key] = state.dict.get(prop.key)
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
    return _Queued(mapper.local_table, values, where, expect=1, done=done)
