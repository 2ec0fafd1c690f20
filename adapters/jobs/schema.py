"""The job tables: procrastinate's schema in storybot's own PostgreSQL database.

Workers apply the schema on start. procrastinate's ``schema.sql`` creates types and tables
without ``IF NOT EXISTS``, so it may run only once: every worker takes the same advisory
lock, checks for ``procrastinate_jobs`` and applies the schema only when it is missing.
Workers started together therefore queue on the lock and all but the first find the
tables there. Upgrading procrastinate to a version with a new schema is a deliberate step
(its migrations, see procrastinate's docs), not something a worker does on start.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from procrastinate.schema import SchemaManager

from bot.errors import ConfigError
from bot.toml_text import toml_value
from storage.engine import (
    PREPARE_OPTION,
    SETTING,
    describe,
    driver_options,
    parse_url,
    pg_connect_defaults,
)

log = logging.getLogger(__name__)

# Any constant will do: it only has to be the same for every storybot worker
# (and differ from storage.migrate's lock for storybot's own tables).
_SCHEMA_LOCK_ID = 0x5707B08


def conninfo(database_url: str, source: str = SETTING, *, user: str = "storybot worker") -> str:
    """The libpq connection string for a storybot database URL.

    ``source`` is where the URL came from (``Settings.database_source``), named in errors,
    and ``user`` what needs it (the worker, the job monitor).

    With ``connect_timeout`` and TCP keepalives set (``storage.engine.pg_connect_defaults``,
    each unless the URL has its own), as the store's connections have them: the job pool
    reconnecting to a server that accepts but never answers would otherwise wait libpq's
    130 s per attempt, and a call on a connection whose network silently died the
    kernel's 15 minutes.

    Raises:
        ConfigError: the URL is not a PostgreSQL URL (the job tables need PostgreSQL).
    """
    url = parse_url(database_url, source)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            f"{user} needs PostgreSQL: {source} ({toml_value(describe(url))}) is "
            f"{url.get_backend_name()}; use postgresql://USER@HOST/DB"
        )
    url = url.update_query_dict({k: str(v) for k, v in pg_connect_defaults(url.query).items()})
    url = url.difference_update_query([PREPARE_OPTION])  # psycopg's, not libpq's: pool_kwargs
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def pool_kwargs(database_url: str) -> dict[str, Any]:
    """The job queue's connection pool options the URL sets beyond libpq's (``kwargs`` of
    psycopg_pool): its ``?prepare_threshold=`` (see ``storage.engine.PREPARE_OPTION``).
    Checked already by :func:`conninfo`."""
    options = driver_options(parse_url(database_url))
    return {"kwargs": options} if options else {}


def ensure_schema(dsn: str) -> bool:
    """Apply procrastinate's schema unless it is there; safe when workers start at once.

    Returns:
        True if this call created the tables.
    """
    # One transaction holding a transaction-level lock: behind a pooler in transaction mode
    # (PgBouncer) a session-level lock and its unlock could run on two server connections,
    # leaving the lock held on the first for whichever client gets it next.
    with psycopg.connect(dsn) as conn, conn.transaction():  # the dsn has connect_timeout
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_ID,))
        row = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        if row and row[0]:
            return False
        # No parameters: psycopg sends the script as is (several statements, '%' kept).
        conn.execute(SchemaManager.get_schema())
    log.info("created the procrastinate job tables")
    return True
