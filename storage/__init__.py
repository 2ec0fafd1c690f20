"""storybot's persistence: SQLAlchemy models, Alembic migrations and ``SqlStore``.

>>> store = open_store("sqlite:///storybot.db")   # creates/migrates the schema
>>> store.list_stories()
[]

Nothing outside this package sees an ORM row: the store speaks ``bot.model`` dataclasses.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from bot.errors import ConfigError
from storage.engine import SETTING, describe, make_engine, parse_url
from storage.migrate import upgrade_to_head
from storage.sql import SqlStore

__all__ = ["SqlStore", "open_store"]


def open_store(url: str, *, upgrade: bool = True) -> SqlStore:
    """Open (and by default migrate) the database at ``url``.

    Args:
        url: any SQLAlchemy URL; ``postgresql://`` uses the psycopg 3 driver. SQLite
            files get WAL, foreign keys and a busy timeout; a missing file is created, a
            missing directory is refused (a mistyped path must not look like lost data).
        upgrade: run Alembic ``upgrade head`` first (safe to repeat: a no-op when current).

    Returns:
        The store. Call ``close()`` when done.

    Raises:
        ConfigError: the URL is malformed, names an unknown driver, a SQLite file's
            directory does not exist, or the database cannot be reached; the message
            names STORYBOT_DATABASE_URL.
    """
    parsed = parse_url(url)
    engine = make_engine(parsed)
    try:
        if upgrade:
            upgrade_to_head(engine)
        else:
            with engine.connect():
                pass
    except DBAPIError as exc:
        engine.dispose()
        raise ConfigError(
            f"cannot open the database {describe(parsed)} given by {SETTING}: "
            f"{str(exc.orig).strip() or exc}"
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine)
