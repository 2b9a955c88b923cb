"""Alembic migrations build exactly the schema the models describe, and upgrading keeps data."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import engine
from engine.runtime import db, schema
from engine.runtime.models import Base


def test_migrations_match_the_models(tmp_path):
    engine.configure(database_url=f"sqlite:///{tmp_path / 'm.db'}", data_dir=tmp_path)
    schema.upgrade()
    with db.sql_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == []


def test_upgrade_is_idempotent_and_keeps_data(tmp_path):
    engine.configure(database_url=f"sqlite:///{tmp_path / 'k.db'}", data_dir=tmp_path)
    engine.init()
    engine.add_enterprise("91220881MA00000000", "保留的企业", "catering")
    engine.init()
    assert [e.name for e in engine.list_enterprises().items] == ["保留的企业"]
    db.dispose()
