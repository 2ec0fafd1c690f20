"""Database fixtures and builders for the store tests.

Import the fixtures into a test module (``from store_fixtures import db_url, store, ...``)
and every test using ``store`` runs twice: against a temporary SQLite file and against
the real PostgreSQL server, in a schema of its own that is dropped afterwards (inside a
database created for this test session and dropped at its end).

PostgreSQL is never skipped silently: if it cannot be reached the PostgreSQL tests fail
with a message saying how to start it, unless ``STORYBOT_SKIP_POSTGRES=1`` is set.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from bot.clock import ManualClock
from bot.model import Link, MessageKind, NewItem, OutboundMessage, SeedDoc, Target
from bot.ports import OutboxWrite
from storage import SqlStore, open_store
from storage.engine import describe, parse_url
from storage.models import Base

PG_URL_ENV = "STORYBOT_TEST_POSTGRES_URL"
PG_SKIP_ENV = "STORYBOT_SKIP_POSTGRES"
PG_DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_START_HINT = "pg_ctlcluster --skip-systemctl-redirect 15 main start"

T0 = datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_admin_url() -> URL:
    return parse_url(os.environ.get(PG_URL_ENV) or PG_DEFAULT_URL)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[URL]:
    """A fresh PostgreSQL database for this test session; dropped at the end."""
    if os.environ.get(PG_SKIP_ENV) == "1":
        pytest.skip(f"{PG_SKIP_ENV}=1: PostgreSQL tests skipped")
    admin_url = _pg_admin_url()
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        conn = admin.connect()
    except OperationalError as exc:
        error = str(exc.orig).strip()
    else:
        error = ""
    if error:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL not reachable at {describe(admin_url)}; start it with: "
            f"{PG_START_HINT} (or set {PG_URL_ENV}, or {PG_SKIP_ENV}=1 to skip). "
            f"Error: {error}",
            pytrace=False,
        )
    name = f"storybot_test_{secrets.token_hex(6)}"
    conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name)
    finally:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.close()
        admin.dispose()


@pytest.fixture
def pg_url(pg_database: URL) -> Iterator[str]:
    """A URL whose connections live in an empty schema of their own (via search_path)."""
    schema = f"t_{secrets.token_hex(6)}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = pg_database.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def pg_migrated(pg_database: URL) -> str:
    """The session database's URL, migrated to head once."""
    url = pg_database.render_as_string(hide_password=False)
    open_store(url).close()
    return url


@pytest.fixture
def pg_clean_url(pg_migrated: str) -> Iterator[str]:
    """The migrated session database, emptied after the test (ids keep counting).

    Much faster than a schema per test (no DDL); tests that need an empty schema, like
    the migration tests, use ``pg_url`` instead.
    """
    yield pg_migrated
    engine = create_engine(pg_migrated)
    try:
        # DELETE in one transaction beats TRUNCATE (one fsync, no new relfiles) on tiny tables.
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- both backends


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """The URL of an empty database: a temporary SQLite file, or the PostgreSQL session
    database (migrated, and emptied after each test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_clean_url")


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    """A migrated store on ``db_url``, closed after the test."""
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def clock() -> ManualClock:
    """A hand-advanced clock starting at ``T0``."""
    return ManualClock(T0)


# --------------------------------------------------------------------------- builders


def seed(n: int = 1) -> SeedDoc:
    return SeedDoc(
        title=f"Seed {n}",
        text=f"Seed text {n}",
        url=f"https://news.example/seed/{n}",
        published=T0 - timedelta(days=n),
    )


def new_item(n: int, *, at: datetime = T0, **changes: Any) -> NewItem:
    """Item ``n``: key ``k{n}``, URL ``https://news.example/{n}``, source ``Outlet {n}``."""
    fields: dict[str, Any] = dict(
        key=f"k{n}",
        feed_id=None,
        url=f"https://news.example/{n}?utm=x",
        canonical_url=f"https://news.example/{n}",
        title=f"Title {n}",
        summary=f"Summary {n}",
        content=f"Content {n}",
        published=at - timedelta(minutes=5),
        fetched_at=at,
        source=f"Outlet {n}",
        content_hash=f"h{n}",
    )
    fields.update(changes)
    return NewItem(**fields)


def message(title: str = "Alert", **changes: Any) -> OutboundMessage:
    fields: dict[str, Any] = dict(
        kind=MessageKind.ALERT,
        title=title,
        body="Body <!channel> @everyone",
        story_name="story",
        sources=("Reuters", "AP"),
        links=(Link("Reuters", "https://reuters.example/1"),),
        when=T0,
        footer="footer",
        thread_note=None,
    )
    fields.update(changes)
    return OutboundMessage(**fields)


CHANNEL = Target("slack", channel_id="C1")
DM = Target("discord", user_id="U1")


def write(key: str, target: Target = CHANNEL, title: str = "Alert", **kw: Any) -> OutboxWrite:
    return OutboxWrite(key=key, target=target, message=message(title), **kw)
