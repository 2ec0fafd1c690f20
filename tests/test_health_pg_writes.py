"""``storybot health`` tells when storybot cannot write its PostgreSQL database.

It said "ok database" for any PostgreSQL database that answered, so an operator who
pointed storybot at a read-only standby, a session made read-only
(``default_transaction_read_only``), or a role without INSERT, UPDATE or DELETE on
storybot's tables (a migration run by another role, a revoked grant) got ``ok`` while
every poll and delivery failed to store anything. Now the database line is a problem
saying what is wrong and what to do.

Real PostgreSQL: each test has a schema of its own (``pg_url``) migrated to head; the
roles are made for the test (random names) and dropped at its end; the read-only
sessions come from the URL's ``options`` or from the test role's own setting, never from
a setting of the server's. The standby is a real one: a private primary and its replica,
made with ``initdb`` and ``pg_basebackup`` in a temporary directory, listening on Unix
sockets only (slow: about a second).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from adapters.health import health
from adapters.health_pg_writes import pg_writes
from bot.settings import load_settings
from storage import open_store
from storage.models import Base
from storage.write_state import PgWriteState, probe_pg_writes

pytest_plugins = ["store_fixtures"]
pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
NAME = "postgresql+psycopg://storybot@db.example/storybot (STORYBOT_DATABASE_URL)"


def _health(url: str) -> tuple[int, str]:
    out = io.StringIO()
    settings = load_settings(env={"STORYBOT_DATABASE_URL": url})
    return health(settings, now=T0, out=out), out.getvalue()


def _database_line(said: str) -> str:
    return next(line for line in said.splitlines() if " database: " in line)


def _schema(url: str) -> str:
    """The schema ``pg_url`` puts its connections in (``-csearch_path=...``)."""
    options = make_url(url).query["options"]
    assert isinstance(options, str)
    found = re.search(r"-csearch_path=(\S+)", options)
    assert found is not None, options
    return found.group(1)


def _with_options(url: str, *more: str) -> str:
    """``url`` with ``more`` libpq ``-c`` options beside the search path it sets."""
    parsed = make_url(url)
    options = " ".join([str(parsed.query["options"]), *more])
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def _as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


def _admin(url: str, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _add_a_feed(url: str) -> None:
    """A write of storybot's own, as the service makes it."""
    store = open_store(url, upgrade=False)
    try:
        store.add_feed("https://news.example/feed.xml", T0, interval_s=900)
    finally:
        store.close()


@pytest.fixture
def migrated(pg_url: str) -> str:
    open_store(pg_url).close()
    return pg_url


@pytest.fixture
def role(migrated: str) -> Iterator[str]:
    """A login role of this test's, allowed into its schema and nothing more yet."""
    name = f"storybot_ro_{secrets.token_hex(4)}"
    _admin(
        migrated,
        f"CREATE ROLE {name} LOGIN",
        f"GRANT USAGE ON SCHEMA {_schema(migrated)} TO {name}",
    )
    try:
        yield name
    finally:
        _admin(migrated, f"DROP OWNED BY {name}", f"DROP ROLE {name}")


def test_a_database_storybot_can_write_is_ok_and_the_line_names_the_role(migrated: str) -> None:
    code, said = _health(migrated)
    line = _database_line(said)
    assert code == 0, said
    assert line.startswith("ok database: ") and line.endswith(
        "answers, and storybot can write it (as role postgres)"
    ), line


