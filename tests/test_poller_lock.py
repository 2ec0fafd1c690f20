"""The poller lock: a second process that would poll and judge the same database is
refused at once (SQLite: a file lock beside the database; PostgreSQL: an advisory lock per
schema), and the lock goes with the process that held it, however it ends."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.tcp_proxy import tcp_proxy
from feedserver import feed_server  # noqa: F401  (fixture)
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool
from store_fixtures import pg_database, pg_url  # noqa: F401  (fixtures)

from bot.errors import TryAgainLater, UserError
from storage import SqlStore, open_store
from storage.poller_lock import _PG_CLASS, PollerBusy, PollerLockLost, poller_lock

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lock.db'}"
    return request.getfixturevalue("pg_url")


def test_a_second_poller_of_one_database_is_refused_until_the_first_is_done(url):
    first, second = open_store(url), open_store(url)
    try:
        with poller_lock(first.engine, "storybot run"):
            with pytest.raises(PollerBusy, match="another storybot process is polling") as busy:
                with poller_lock(second.engine, "storybot poll --once"):
                    pass
            assert "storybot poll --once would judge the same items twice" in str(busy.value)
        with poller_lock(second.engine, "storybot poll --once"):
            pass  # free again
    finally:
        first.close()
        second.close()


def test_the_refusal_names_the_database_without_its_password(pg_url):
    store = open_store(pg_url)
    try:
        with poller_lock(store.engine, "storybot run"):
            with pytest.raises(PollerBusy) as busy:
                with poller_lock(store.engine, "storybot poll --once"):
                    pass
        shown = str(busy.value)
        assert store.engine.url.host in shown and (
            store.engine.url.password is None or store.engine.url.password not in shown
        )
    finally:
        store.close()


def test_databases_in_other_files_do_not_lock_each_other_and_spellings_of_one_do(tmp_path):
    a = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    b = open_store(f"sqlite:///{tmp_path / 'b.db'}")
    (tmp_path / "link.db").symlink_to(tmp_path / "a.db")
    alias = open_store(f"sqlite:///{tmp_path / 'link.db'}")
    try:
        with poller_lock(a.engine, "storybot run"), poller_lock(b.engine, "storybot run"):
            with pytest.raises(PollerBusy):  # the same file under another name
                with poller_lock(alias.engine, "storybot poll --once"):
                    pass
    finally:
        for store in (a, b, alias):
            store.close()


def test_taking_the_lock_through_a_file_with_a_hard_link_warns_of_it(tmp_path, caplog):
    # a hard link is another name, whose lock file is another: the lock cannot refuse a
    # poller started through it, so it says so (a symbolic link is resolved: no warning)
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    (tmp_path / "link.db").symlink_to(tmp_path / "a.db")
    alias = open_store(f"sqlite:///{tmp_path / 'link.db'}")
    try:
        with caplog.at_level(logging.WARNING, logger="storage.poller_lock"):
            with poller_lock(store.engine, "storybot run"):
                pass
            with poller_lock(alias.engine, "storybot run"):
                pass
            assert caplog.records == []
            (tmp_path / "hard.db").hardlink_to(tmp_path / "a.db")
            with poller_lock(store.engine, "storybot run"):
                pass
        (warning,) = caplog.records
        said = warning.getMessage()
        assert f"{tmp_path / 'a.db'}: its file has another name (a hard link)" in said, said
        assert "poller lock does not see a poller started through another name" in said
    finally:
        store.close()
        alias.close()


@pytest.mark.parametrize(
    "spelling",
    [
        "sqlite:///file:{path}?uri=true",
        "sqlite:///file://{path}?cache=private&uri=true",
        "sqlite:///file://localhost{quoted}?uri=true",
    ],
)
def test_a_file_uri_of_the_file_another_poller_holds_is_refused(tmp_path, spelling):
    # a file: URI (uri=true) opens the same file as the plain path: had the lock taken it
    # for a database in memory, a second service would poll and judge the same items
    path = tmp_path / "a b.db"
    plain = open_store(f"sqlite:///{path}")
    uri = open_store(spelling.format(path=path, quoted=str(path).replace(" ", "%20")))
    try:
        with poller_lock(plain.engine, "storybot run"):
            with pytest.raises(PollerBusy, match="another storybot process is polling"):
                with poller_lock(uri.engine, "storybot poll --once"):
                    pass
        with poller_lock(uri.engine, "storybot run"):
            with pytest.raises(PollerBusy):
                with poller_lock(plain.engine, "storybot poll --once"):
                    pass
    finally:
        plain.close()
        uri.close()


def test_installations_in_other_schemas_of_one_database_do_not_lock_each_other(pg_database, pg_url):
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    other_url = pg_database.update_query_dict({"options": f"-csearch_path={schema}"})
    first, other = open_store(pg_url), open_store(other_url.render_as_string(False))
    try:
        with poller_lock(first.engine, "storybot run"), poller_lock(other.engine, "storybot run"):
            pass
    finally:
        first.close()
        other.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_workers_share_the_lock_but_not_with_a_process_that_polls_itself(url):
    store = open_store(url)
    try:
        with poller_lock(store.engine, "storybot worker", shared=True):
            with poller_lock(store.engine, "storybot worker", shared=True):
                with pytest.raises(PollerBusy, match="storybot run would judge the same items"):
                    with poller_lock(store.engine, "storybot run"):
                        pass
        with poller_lock(store.engine, "storybot run"):
            with pytest.raises(PollerBusy, match="run --no-scheduler"):
                with poller_lock(store.engine, "storybot worker", shared=True):
                    pass
    finally:
        store.close()


@pytest.mark.postgres
def test_a_poller_refused_beside_workers_is_told_to_run_the_front_end_instead(pg_url):
    """`storybot run` typed where `storybot run --no-scheduler` was meant, beside workers:
    the refusal names the workers and the command that answers /story beside them, not
    "stop it first, or let it poll", which names no way to run the front end."""
    store = open_store(pg_url)
    try:
        with poller_lock(store.engine, "storybot worker", shared=True):
            with pytest.raises(PollerBusy) as busy:
                with poller_lock(store.engine, "storybot run"):
                    pass
        said = str(busy.value)
        assert said.startswith("storybot workers are polling "), said
        assert "'storybot worker (poller lock)'" in said, said
        assert "storybot run would judge the same items twice" in said
        assert "`storybot run --no-scheduler`" in said and "stop every worker first" in said
    finally:
        store.close()


def test_a_lock_file_that_cannot_be_opened_is_one_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    store = open_store(url)
    (tmp_path / "ro.db.poll-lock").mkdir()  # in the way: not a file
    try:
        with pytest.raises(UserError, match="cannot open the poller lock file .*ro.db.poll-lock"):
            with poller_lock(store.engine, "storybot run"):
                pass
    finally:
        store.close()


def test_an_in_memory_database_has_nothing_to_lock():
    store = open_store("sqlite://")
    try:
        with poller_lock(store.engine, "storybot run"), poller_lock(store.engine, "again"):
            pass
    finally:
        store.close()


def test_the_lock_goes_with_a_process_killed_while_holding_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    open_store(url).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from storage import open_store\n"
            "from storage.poller_lock import poller_lock\n"
            f"store = open_store({url!r})\n"
            "with poller_lock(store.engine, 'storybot run'):\n"
            "    print('held', flush=True)\n"
            "    sys.stdin.readline()  # holds it until killed\n",
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    store = open_store(url)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(PollerBusy):
            with poller_lock(store.engine, "storybot poll --once"):
                pass
        holder.kill()
        holder.wait(timeout=30)
        with poller_lock(store.engine, "storybot poll --once"):
            pass
    finally:
        holder.kill()
        if holder.stdin:
            holder.stdin.close()
        if holder.stdout:
            holder.stdout.close()
        holder.wait(timeout=30)
        store.close()


@pytest.fixture
def cli_db(tmp_path, monkeypatch) -> Iterator[SqlStore]:
    """The CLI's database (a SQLite file in the working directory), opened here too."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    store = open_store(url)
    yield store
    store.close()


