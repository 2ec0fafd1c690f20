"""``storage.open_store``: URLs, drivers, SQLite settings and clear configuration errors."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from fakes.pg_wire import Refusal, refusing_server
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from store_builders import T0, new_item

from bot.errors import ConfigError, DatabaseUnavailable
from storage import SqlStore, database_unavailable, open_store
from storage.base import StoreBase
from storage.engine import describe, parse_url, sqlite_file, sqlite_read_only

pytest_plugins = ["store_fixtures"]  # fixtures: pg_url and what it needs


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
        ("  sqlite:///x.db  ", "sqlite"),
    ],
)
def test_parse_url_maps_postgresql_to_psycopg(given, driver):
    assert parse_url(given).drivername == driver


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "not a url",
        "nosuchdb://x/y",
        "postgresql+nosuchdriver://u@h/db",
        "sqlite+nope:///x",
    ],
)
def test_bad_urls_are_config_errors_naming_the_setting(url):
    with pytest.raises(ConfigError, match="STORYBOT_DATABASE_URL"):
        open_store(url)


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("sqlite://storybot2.db", "sqlite:///storybot2.db"),
        ("sqlite://data/storybot.db", "sqlite:///data/storybot.db"),
    ],
)
def test_a_sqlite_url_with_two_slashes_says_a_file_needs_three(url, meant):
    from storage.engine import sqlite_memory_url

    assert not sqlite_memory_url(url), "a host where the file should be: no in-memory database"
    with pytest.raises(ConfigError) as err:
        open_store(url)
    said = str(err.value)
    assert "\n" not in said and "STORYBOT_DATABASE_URL" in said, said
    assert f"a SQLite file needs three slashes: {meant}" in said, said
    assert "in-memory" not in said and "Valid SQLite URL forms" not in said, said


@pytest.mark.parametrize(
    ("query", "why"),
    [
        # without uri=true SQLAlchemy drops mode=ro with a warning: the file opened writable
        ("?mode=ro", "SQLite reads mode only from a file: URI with uri=true"),
        ("?cache=shared&mode=ro", "SQLite reads cache and mode only from a file: URI"),
        # with uri=true and a plain path SQLite created a file named "store.db?mode=ro"
        ("?mode=ro&uri=true", "SQLite would open a file named"),
        ("?timeout=5&mode=ro", "SQLite reads mode only"),  # pysqlite's own option is kept
    ],
)
def test_a_sqlite_url_whose_uri_parameters_would_not_apply_is_refused_naming_the_uri_form(
    tmp_path, query, why
):
    path = tmp_path / "store.db"
    open_store(f"sqlite:///{path}").close()
    with pytest.raises(ConfigError) as err:
        open_store(f"sqlite:///{path}{query}")
    said = str(err.value)
    assert "\n" not in said and "STORYBOT_DATABASE_URL" in said, said
    assert why in said, said
    params = query.removeprefix("?").removesuffix("&uri=true")  # in the order typed
    assert f"write it as sqlite:///file:{path}?{params}&uri=true" in said, said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.db"]  # no stray file made


def test_a_sqlite_file_uri_with_uri_true_opens_the_file_read_only(tmp_path):
    path = tmp_path / "store.db"
    open_store(f"sqlite:///{path}").close()
    with pytest.raises(ConfigError, match="file: URI is read as one only with uri=true"):
        open_store(f"sqlite:///file:{path}?mode=ro")
    store = open_store(f"sqlite:///file:{path}?mode=ro&uri=true", writable=False)
    try:
        assert store.list_stories() == []
    finally:
        store.close()
    with pytest.raises(ConfigError) as err:  # a command that writes: why, not SQLite's words
        open_store(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert str(err.value) == (
        f"cannot write the database file {path} (STORYBOT_DATABASE_URL): its URL opens it "
        "read-only (mode=ro); drop mode=ro for a command that writes"
    )
    store = open_store(f"sqlite:///{path}?timeout=5")  # pysqlite's own option: taken
    try:
        assert store.list_stories() == []
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("sqlite:///{d}/x.db", "{d}/x.db"),
        ("sqlite:///file:{d}/x.db?mode=ro&uri=true", "{d}/x.db"),
        ("sqlite:///file://{d}/x.db?uri=true", "{d}/x.db"),
        ("sqlite:///file://localhost{d}/a%20b.db#part?uri=true", "{d}/a b.db"),
        ("sqlite:///file:x.db?uri=true", "x.db"),
        ("sqlite:///file::memory:?uri=true", None),
        ("sqlite:///file:x.db?mode=memory&cache=shared&uri=true", None),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
    ],
)
def test_the_file_a_sqlite_url_names_is_the_one_sqlite_opens(tmp_path, url, named):
    parsed = parse_url(url.format(d=tmp_path))
    expected = Path(named.format(d=tmp_path)) if named is not None else None
    assert sqlite_file(parsed) == expected


def test_a_file_uri_without_uri_true_is_refused_naming_both_forms_that_work(tmp_path):
    # SQLite would take "file:/…/x.db" for a file name: a directory "file:" that is not there
    for query, kept in (("", ""), ("?timeout=5", "timeout=5&")):
        with pytest.raises(ConfigError) as err:
            open_store(f"sqlite:///file:{tmp_path}/x.db{query}")
        said = str(err.value)
        assert "a file: URI is read as one only with uri=true" in said, said
        plain = f"sqlite:///{tmp_path}/x.db" + (f"?{kept[:-1]}" if kept else "")
        assert f"write it as sqlite:///file:{tmp_path}/x.db?{kept}uri=true (or {plain})" in said
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match="cache and mode would be ignored"):  # no memory
        parse_url("sqlite:///file:x?mode=memory&cache=shared")


def test_a_sqlite_file_uri_is_shown_as_written_not_with_its_colons_escaped():
    url = "sqlite:///file:/srv/a:b.db?mode=ro&uri=true"
    assert describe(parse_url(url)) == url  # SQLAlchemy renders file%3A/srv/a%3Ab.db


def test_a_read_only_sqlite_uri_is_told_by_its_parameter(tmp_path):
    base = f"sqlite:///file:{tmp_path}/x.db"
    assert sqlite_read_only(parse_url(f"{base}?mode=ro&uri=true")) == "mode=ro"
    assert sqlite_read_only(parse_url(f"{base}?immutable=1&uri=true")) == "immutable=1"
    assert sqlite_read_only(parse_url(f"{base}?mode=rw&uri=true")) is None
    assert sqlite_read_only(parse_url(f"sqlite:///{tmp_path}/x.db")) is None


def test_unreachable_database_is_unavailable_without_the_password():
    with pytest.raises(DatabaseUnavailable, match="STORYBOT_DATABASE_URL") as info:
        open_store("postgresql://bob:s3cret@127.0.0.1:1/nope?connect_timeout=2")
    assert "s3cret" not in str(info.value)
    assert "127.0.0.1" in str(info.value)
    assert isinstance(info.value, ConfigError)  # handled where a database cannot be opened


@pytest.mark.postgres
@pytest.mark.parametrize("wrong", ["user", "database"])
def test_a_server_that_refuses_the_connection_is_a_config_error_not_unavailable(pg_database, wrong):
    """The server answered: a wrong user or database is the configuration's to fix."""
    url = pg_database.set(
        **({"username": "no_such_storybot_role"} if wrong == "user" else {"database": "no_such_db"})
    )
    with pytest.raises(ConfigError, match="cannot open the database") as info:
        open_store(url.render_as_string(hide_password=False))
    assert not isinstance(info.value, DatabaseUnavailable), str(info.value)


