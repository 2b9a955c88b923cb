"""Shared fixtures: the same engine tests run on SQLite and on PostgreSQL.

PostgreSQL tests are skipped when no server answers, unless SAFELOOP_REQUIRE_POSTGRES=1 (CI),
in which case a missing server fails the run.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

import engine
from engine.campaign import bootstrap
from engine.runtime import db, schema
from engine.runtime.models import Attachment, AuditEvent, Base

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("SAFELOOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = f"safeloop_test_{os.getpid()}"  # one schema per run: parallel runs never collide
ENT_A = "91220881MA00000000"
ENT_B = "91220881MA10000006"


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
        eng.dispose()
        return None
    except Exception as err:  # noqa: BLE001 - any failure means "no server"
        return str(err).splitlines()[0]


def _pg_url() -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{PG_SCHEMA}"


@pytest.fixture(scope="session")
def pg_ready() -> Iterator[str]:
    problem = _pg_available()
    if problem:
        if os.environ.get("SAFELOOP_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (SAFELOOP_REQUIRE_POSTGRES=1) but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    db.configure(engine.Settings.from_env(database_url=_pg_url(), data_dir="/tmp/safeloop-pg-test"))
    with db.sql_engine().begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    schema.upgrade()
    db.dispose()
    yield _pg_url()
    eng = create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    eng.dispose()


def _truncate_pg() -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    for attempt in range(3):  # TRUNCATE's exclusive locks can meet an ANALYZE/VACUUM in a deadlock: try again
        try:
            with db.sql_engine().begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as err:
            if "deadlock" not in str(err).lower() or attempt == 2:
                raise


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database with roles and industries loaded."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_ready")
        engine.configure(database_url=url, data_dir=tmp_path)
        _truncate_pg()
    else:
        url = f"sqlite:///{tmp_path / 'safeloop.db'}"
        engine.configure(database_url=url, data_dir=tmp_path)
        schema.upgrade()
    bootstrap.load_reference_data()
    yield request.param
    db.dispose()


@pytest.fixture
def clock(database: str) -> Iterator[engine.ManualClock]:
    """An injected clock at 2025-03-03 09:00 (China time), a Monday."""
    manual = engine.ManualClock(datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc))
    token = engine.set_clock(manual)
    yield manual
    engine.reset_clock(token)


@pytest.fixture
def people(clock: engine.ManualClock) -> dict[str, engine.Actor]:
    """Two enterprises (catering A, refined-oil B) and one user per kind."""
    engine.add_enterprise(ENT_A, "洮南市甲餐饮有限公司", "catering")
    engine.add_enterprise(ENT_B, "洮南市乙成品油经销有限公司", "refined_oil")
    specs = {
        "officer_a": dict(roles=["enterprise_safety_officer"], enterprise=ENT_A),
        "officer_a2": dict(roles=["enterprise_safety_officer"], enterprise=ENT_A),
        "officer_b": dict(roles=["enterprise_safety_officer"], enterprise=ENT_B),
        "inspector_catering": dict(roles=["bureau_inspector"], industries=["catering"]),
        "inspector_oil": dict(roles=["bureau_inspector"], industries=["refined_oil"]),
        "chief": dict(roles=["section_chief"]),
        "admin": dict(roles=["admin"]),
        "auditor": dict(roles=["auditor"]),
        "owner": dict(roles=["process_owner"]),
        "handler": dict(roles=["whistleblower_handler"]),
    }
    for name, spec in specs.items():  # argon2 is slow by design: only two users get a password
        engine.add_user(name, password="password-123" if name in ("admin", "officer_a") else None, **spec)  # type: ignore[arg-type]
    return {name: engine.get_actor(name) for name in specs}


def stored_files() -> dict[str, int]:
    """Attachment rows, audit rows and files under the data dir's attachments (temp files included)."""
    with db.unit_of_work(write=False) as s:
        rows = s.scalar(select(func.count()).select_from(Attachment)) or 0
        audit = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    folder = db.settings().data_dir / "attachments"
    files = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    return {"rows": rows, "audit": audit, "files": files}


def read_forms() -> dict[str, dict]:
    return bootstrap.read_forms(DATA / "forms")


@pytest.fixture
def review(people: dict[str, engine.Actor]) -> engine.ProcessVersion:
    """The small test diagram `review` deployed with its forms."""
    return engine.deploy((DATA / "review.bpmn").read_bytes(), actor="owner", forms_given=read_forms()).process
