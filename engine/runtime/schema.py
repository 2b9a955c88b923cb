"""Schema management through Alembic (also used by `safeloop init` to upgrade in place)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from . import db

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at engine/migrations and the configured database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.settings().database_url.replace("%", "%%"))
    return cfg


def upgrade() -> None:
    """Bring the database to the newest schema without losing data."""
    engine = db.sql_engine()
    with engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def revision(message: str) -> None:
    """Autogenerate a migration from the models (developer use)."""
    command.revision(alembic_config(), message=message, autogenerate=True)