def test_a_role_that_may_only_read_is_a_problem_and_the_grants_it_names_mend_it(
    migrated: str, role: str
) -> None:
    schema = _schema(migrated)
    _admin(migrated, f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
    url = _as_role(migrated, role)
    with pytest.raises(DBAPIError, match="permission denied"):
        _add_a_feed(url)  # what the service meets
    code, said = _health(url)
    line = _database_line(said)
    assert code == 1, said
    assert line.startswith("problem database: ") and f"role {role} may not write" in line, line
    assert (
        "no INSERT, UPDATE or DELETE on bindings, corrections, development_items and 16 more"
        in line
    ), line
    assert (
        "no USAGE on the id sequences of bindings, corrections, development_items and 10 more"
        in line
    ), line
    assert "or run storybot as postgres, the role that owns them" in line, line
    assert "ok schema" in said, said  # the rest is still read and told
    grants = re.findall(r"GRANT [^;(]+? TO [a-z0-9_]+", line)
    assert grants == [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    ], line
    _admin(migrated, *grants)  # as the owner: what the line says to do
    code, said = _health(url)
    assert code == 0 and _database_line(said).startswith("ok database: "), said
    _add_a_feed(url)


def test_a_role_with_no_privilege_at_all_is_told_the_grants_before_what_it_cannot_read(
    migrated: str, role: str
) -> None:
    """Tables a migration run by another role made, and no grant: the commonest case. The
    line that says what to do comes first; then that health itself could not read."""
    code, said = _health(_as_role(migrated, role))
    lines = said.splitlines()
    assert code == 1, said
    assert lines[0].startswith("problem database: ") and "answers, but role" in lines[0], said
    assert "no SELECT, INSERT, UPDATE or DELETE on bindings" in lines[0], said
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA" in lines[0], said
    assert lines[1:] == [
        "problem database: cannot read it: permission denied for table alembic_version"
    ], said


def test_a_role_without_the_id_sequences_is_a_problem_though_it_has_every_table(
    migrated: str, role: str
) -> None:
    schema = _schema(migrated)
    _admin(
        migrated, f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"
    )
    url = _as_role(migrated, role)
    with pytest.raises(DBAPIError, match="permission denied for sequence feeds_id_seq"):
        _add_a_feed(url)
    code, said = _health(url)
    line = _database_line(said)
    assert code == 1, said
    assert "no USAGE on the id sequences of bindings, corrections" in line, line
    assert " on bindings" not in line.split("no USAGE")[0], line  # its tables are fine
    assert f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}" in line, line
    assert "ON ALL TABLES" not in line, line


def test_one_privilege_missing_on_one_table_is_named_alone(migrated: str, role: str) -> None:
    """``has_table_privilege`` with several privileges is true when *any* is held: each
    one is asked on its own, or a role missing only DELETE would pass."""
    schema = _schema(migrated)
    _admin(
        migrated,
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"REVOKE DELETE ON outbox FROM {role}",
    )
    code, said = _health(_as_role(migrated, role))
    line = _database_line(said)
    assert code == 1, said
    assert "may not write storybot's tables: no DELETE on outbox; " in line, line
    assert "USAGE" not in line.split("GRANT")[0], line


def test_a_session_made_read_only_by_the_urls_options_is_a_problem(migrated: str) -> None:
    url = _with_options(migrated, "-cdefault_transaction_read_only=on")
    with pytest.raises(DBAPIError, match="read-only transaction"):
        _add_a_feed(url)
    code, said = _health(url)
    line = _database_line(said)
    assert code == 1, said
    assert line.startswith("problem database: ") and "its sessions are read-only" in line, line
    assert "default_transaction_read_only = on" in line, line
    assert "the connection's options" in line and "PGOPTIONS" in line, line
    assert "ok schema" in said, said


def test_a_role_whose_sessions_are_read_only_is_told_the_statement_that_ends_it(
    migrated: str, role: str
) -> None:
    schema = _schema(migrated)
    _admin(
        migrated,
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"ALTER ROLE {role} SET default_transaction_read_only = on",
    )
    url = _as_role(migrated, role)
    code, said = _health(url)
    line = _database_line(said)
    assert code == 1, said
    statement = f"ALTER ROLE {role} RESET default_transaction_read_only"
    assert f"set for role {role}: {statement}" in line, line
    _admin(migrated, statement)
    code, said = _health(url)
    assert code == 0 and _database_line(said).startswith("ok database: "), said
    _add_a_feed(url)


def test_the_probe_is_one_statement_over_the_tables_of_storybots_models(migrated: str) -> None:
    """Fast and read-only: one round trip, in a transaction rolled back."""
    store = open_store(migrated, upgrade=False)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        state = probe_pg_writes(store.engine)
    finally:
        store.close()
    assert state is not None and state.role == "postgres" and not state.read_only
    assert state.missing == () and state.tables == len(Base.metadata.tables)
    assert len(statements) == 1, statements