def test_poll_once_beside_a_running_poller_is_one_line_and_exit_2(cli_db, capsys):
    from adapters.cli import main

    with poller_lock(cli_db.engine, "storybot run"):
        assert main(["poll", "--once"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: another storybot process is polling ")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert main(["poll", "--once"]) == 0, "free again once the other is done"


def test_a_second_run_is_refused_before_it_starts_anything(cli_db, capsys):
    from adapters.cli import main

    with poller_lock(cli_db.engine, "storybot run"):
        assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: another storybot process is polling "), err
    assert "storybot run would judge the same items twice" in err
    assert "no chat tokens" not in err and len(err.splitlines()) == 1


class _FirstJobHeldAtTheDoor(concurrent.futures.ThreadPoolExecutor):
    """A loop's default pool whose first job, once in its thread, waits for :attr:`go`.

    :attr:`started` and :attr:`done` (futures of the loop) say when that job's thread has
    begun and when the job is over: the test cancels its waiter in between, with no clock.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(2)
        self.started: asyncio.Future[None] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self.go = threading.Event()
        self._loop = loop
        self._first = True

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        if not self._first:
            return super().submit(fn, *args, **kwargs)
        self._first = False

        def held_at_the_door():  # type: ignore[no-untyped-def]
            self._loop.call_soon_threadsafe(self.started.set_result, None)
            self.go.wait()
            try:
                return fn(*args, **kwargs)
            finally:
                self._loop.call_soon_threadsafe(self.done.set_result, None)

        return super().submit(held_at_the_door)


async def test_a_lock_whose_taker_was_cancelled_meanwhile_is_let_go_at_once(url):
    """Ctrl-C (SIGTERM) while ``App.poller_lock`` takes the lock in its thread: the
    thread goes on and takes it; the cancelled side lets go of it before it stops, so a
    second taker in the same process gets it, not refused until the process ends.

    The cancellation's traceback is kept (as a log record or a supervisor may keep it):
    it holds the frames that hold the thread's context manager, so the lock is not let
    go of by chance either, when the garbage collector frees that context manager."""
    from adapters.app import build_app
    from bot.settings import load_settings

    app = build_app(load_settings(env={"STORYBOT_DATABASE_URL": url}))
    other = open_store(url)
    door = _FirstJobHeldAtTheDoor(asyncio.get_running_loop())
    asyncio.get_running_loop().set_default_executor(door)
    entered = []

    async def take() -> None:
        async with app.poller_lock("storybot run") as lock:
            entered.append(lock)

    try:
        taking = asyncio.create_task(take())
        await door.started  # the lock's thread is on its way
        taking.cancel()
        door.go.set()
        with pytest.raises(asyncio.CancelledError) as cancelled:  # its traceback kept
            await taking
        await door.done  # the thread took it (and, cancelled, let go of it)
        assert entered == []
        with poller_lock(other.engine, "storybot poll --once"):
            pass  # free
        assert cancelled.traceback  # (kept to here)
    finally:
        door.go.set()
        other.close()
        await app.aclose()


def _holders(url: str) -> list[int]:
    """The backends holding the poller lock of ``url``'s schema, seen from another session."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND database = (SELECT oid FROM pg_database"
                        "                 WHERE datname = current_database())"
                        " AND classid = CAST(:k AS oid) AND objsubid = 2"
                        " AND objid = CAST(hashtext(current_schema())::bigint & 4294967295 AS oid)"
                    ),
                    {"k": _PG_CLASS},
                ).scalars()
            )
    finally:
        engine.dispose()


