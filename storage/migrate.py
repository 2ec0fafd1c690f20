"""Run the Alembic migrations in ``storage/migrations`` programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from storage.engine import BEGIN_OPTION

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Any constant will do: it only has to be the same for every storybot process.
_PG_LOCK_ID = 0x5707B07


def alembic_config() -> Config:
    """An Alembic config for our migrations that does not touch logging."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision, in one transaction.

    Two processes starting at once would race to create the tables, so the upgrade
    holds a lock: ``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL.
    """
    config = alembic_config()
    with engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
