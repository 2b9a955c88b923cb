"""The databases a benchmark runs on: an SQLite file (WAL) and a private PostgreSQL schema."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

import engine
from engine.campaign import bootstrap
from engine.runtime import db, schema

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PG_URL = os.environ.get("SAFELOOP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ENT_A = "91220881MA00000000"


@dataclass
class Target:
    """One database: its name in the table, URL, data dir, and how to remove it."""

    name: str
    url: str
    data_dir: Path
    pg_schema: str | None = None
    people: dict[str, engine.Actor] = field(default_factory=dict)

    def drop(self) -> None:
        """Remove the database (the PostgreSQL schema or the SQLite file's folder)."""
        db.dispose()
        if self.pg_schema:
            eng = create_engine(PG_URL)
            with eng.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {self.pg_schema} CASCADE"))
            eng.dispose()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def sqlite(label: str = "sqlite") -> Target:
    """A fresh SQLite file in WAL mode (the embedded default)."""
    folder = Path(tempfile.mkdtemp(prefix=f"safeloop-bench-{label}-"))
    return Target("SQLite", f"sqlite:///{folder / 'safeloop.db'}", folder)


def postgres(label: str = "pg") -> Target | None:
    """A fresh schema `bench_<pid>_<label>` on the PostgreSQL server, or None when none answers."""
    name = f"bench_{os.getpid()}_{label}"
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {name}"))
        eng.dispose()
    except Exception:  # noqa: BLE001 - no server: the PostgreSQL rows are left out
        return None
    sep = "&" if "?" in PG_URL else "?"
    folder = Path(tempfile.mkdtemp(prefix=f"safeloop-bench-{label}-"))
    return Target("PostgreSQL", f"{PG_URL}{sep}options=-csearch_path%3D{name}", folder, pg_schema=name)


def chosen(which: str, label: str) -> Target | None:
    """The database a command-line tool names ("sqlite" or "postgresql"), prepared; None (said on stdout) when there
    is no PostgreSQL server."""
    target = sqlite(label) if which == "sqlite" else postgres(label)
    if target is None:
        print("no PostgreSQL server")
        return None
    return prepare(target)


def prepare(target: Target) -> Target:
    """Migrate, load roles, add two enterprises and the test users, deploy the `review` diagram."""
    engine.configure(database_url=target.url, data_dir=target.data_dir)
    schema.upgrade()
    bootstrap.load_reference_data()
    engine.add_enterprise(ENT_A, "洮南市甲餐饮有限公司", "catering")
    users = {"officer_a": dict(roles=["enterprise_safety_officer"], enterprise=ENT_A),
             "inspector_catering": dict(roles=["bureau_inspector"], industries=["catering"]),
             "chief": dict(roles=["section_chief"])}
    for name, spec in users.items():
        engine.add_user(name, **spec)  # type: ignore[arg-type]
    engine.deploy((DATA / "review.bpmn").read_bytes(), actor="bench", forms_given=bootstrap.read_forms(DATA / "forms"))
    target.people = {name: engine.get_actor(name) for name in users}
    return target


def use(target: Target) -> None:
    """Point the engine at an already prepared target."""
    engine.configure(database_url=target.url, data_dir=target.data_dir)
