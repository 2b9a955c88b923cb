"""Database connection and the unit of work. Only the engine commits."""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Engine,
    Select,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from . import step_writes
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
    from psycopg import pq as _pq
    _PQ_IDLE, _PQ_COMMAND_OK = _pq.TransactionStatus.IDLE, _pq.ExecStatus.COMMAND_OK
except ImportError:  # pragma: no cover - SQLite-only installs
    _PQ_IDLE = _PQ_COMMAND_OK = None


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
            if step_writes.has_pending(session):
                if session.get_bind().dialect.name == "postgresql":
                    step_writes.commit_pending(session)  # and its COMMIT, when nothing else is left to flush
                else:
                    step_writes.drain(session)
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
