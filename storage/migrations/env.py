"""Alembic environment for storybot.

Two ways in:

* programmatically, from :func:`storage.open_store`, which hands over an open connection
  in ``config.attributes["connection"]`` (and leaves the application's logging alone);
  it must come from :func:`storage.migrate.migration_connection` (on SQLite, foreign
  keys must not be enforced while a migration rebuilds a table);
* from the ``alembic`` CLI with ``-c storage/migrations/alembic.ini``; the URL is taken
  from ``-x url=...``, then ``STORYBOT_DATABASE_URL``, then the ini file.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import make_engine, parse_url
from storage.migrate import sqlite_foreign_keys_off
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return (
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("STORYBOT_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
        or ""
    )


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, **kwargs)  # type: ignore[arg-type]


def run_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``)."""
    url = parse_url(_url())
    _configure(
        url=url.render_as_string(hide_password=False),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_with(connection: Connection) -> None:
    # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = make_engine(_url())
    try:
        # on SQLite without foreign-key enforcement, as storage.migrate runs migrations
        with engine.connect() as conn, sqlite_foreign_keys_off(conn):
            _run_with(conn)
            conn.commit()
    finally:
        engine.dispose()


if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