def test_sqlite_directory_under_a_file_is_a_config_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="STORYBOT_DATABASE_URL"):
        open_store(f"sqlite:///{blocker / 'sub' / 'store.db'}")


def test_sqlite_file_in_a_missing_directory_is_refused_not_created(tmp_path):
    missing = tmp_path / "nonexistent" / "dir"
    with pytest.raises(ConfigError) as info:
        open_store(f"sqlite:///{missing / 'x.db'}")
    message = str(info.value)
    assert "STORYBOT_DATABASE_URL" in message and str(missing) in message
    assert "does not exist" in message and "\n" not in message
    assert not (tmp_path / "nonexistent").exists()


def test_relative_sqlite_file_is_created_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///storybot.db")
    store.close()
    assert (tmp_path / "storybot.db").exists()


def test_sqlite_file_is_created_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "store.db"
    store = open_store(f"sqlite:///{path}")
    try:
        assert path.exists()
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    finally:
        store.close()


def test_in_memory_sqlite_is_one_database_across_threads():
    store = open_store("sqlite://")
    try:
        store.add_story("s", "S", [], T0)
        seen: list[object] = []
        thread = threading.Thread(target=lambda: seen.append(store.get_story("s")))
        thread.start()
        thread.join()
        assert seen and seen[0] is not None
    finally:
        store.close()