@pytest.mark.parametrize(
    ("state", "said"),
    [
        (
            PgWriteState("storybot", "sb", True, True, "default", (), (), (), 19),
            f"{NAME} answers, but it is a standby server (pg_is_in_recovery()), read-only: "
            "storybot's writes fail there; point STORYBOT_DATABASE_URL at the primary",
        ),
        (
            PgWriteState("storybot", "sb", False, True, "database", (), (), (), 19),
            f"{NAME} answers, but its sessions are read-only: default_transaction_read_only "
            "= on, set for database sb: ALTER DATABASE sb RESET "
            "default_transaction_read_only; storybot's writes fail until it is off",
        ),
        (
            PgWriteState("storybot", "sb", False, True, "configuration file", (), (), (), 19),
            f"{NAME} answers, but its sessions are read-only: default_transaction_read_only "
            "= on, set in the server's configuration file: ALTER ROLE storybot SET "
            "default_transaction_read_only = off; storybot's writes fail until it is off",
        ),
    ],
)
def test_each_reason_to_be_read_only_is_said_with_what_ends_it(
    state: PgWriteState, said: str
) -> None:
    finding = pg_writes(NAME, state, "STORYBOT_DATABASE_URL")
    assert finding.status == "problem" and finding.detail == said


def _pg_bin() -> Path:
    from store_fixtures import installed_pg_versions  # (a plugin here: imported late)

    versions = installed_pg_versions()
    if not versions:
        pytest.skip("no PostgreSQL installed in /etc/postgresql to make a standby with")
    return Path("/usr/lib/postgresql") / versions[-1] / "bin"


@pytest.fixture
def standby() -> Iterator[tuple[str, str]]:
    """(primary URL, standby URL): a private server with storybot's tables, and its
    streaming replica, each on a Unix socket in a directory of its own; stopped and
    removed at the end. As root the servers run as ``postgres`` (initdb refuses root)."""
    bin_dir = _pg_bin()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    home = Path(tempfile.mkdtemp(prefix="storybot-standby-"))
    if as_postgres:
        shutil.chown(home, "postgres")

    def run(*args: str, check: bool = True) -> None:
        subprocess.run([*as_postgres, *args], check=check, capture_output=True, timeout=60)

    def start(name: str, port: int) -> str:
        # -l: a server left writing to our pipes would keep run() waiting for their end
        options = f"-c listen_addresses='' -c unix_socket_directories={home} -p {port}"
        log = str(home / f"{name}.log")
        started.append(name)
        run(
            str(bin_dir / "pg_ctl"), "-D", str(home / name), "-l", log, "-o", options, "-w", "start"
        )
        return f"postgresql://postgres@/postgres?host={home}&port={port}"

    started: list[str] = []
    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(home / "primary"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-N",
        )
        primary = start("primary", 5432)
        open_store(primary).close()
        run(str(bin_dir / "pg_basebackup"), "-h", str(home), "-p", "5432", "-U", "postgres",
            "-D", str(home / "standby"), "-R", "-c", "fast", "--no-sync")  # fmt: skip
        yield primary, start("standby", 5433)
    finally:
        for name in reversed(started):
            run(
                str(bin_dir / "pg_ctl"),
                "-D",
                str(home / name),
                "-m",
                "immediate",
                "stop",
                check=False,
            )
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_a_standby_is_a_problem_that_says_to_point_the_url_at_the_primary(
    standby: tuple[str, str],
) -> None:
    primary, replica = standby
    with pytest.raises(DBAPIError, match="read-only transaction"):
        _add_a_feed(replica)
    code, said = _health(replica)
    line = _database_line(said)
    assert code == 1, said
    assert line.endswith(
        "answers, but it is a standby server (pg_is_in_recovery()), read-only: storybot's "
        "writes fail there; point STORYBOT_DATABASE_URL at the primary"
    ), line
    assert "ok schema" in said, said
    code, said = _health(primary)
    assert code == 0 and _database_line(said).startswith("ok database: "), said
