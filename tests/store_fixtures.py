"""Database fixtures for the store tests (a pytest plugin).

Load it with ``pytest_plugins = ["store_fixtures"]`` in a test module. Every test using
``store`` or ``db_url`` then runs twice: against a temporary SQLite file, and against the
real PostgreSQL server in a database created for this test session (random name, dropped
at the end) and emptied after each test. ``pg_url`` gives a test a brand-new empty
schema instead (the migration tests need one).

PostgreSQL is never skipped silently: if it cannot be reached the PostgreSQL tests fail
with a message saying how to start it, unless ``STORYBOT_SKIP_POSTGRES=1`` is set.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hang_report import activity_query, describe_activity
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from storage import SqlStore, open_store
from storage.engine import describe, parse_url, sqlite_file
from storage.models import Base

PG_URL_ENV = "STORYBOT_TEST_POSTGRES_URL"
PG_SKIP_ENV = "STORYBOT_SKIP_POSTGRES"
PG_DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_CONFIG_DIR = Path("/etc/postgresql")  # Debian's: a directory per installed version


def installed_pg_versions(config_dir: Path = PG_CONFIG_DIR) -> list[str]:
    """The PostgreSQL versions installed (Debian: a directory each in ``/etc/postgresql``),
    oldest first, by number: "9.6" before "10" and "15" (as text it sorts after them).
    A directory whose name is no version comes last; none there, or no such directory: [].
    """
    try:
        names = [p.name for p in config_dir.iterdir() if p.is_dir()]
    except OSError:
        return []

    def by_number(name: str) -> tuple[bool, tuple[int, ...], str]:
        parts = name.split(".")
        if all(part.isdigit() for part in parts):
            return (False, tuple(int(part) for part in parts), name)
        return (True, (), name)

    return sorted(names, key=by_number)


def pg_start_hint(config_dir: Path = PG_CONFIG_DIR) -> str:
    """How to start the PostgreSQL server, naming the version installed (as ``.ci/run``
    finds it, in ``/etc/postgresql``), not one written here: Debian 12 has 15, 13 has 17.

    With no version or several there, the command is given with ``VERSION`` to fill in.
    """
    versions = installed_pg_versions(config_dir)
    if len(versions) == 1:
        return f"pg_ctlcluster --skip-systemctl-redirect {versions[0]} main start"
    which = f"one of {', '.join(versions)}" if versions else f"see ls {config_dir}"
    return f"pg_ctlcluster --skip-systemctl-redirect VERSION main start (VERSION: {which})"


# --------------------------------------------------------------------------- PostgreSQL


def _pg_admin_url() -> URL:
    return parse_url(os.environ.get(PG_URL_ENV) or PG_DEFAULT_URL)


def admin_url_text() -> str:
    """The server's admin URL as libpq takes it (for a report of what its clients do)."""
    return _pg_admin_url().set(drivername="postgresql").render_as_string(hide_password=False)


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
            f"{pg_start_hint()} (or set {PG_URL_ENV}, or {PG_SKIP_ENV}=1 to skip). "
            f"Error: {error}",
            pytrace=False,
        )
    name = f"storybot_test_{secrets.token_hex(6)}"
    with conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name)
    finally:
        # a connection of its own: one held for the whole session would not survive the
        # test that restarts the server (test_reliability_database)
        admin.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# How long a test schema's DROP waits for the locks on what it holds (every table's): the
# server has no lock_timeout, and a connection a test left in a transaction there held
# the teardown for ever, in silence.
DROP_LOCK_TIMEOUT_S = 60.0


def drop_schema(conn: Connection, schema: str, lock_timeout_s: float = DROP_LOCK_TIMEOUT_S) -> None:
    """DROP a test schema with everything in it, waiting ``lock_timeout_s`` at most for the
    locks; past that, fail naming the database's other connections (who holds them)."""
    conn.execute(text(f"SET lock_timeout = '{int(lock_timeout_s * 1000)}ms'"))
    try:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    except OperationalError as exc:
        if not isinstance(exc.orig, psycopg.errors.LockNotAvailable):
            raise
        query = activity_query("datname = current_database()")
        others = "; ".join(describe_activity(conn.exec_driver_sql(query).fetchall()))
        pytest.fail(
            f"DROP SCHEMA {schema} waited {lock_timeout_s:g} s for its locks; the "
            f"database's other connections: {others or 'none'}",
            pytrace=False,
        )
    finally:
        conn.execute(text("RESET lock_timeout"))


@pytest.fixture
def pg_url(pg_database: URL) -> Iterator[str]:
    """A URL whose connections live in an empty schema of their own (via search_path)."""
    schema = f"t_{secrets.token_hex(6)}"
    # pre-ping: the connection kept from the CREATE may be gone by the DROP (a test that
    # restarts the server, or another run's restarting it meanwhile)
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = pg_database.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        try:
            with engine.connect() as conn:
                drop_schema(conn, schema)
        finally:
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
def store(db_url: str, request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """A migrated store on ``db_url``, closed after the test. A SQLite file starts as a
    copy of ``sqlite_migrated`` (tests/conftest.py), which ``open_store`` opens as
    storybot opens its database at every start but the first."""
    path = sqlite_file(parse_url(db_url))
    if path is not None and not path.exists():
        shutil.copyfile(request.getfixturevalue("sqlite_migrated"), path)
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def db(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's environment on a SQLite file in the test's directory (not created yet):
    ``STORYBOT_DATABASE_URL`` names it, loopback feeds are allowed, and the working
    directory is ``tmp_path``. Returns its URL."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.chdir(tmp_path)
    return url