def test_two_stores_on_one_sqlite_file_see_each_other(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    first, second = open_store(url), open_store(url)
    try:
        first.ingest_item(new_item(1))
        assert second.count_items() == 1
        assert second.ingest_item(new_item(1))[0].value == "seen"
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_postgresql_uses_psycopg3(pg_url):
    store = open_store(pg_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        assert isinstance(store, SqlStore)
        assert store.engine.dialect.driver == "psycopg"
        assert store.list_stories() == []
    finally:
        store.close()


@pytest.mark.postgres
def test_store_and_job_queue_connections_notice_a_silent_network_cut(pg_url):
    # Without TCP keepalives and a user timeout, a network that drops packets without a
    # reset (a firewall, a failed link) left a query or a job-queue call waiting the
    # kernel's 15 minutes of retransmissions; the poller lock's connection had them, the
    # store's and the job queue's did not.
    from adapters.jobs.schema import conninfo

    expected = {"keepalives": "1", "keepalives_idle": "15", "tcp_user_timeout": "30000"}
    store = open_store(pg_url)
    try:
        with store.engine.connect() as connection:
            params = connection.connection.driver_connection.info.get_parameters()
        assert {k: params.get(k) for k in expected} == expected
    finally:
        store.close()
    with psycopg.connect(conninfo(pg_url)) as connection:
        params = connection.info.get_parameters()
    assert {k: params.get(k) for k in expected} == expected
    # a URL's own value wins
    with psycopg.connect(
        conninfo(pg_url + ("&" if "?" in pg_url else "?") + "keepalives_idle=60")
    ) as connection:
        assert connection.info.get_parameters()["keepalives_idle"] == "60"


@pytest.mark.parametrize("netloc", ["127.0.0.1:", "127.0.0.1:54x32"])
def test_a_url_with_a_bad_port_is_a_config_error_without_the_password(netloc):
    with pytest.raises(ConfigError, match="STORYBOT_DATABASE_URL") as info:
        open_store(f"postgresql://bob:s3cret@{netloc}/db")
    assert "port" in str(info.value)
    assert "s3cret" not in str(info.value)


@pytest.mark.slow
def test_a_server_that_never_answers_is_unavailable_within_the_connect_timeout():
    """A port that accepts connections but says nothing (a firewall, the wrong service):
    libpq would wait 130 s; storybot gives up after PG_CONNECT_TIMEOUT_S and says why."""
    import socket
    import time

    from storage.engine import PG_CONNECT_TIMEOUT_S

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as info:
            open_store(f"postgresql://bob:s3cret@127.0.0.1:{port}/db")
        took = time.monotonic() - started
    message = str(info.value)
    assert took < PG_CONNECT_TIMEOUT_S + 20
    assert "timeout" in message and "is the server running" in message
    assert "s3cret" not in message and f"127.0.0.1:{port}" in message


# --------------------------------------------------------------------------- unavailable?
# Exit 75 (DatabaseUnavailable, retried by systemd) only for known can't-reach causes;
# anything else is a configuration error (exit 2, not retried).


@pytest.mark.parametrize(
    ("refusal", "unavailable"),
    [
        (Refusal("57P03", "the database system is starting up"), True),
        (Refusal("57P03", "the database system is shutting down"), True),
        (Refusal("53300", "sorry, too many clients already"), True),
        # the server's disk is full: freeing space fixes it, not the configuration
        (
            Refusal("53100", 'could not extend file "base/16384/2619": No space left on device'),
            True,
        ),
        (None, True),  # the server closed the connection without a word
        (Refusal("28P01", 'password authentication failed for user "bob"'), False),
        (Refusal("28000", 'no pg_hba.conf entry for host "127.0.0.1", user "bob"'), False),
        # a German server: its refusals are the configuration's whatever the language...
        (
            Refusal(
                "28P01",
                "Passwort-Authentifizierung für Benutzer »bob« fehlgeschlagen",
                "SCHWERWIEGEND",
            ),
            False,
        ),
        # ...and its "starting up" is not known either: exit 2 rather than retrying forever
        (Refusal("57P03", "das Datenbanksystem startet", "SCHWERWIEGEND"), False),
    ],
)
def test_a_server_at_the_wire_is_unavailable_only_for_known_causes(refusal, unavailable):
    with refusing_server(refusal) as port:
        with pytest.raises(ConfigError, match="cannot open the database") as info:
            open_store(f"postgresql://bob:s3cret@127.0.0.1:{port}/db?sslmode=disable")
    assert isinstance(info.value, DatabaseUnavailable) is unavailable, str(info.value)
    assert "s3cret" not in str(info.value)


def test_a_full_disk_under_a_sqlite_file_is_worth_retrying_other_failures_are_not():
    # exit 75, not 2: the example systemd units do not restart on 2, so a service that
    # met a full disk at start stayed down once space was freed (a running one recovers)
    import sqlite3

    from sqlalchemy.exc import OperationalError

    def failure(message: str) -> OperationalError:
        return OperationalError("PRAGMA user_version = 19", {}, sqlite3.OperationalError(message))

    assert database_unavailable(failure("database or disk is full"), "sqlite")
    assert database_unavailable(failure("database is locked"), "sqlite")
    assert not database_unavailable(failure("file is not a database"), "sqlite")
    assert not database_unavailable(failure("attempt to write a readonly database"), "sqlite")


def test_a_host_name_that_does_not_resolve_is_unavailable():
    """Perhaps DNS is not up yet at boot (".invalid" never resolves: RFC 2606)."""
    with pytest.raises(DatabaseUnavailable, match="storybot-no-such-host.invalid"):
        open_store("postgresql://bob@storybot-no-such-host.invalid/db?connect_timeout=5")


def test_a_bad_sslmode_is_a_config_error_not_unavailable():
    with pytest.raises(ConfigError, match="sslmode") as info:
        open_store("postgresql://bob@127.0.0.1:1/db?sslmode=bogus")
    assert not isinstance(info.value, DatabaseUnavailable), str(info.value)


@pytest.mark.postgres
def test_ssl_required_of_a_server_without_it_is_a_config_error_not_unavailable(pg_database):
    url = pg_database.update_query_dict({"sslmode": "require"})
    with pytest.raises(ConfigError, match="SSL") as info:
        open_store(url.render_as_string(hide_password=False))
    assert not isinstance(info.value, DatabaseUnavailable), str(info.value)


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [  # errors after the connection was made carry a SQLSTATE: it tells, not the words
        (psycopg.errors.AdminShutdown("terminating connection due to administrator"), True),
        (psycopg.errors.CannotConnectNow("das Datenbanksystem startet"), True),
        (psycopg.errors.TooManyConnections("zu viele Verbindungen"), True),
        (psycopg.errors.InvalidPassword("connection refused, timeout expired"), False),
        (psycopg.errors.InsufficientPrivilege("permission denied for schema public"), False),
    ],
)
def test_a_sqlstate_decides_over_the_words(error, unavailable):
    exc = OperationalError("SELECT 1", {}, error)
    assert database_unavailable(exc, "postgresql") is unavailable
    assert database_unavailable(exc, "sqlite") is False


@pytest.mark.parametrize(
    "message",
    [  # libpq's words for an SSL connection cut during start-up (a managed server failing over)
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
        "SSL SYSCALL error: EOF detected",
        "consuming input failed: SSL connection has been closed unexpectedly",
        "SSL error: unexpected eof while reading",
    ],
)
def test_an_ssl_connection_cut_at_start_is_unavailable(message):
    exc = OperationalError("SELECT 1", {}, psycopg.OperationalError(message))
    assert database_unavailable(exc, "postgresql") is True


def test_an_in_memory_store_serves_threads_one_transaction_at_a_time():
    """The service calls the store from threads at once (a poll cycle's commit, a /story
    command, the outbox worker). In memory every session shares one connection: a
    command's transaction waits for the cycle's, rather than failing inside it."""
    store = open_store("sqlite://")
    holding, release = threading.Event(), threading.Event()

    def poll_cycle_writing() -> None:
        with store._write() as session:  # noqa: SLF001 - a cycle's open write transaction
            session.execute(text("UPDATE feeds SET id = id WHERE 0"))
            holding.set()
            release.wait(5)

    cycle = threading.Thread(target=poll_cycle_writing)
    cycle.start()
    try:
        assert holding.wait(5)
        subscribed: list[object] = []
        command = threading.Thread(
            target=lambda: subscribed.append(
                store.add_subscription("slack", "U1", "pentagon", None, T0)
            )
        )
        command.start()
        # (where it does not wait, it fails at once: "cannot start a transaction within
        # a transaction")
        assert _waits_for_its_turn(command), "the command waits for the cycle's transaction"
        release.set()
        command.join(5)
        assert [s.query for s in subscribed] == ["pentagon"]  # type: ignore[attr-defined]
        assert [s.query for s in store.all_subscriptions()] == ["pentagon"]
    finally:
        release.set()
        cycle.join(5)
        store.close()


def _waits_for_its_turn(thread: threading.Thread) -> bool:
    """Whether ``thread`` waits to begin a store transaction (``StoreBase._read`` or
    ``_write`` blocked on the in-memory store's lock), rather than having ended.

    Watched until it is seen there twice in a row, or has ended: a thread passing
    through on its way into the transaction is not seen there for long.
    """
    turns = {StoreBase._read.__wrapped__.__code__, StoreBase._write.__wrapped__.__code__}
    deadline = time.monotonic() + 10
    seen = 0
    while thread.is_alive() and seen < 2:
        assert time.monotonic() < deadline, "the thread neither waited nor ended"
        frame = sys._current_frames().get(thread.ident or 0)
        seen = seen + 1 if frame is not None and frame.f_code in turns else 0
        time.sleep(0.001)  # let it run on
    return thread.is_alive()


def test_a_sqlite_file_locked_past_the_busy_timeout_at_start_is_worth_retrying(
    tmp_path, monkeypatch
):
    """Another program's long write on the file when storybot starts: exit 75 (a
    supervisor starts it again), not exit 2 (the example units would leave it down)."""
    import sqlite3

    import storage.engine

    path = tmp_path / "s.db"
    open_store(f"sqlite:///{path}").close()
    monkeypatch.setattr(storage.engine, "BUSY_TIMEOUT_MS", 0)  # no wait on the real clock
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseUnavailable, match="database is locked") as info:
            open_store(f"sqlite:///{path}")
        assert "worth trying again" in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _without_room_to_grow_files() -> None:
    """In the child, before it runs storybot: no file may grow past 16 KiB, as on a full
    disk (a write past it fails, EFBIG, instead of killing the process with SIGXFSZ)."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))


def test_a_sqlite_file_closed_cleanly_on_a_full_disk_is_worth_retrying(migrated_sqlite_url):
    """The usual full disk at start: the service was stopped cleanly (SQLite removed its
    ``-shm`` file), and opening the WAL database must create that file again, which
    fails as "disk I/O error" (SQLITE_IOERR_SHMSIZE), not "database or disk is full".
    That was exit 2, which the example units do not restart: storybot stayed down once
    space was freed. Exit 75, saying what to do."""
    import subprocess
    from pathlib import Path

    env = {**os.environ, "STORYBOT_DATABASE_URL": migrated_sqlite_url}
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "db-upgrade"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        preexec_fn=_without_room_to_grow_files,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 75, done.stderr
    assert "disk I/O error" in done.stderr and "is the disk full?" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