def _drop_connection(url: str, pid: int) -> None:
    """What a server restart or an idle timeout does to the lock's session: end it."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            # waits (up to 10 s) for the backend to be gone, and its locks with it
            assert conn.execute(text("SELECT pg_terminate_backend(:p, 10000)"), {"p": pid}).scalar()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_lock_whose_connection_the_server_dropped_is_taken_again(pg_url, caplog):
    store = open_store(pg_url)
    try:
        with poller_lock(store.engine, "storybot run") as lock:
            assert lock.check()  # held: nothing to say
            [pid] = _holders(pg_url)
            _drop_connection(pg_url, pid)
            assert _holders(pg_url) == []  # gone without the holder noticing
            with caplog.at_level(logging.WARNING, logger="storage.poller_lock"):
                assert lock.check()
            [again] = _holders(pg_url)
            assert again != pid
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert "re-acquired on a new connection" in warnings[-1].getMessage()
            dropped = warnings[0].getMessage()  # the server's reason, on one line
            assert "terminating connection" in dropped and "\n" not in dropped, dropped
            caplog.clear()
            assert lock.check() and caplog.records == []  # held again: quiet
            with pytest.raises(PollerBusy):  # and it excludes a second poller again
                with poller_lock(store.engine, "storybot poll --once"):
                    pass
        assert _holders(pg_url) == []  # released at the end, on its new connection
    finally:
        store.close()


@pytest.mark.postgres
def test_a_lock_lost_to_another_process_stops_the_poller(pg_url):
    store, other = open_store(pg_url), open_store(pg_url)
    try:
        with poller_lock(store.engine, "storybot run") as lock:
            [pid] = _holders(pg_url)
            _drop_connection(pg_url, pid)
            with poller_lock(other.engine, "storybot poll --once"):  # takes it meanwhile
                with pytest.raises(PollerLockLost) as lost:
                    lock.check()
                message = str(lost.value)
                assert message.startswith("lost the poller lock on postgresql")
                [holder] = _holders(pg_url)  # the other's, untouched
                assert (
                    f"another storybot process holds it now (backend pid {holder}: "
                    "'storybot poll --once (poller lock)'"
                ) in message
                assert "storybot run stops polling" in message
                assert "\n" not in message
                # exit 75: restarted, its start-up check takes the lock or refuses (exit 2)
                assert isinstance(lost.value, TryAgainLater)
    finally:
        store.close()
        other.close()


@pytest.mark.postgres
async def test_the_service_stops_before_polling_when_its_lock_was_taken_by_another(
    pg_url, feed_server, caplog
):
    """``storybot run``'s service checks the lock before each poll cycle (``run_service``)."""
    from storyworld import as_entry, feed_of, samples

    from adapters.app import build_app
    from adapters.service import run_service
    from bot.scheduler import Ticks
    from bot.settings import load_settings

    settings = load_settings(
        env={"STORYBOT_DATABASE_URL": pg_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    app = build_app(settings)
    feed_server.add_feed("/a.xml", feed_of(as_entry(samples("unrelated")[0])))
    app.store.add_feed(feed_server.url("/a.xml"), app.clock.now())  # due now
    other = open_store(pg_url)
    try:
        async with app.poller_lock("storybot run") as lock:
            [pid] = _holders(pg_url)
            _drop_connection(pg_url, pid)
            with poller_lock(other.engine, "storybot poll --once"):
                with pytest.raises(PollerLockLost, match="storybot run stops polling"):
                    await run_service(
                        app, ticks=Ticks(poll_s=0.05, deliver_s=0.05), poller_lock=lock
                    )
    finally:
        other.close()
    assert feed_server.hits("/a.xml") == 0, "no cycle polled beside the other process"
    assert any(
        r.levelno == logging.ERROR and "lost the poller lock" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.postgres
def test_a_lock_still_held_by_our_own_cut_off_session_is_taken_back(pg_url, caplog):
    """A network cut our side noticed and the server did not: the server keeps the old
    session and its lock. The check ends that session (ours) and takes the lock again,
    instead of taking it for another process's and stopping."""
    url = make_url(pg_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        store = open_store(through)
        try:
            with poller_lock(store.engine, "storybot run") as lock:
                [pid] = _holders(pg_url)
                proxy.cut()
                assert _holders(pg_url) == [pid]  # the server still has the old session
                with caplog.at_level(logging.WARNING, logger="storage.poller_lock"):
                    assert lock.check()
                [again] = _holders(pg_url)
                assert again != pid
                said = [r.getMessage() for r in caplog.records]
                assert any(f"earlier session (backend pid {pid})" in m for m in said), said
                assert "re-acquired on a new connection" in said[-1]
                with pytest.raises(PollerBusy):  # and it excludes a second poller again
                    with poller_lock(store.engine, "storybot poll --once"):
                        pass
            assert _holders(pg_url) == []
        finally:
            store.close()


@pytest.mark.postgres
def test_the_locks_connection_notices_a_network_cut_in_seconds_on_both_sides(pg_url):
    """Keepalives and a TCP user timeout on our side (libpq) and the server's, and a
    statement timeout: a check cannot hang for the kernel's 15 minutes."""
    store = open_store(pg_url)
    try:
        with poller_lock(store.engine, "storybot worker", shared=True) as lock:
            conn = lock._conn  # the lock's own session
            assert conn is not None
            server = {
                name: conn.execute(text(f"SHOW {name}")).scalar()
                for name in (
                    "statement_timeout",
                    "tcp_keepalives_idle",
                    "tcp_keepalives_interval",
                    "tcp_keepalives_count",
                    "tcp_user_timeout",
                    "application_name",
                )
            }
            dsn = conn.connection.dbapi_connection.info.dsn  # type: ignore[union-attr]
        assert server == {
            "statement_timeout": "15s",
            "tcp_keepalives_idle": "15",
            "tcp_keepalives_interval": "5",
            "tcp_keepalives_count": "3",
            "tcp_user_timeout": "30000",
            "application_name": "storybot worker (poller lock)",
        }
        for param in ("keepalives=1", "keepalives_idle=15", "tcp_user_timeout=30000"):
            assert param in dsn
    finally:
        store.close()


@pytest.mark.postgres
async def test_a_worker_takes_its_shared_lock_again_and_stops_beside_an_exclusive_holder(
    pg_url, caplog
):
    """``storybot worker`` checks its shared lock every heartbeat: dropped by the server
    (a restart), it is taken again; taken exclusively meanwhile (a ``storybot run``
    started in that window), the worker stops instead of polling beside it (exit 75)."""
    import asyncio

    from adapters.app import build_app
    from adapters.jobs.worker import WorkerOptions, run_worker
    from bot.settings import load_settings

    settings = load_settings(
        env={"STORYBOT_DATABASE_URL": pg_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    app = build_app(settings)
    other = open_store(pg_url)
    loop = asyncio.get_running_loop()

    async def _until(condition, timeout: float = 20.0) -> None:
        deadline = loop.time() + timeout
        while not await asyncio.to_thread(condition):
            assert loop.time() < deadline, "never came to pass"
            await asyncio.sleep(0.05)

    async def holders_become(wanted, timeout: float = 20.0) -> list[int]:
        deadline = loop.time() + timeout
        while not wanted(held := await asyncio.to_thread(_holders, pg_url)):
            assert loop.time() < deadline, f"poller lock holders stayed {held}"
            await asyncio.sleep(0.05)
        return held

    try:
        async with app.poller_lock("storybot worker", shared=True) as lock:
            options = WorkerOptions(queues=("poll",), heartbeat_s=0.1, stalled_after_s=1.0)
            worker = asyncio.create_task(run_worker(app, options, poller_lock=lock))
            [pid] = _holders(pg_url)
            await asyncio.to_thread(_drop_connection, pg_url, pid)
            [again] = await holders_become(lambda held: held and held != [pid])
            assert not worker.done()  # taken again: still working
            # A `storybot run` waits for the lock (exclusive) while the server drops the
            # worker's session: it has the lock before the worker's next check can.
            waiting = other.engine.connect()
            taking = asyncio.create_task(
                asyncio.to_thread(
                    waiting.execute,
                    text("SELECT pg_advisory_lock(:k, hashtext(current_schema()))"),
                    {"k": _PG_CLASS},
                )
            )
            await _until(lambda: _waiters(pg_url) == 1)
            await asyncio.to_thread(_drop_connection, pg_url, again)
            await asyncio.wait_for(taking, 20)
            [holder] = _holders(pg_url)
            try:
                with pytest.raises(PollerLockLost) as lost:
                    await asyncio.wait_for(worker, 60)
            finally:
                waiting.close()
        message = str(lost.value)
        assert "storybot worker stops polling" in message
        assert f"backend pid {holder}" in message
        assert isinstance(lost.value, TryAgainLater)  # exit 75
        assert any(
            r.levelno == logging.ERROR and "lost the poller lock" in r.getMessage()
            for r in caplog.records
        )
    finally:
        other.close()


def _waiters(url: str) -> int:
    """Sessions waiting for an advisory lock of the test's database."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND NOT granted AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    )
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_roles_idle_in_transaction_timeout_does_not_end_the_locks_transaction(pg_url):
    """The lock is held by a transaction left open (so that it works behind a pooler in
    transaction mode); a DBA's idle_in_transaction_session_timeout (here the session's
    default, as a role's setting would give it) is off for that transaction alone."""
    url = make_url(pg_url)
    options = f"{url.query['options']} -cidle_in_transaction_session_timeout=500"
    store = open_store(url.update_query_dict({"options": options}).render_as_string(False))
    try:
        with poller_lock(store.engine, "storybot run") as lock:
            conn = lock._conn
            assert conn is not None and conn.in_transaction()
            setting = text("SHOW idle_in_transaction_session_timeout")
            assert conn.execute(setting).scalar() == "0"
            assert lock.check() and conn.in_transaction()
        with store.engine.connect() as other:  # the store's own connections keep it
            assert other.execute(setting).scalar() == "500ms"
    finally:
        store.close()
