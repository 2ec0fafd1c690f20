"""Issue #6, bullet 4: a database that is briefly unavailable delays work, never loses it.

The service's jobs run through ``Service._guard`` exactly as the scheduler runs them: a job
that raises is logged ("... job failed; it will run again at the next tick") and the
service goes on. Here a poll job and a delivery job run while the database cannot be
written (a SQLite file locked by another process's transaction; PostgreSQL stopped and
started again), then again once it is back: the items are stored, the alert is delivered
exactly once, the feed's poll is recorded - delayed, not lost.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from feedbuilder import entry, rss
from feedserver import FeedServer, feed_server_fixture  # noqa: F401 - the feed_server fixture
from sqlalchemy import create_engine, event, text
from store_fixtures import PG_CONFIG_DIR, installed_pg_versions
from storyworld import make_world

from bot.scheduler import Service

PG_ADMIN = (
    os.environ.get("STORYBOT_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"
)


def _zebra_feed() -> bytes:
    return rss(
        [
            entry(
                1,
                title="Zebra crossing upgrade announced for the high street",
                guid="urn:zebra:1",
                link="https://local.example/zebra",
                # this morning, by the test clock: news, so a subscriber is told
                published="Thu, 05 Mar 2026 07:00:00 GMT",
            )
        ]
    )


def _subscribe(world) -> None:
    """A keyword subscription on the console: every matching item is one notice."""
    world.app.store.add_subscription("console", "me", "zebra", None, world.clock.now())
    world.app.pipeline.invalidate_subscriptions()


def _notices(world) -> list:
    return [m for _, m in world.console.posted if m.kind.value == "notice"]


async def _run_job(service: Service, name: str) -> None:
    job = {"poll": service.poll_once, "deliver": service.deliver_once}[name]
    await service._guard(name, job)()  # what APScheduler calls at each tick


def _quick_lock_world(path, clock, busy_timeout_ms: int = 200):
    """A world on the SQLite file ``path`` whose connections wait only 0.2 s for a lock
    (production waits 10 s; ``busy_timeout_ms`` 0: not at all, as when the wait ran
    out), and a service that runs its jobs as the scheduler would."""
    world = make_world(f"sqlite:///{path}", clock)
    event.listen(
        world.app.store.engine,
        "connect",
        lambda c, _: c.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}"),
    )
    world.app.store.engine.dispose()
    return world, Service(world.app.pipeline, world.app.delivery, world.app.store, clock)


def _failed(caplog, name: str) -> bool:
    return any(
        f"{name} job failed; it will run again at the next tick" in r.getMessage()
        for r in caplog.records
    )


async def test_a_locked_sqlite_database_delays_work_and_loses_none(
    feed_server: FeedServer, tmp_path, clock, caplog
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "storybot.db"
    world, service = _quick_lock_world(path, clock)
    await _run_job(service, "poll")  # the service is running: its story is tracked
    assert not _failed(caplog, "poll")
    _subscribe(world)
    feed_server.add_feed("/a.xml", _zebra_feed())
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        await _run_job(service, "poll")
        assert _failed(caplog, "poll")
    finally:
        other.execute("ROLLBACK")
    [feed] = world.app.store.list_feeds()
    assert feed.last_polled_at is None, "the failed poll is not recorded: the feed stays due"

    await _run_job(service, "poll")  # the next tick
    [feed] = world.app.store.list_feeds()
    assert feed.last_polled_at is not None and world.app.store.count_items() == 1
    assert world.app.store.outbox_counts().get("pending") == 1

    caplog.clear()
    other.execute("BEGIN IMMEDIATE")
    try:
        await _run_job(service, "deliver")
        assert _failed(caplog, "deliver")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _notices(world) == [], "nothing is posted while its start cannot be recorded"
    await _run_job(service, "deliver")
    assert len(_notices(world)) == 1
    assert world.app.store.outbox_counts().get("pending", 0) == 0
    await world.app.aclose()


async def test_a_database_locked_at_the_first_tick_loses_no_alert(
    feed_server: FeedServer, tmp_path, clock, caplog
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "storybot.db"
    world, service = _quick_lock_world(path, clock)
    _subscribe(world)
    feed_server.add_feed("/a.xml", _zebra_feed())
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        await _run_job(service, "poll")  # the first tick after a start
        assert _failed(caplog, "poll")
    finally:
        other.execute("ROLLBACK")
        other.close()
    try:
        await _run_job(service, "poll")
        await _run_job(service, "deliver")
        assert world.app.store.get_development(world.story.id, 0) is not None
        assert len(_notices(world)) == 1
    finally:
        await world.app.aclose()


def _cluster_version(config_dir: Path = PG_CONFIG_DIR) -> str:
    """The PostgreSQL version whose cluster ``main`` the restart test stops and starts:
    the newest installed, by number (``store_fixtures.installed_pg_versions``)."""
    versions = installed_pg_versions(config_dir)
    assert versions, f"no PostgreSQL version in {config_dir}"
    return versions[-1]


def _pg(action: str) -> None:
    version = _cluster_version()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("installed", "newest"), [(["15"], "15"), (["9.6", "15", "10"], "15"), (["9", "13"], "13")]
)
def test_the_restart_test_controls_the_newest_installed_postgresql_by_number(
    tmp_path, installed, newest
):
    """By number: "9.6" sorts after "15" as text, and the test restarted the wrong cluster."""
    for version in installed:
        (tmp_path / version).mkdir()
    assert _cluster_version(tmp_path) == newest


def _pg_ready(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (
        subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], timeout=10, check=False).returncode
        != 0
    ):
        if time.monotonic() > deadline:
            raise AssertionError("PostgreSQL did not come back")
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.postgres
async def test_postgresql_restarted_mid_run_delays_work_and_loses_none(
    feed_server: FeedServer, clock, caplog
) -> None:
    if (
        os.environ.get("STORYBOT_SKIP_POSTGRES") == "1"
        or os.geteuid() != 0
        or not os.path.isdir("/etc/postgresql")
    ):
        pytest.skip("needs a local PostgreSQL cluster this test may restart (root)")
    caplog.set_level(logging.INFO)
    name = f"storybot_restart_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    world = None
    try:
        world = make_world(url, clock)
        service = Service(world.app.pipeline, world.app.delivery, world.app.store, clock)
        await _run_job(service, "poll")  # running: the story is tracked
        _subscribe(world)
        feed_server.add_feed("/a.xml", _zebra_feed())
        world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
        assert world.app.store.count_items() == 0  # the pool holds live connections now

        _pg("stop")
        try:
            await _run_job(service, "poll")
            assert _failed(caplog, "poll")
        finally:
            _pg("start")
            _pg_ready()
        await _run_job(service, "poll")  # the next tick: the pool reconnects
        assert world.app.store.count_items() == 1
        [feed] = world.app.store.list_feeds()
        assert feed.last_polled_at is not None

        caplog.clear()
        _pg("restart")  # every pooled connection is now dead
        _pg_ready()
        await _run_job(service, "deliver")
        if _failed(caplog, "deliver"):  # a stale connection may fail one tick
            await _run_job(service, "deliver")
        assert len(_notices(world)) == 1
        assert world.app.store.outbox_counts().get("pending", 0) == 0
    finally:
        _pg_ready()
        if world is not None:
            await world.app.aclose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def test_a_crash_between_storing_and_judging_loses_no_notice_without_stories(
    feed_server: FeedServer, tmp_path, clock
) -> None:
    from bot.identity import new_item
    from bot.model import FeedEntry

    world = make_world(f"sqlite:///{tmp_path / 'storybot.db'}", clock, follow=False)
    world.app.store.remove_story("demo")
    _subscribe(world)
    feed_server.add_feed("/a.xml", _zebra_feed())
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    # The killed cycle stored the item, then died before judging it and recording the poll.
    stored = FeedEntry(
        guid="urn:zebra:1",
        url="https://local.example/zebra",
        published=None,
        title="Zebra crossing upgrade announced for the high street",
        summary="",
        content="",
    )
    world.app.store.ingest_item(new_item(stored, feed.id, "Example News", clock.now()))
    try:
        await world.app.pipeline.poll_due()
        await world.app.delivery.deliver_due()
        assert len(_notices(world)) == 1
    finally:
        await world.app.aclose()


async def test_a_job_failing_every_tick_logs_its_traceback_once_and_says_when_it_works_again(
    tmp_path, clock, caplog
) -> None:
    # a full disk or a long lock fails every tick (deliveries: every 2 s); a traceback each
    # time buried the log, perhaps on the full disk itself
    caplog.set_level(logging.INFO)
    path = tmp_path / "storybot.db"
    world, service = _quick_lock_world(path, clock, busy_timeout_ms=0)  # fails at once
    _subscribe(world)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # every read and write of the tick fails
    try:
        for _ in range(5):
            await _run_job(service, "poll")
    finally:
        other.execute("ROLLBACK")
        other.close()
    lines = [r for r in caplog.records if r.name == "bot.scheduler"]
    assert sum(1 for r in lines if r.exc_info) == 1, [r.getMessage() for r in lines]
    again = [r.getMessage() for r in lines if "failed again" in r.getMessage()]
    assert [int(m.split(", ")[1].split()[0]) for m in again] == [2, 4], again
    assert all("database is locked" in m for m in again), again
    await _run_job(service, "poll")
    assert "poll job works again, after 5 failed ticks" in caplog.text
    await world.app.aclose()


async def test_the_same_failure_with_other_parameters_each_tick_is_one_failure(
    tmp_path, clock, caplog
) -> None:
    # a database error goes on with its statement and parameters, which hold the tick's
    # own times: read whole, every tick's failure was a new one, with a new traceback
    caplog.set_level(logging.INFO)
    world, service = _quick_lock_world(tmp_path / "storybot.db", clock)
    ticks = iter(range(100))

    async def full_disk() -> None:
        raise sqlite3.OperationalError(
            f"database or disk is full\n[SQL: INSERT ...]\n[parameters: ('tick {next(ticks)}',)]"
        )

    for _ in range(4):
        await service._guard("poll", full_disk)()
    lines = [r for r in caplog.records if r.name == "bot.scheduler"]
    assert sum(1 for r in lines if r.exc_info) == 1, [r.getMessage() for r in lines]
    assert [r.getMessage() for r in lines if "failed again" in r.getMessage()] == [
        "poll job failed again, 2 ticks in a row (the same error; it will run again at the "
        "next tick): OperationalError: database or disk is full",
        "poll job failed again, 4 ticks in a row (the same error; it will run again at the "
        "next tick): OperationalError: database or disk is full",
    ]
    await world.app.aclose()
