"""How many PostgreSQL connections a store opens: ``[database] pool_size`` and ``max_overflow``.

Each PostgreSQL server takes a fixed number of connections (``max_connections``, 100 by
default), shared by every storybot process: an operator running several workers must be
able to cap what each one opens. Counted on the server (``pg_stat_activity``, by the
``application_name`` the test gives the store's URL) while more threads than the cap use
the store at once; each thread holds its connection until as many are held as the cap
allows, so the peak is reached, not merely hoped for.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from adapters.app import build_app
from bot.settings import load_settings
from storage import SqlStore, open_store

pytest_plugins = ["store_fixtures"]

THREADS = 9


def _named(url: str) -> tuple[str, str]:
    """``url`` with an ``application_name`` of its own, and that name."""
    name = f"storybot_cap_{secrets.token_hex(4)}"
    named = make_url(url).update_query_dict({"application_name": name})
    return named.render_as_string(hide_password=False), name


def _peak_connections(
    store: SqlStore, url: str, name: str, held_together: int, now: datetime
) -> list[int]:
    """Run ``THREADS`` store calls at once; the server's count of the store's connections
    each call saw while ``held_together`` calls held theirs (a divisor of ``THREADS``),
    then how many connections the store's pool keeps open when idle."""
    monitor = create_engine(url, poolclass=NullPool)  # (its own application_name: not counted)
    together = threading.Barrier(held_together, timeout=5)
    seen: list[int] = []

    def count() -> int:
        with monitor.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": name},
                ).scalar_one()
            )

    def on_checkout(*_: object) -> None:
        try:
            together.wait()  # as many connections as may be held are held now
        except threading.BrokenBarrierError:
            # A later group may never fill: a thread that found the overflow connection
            # taken waits for a pooled one to come back (QueuePool does not wake it when
            # the overflow is closed on its return), while those who hold the pooled ones
            # wait here for it. The first group always fills (nothing is returned before
            # it does), and it is the one that reaches the cap; the rest count unpaced.
            pass
        seen.append(count())

    event.listen(store.engine, "checkout", on_checkout)
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            calls = [
                pool.submit(store.add_feed, f"https://e{i}.example/feed.xml", now)
                if i % 2
                else pool.submit(store.list_feeds)
                for i in range(THREADS)
            ]
            for call in calls:
                call.result()
    finally:
        event.remove(store.engine, "checkout", on_checkout)
    monitor.dispose()
    # the pool's own count: the server's (pg_stat_activity) lags a closed connection while
    # its backend process exits, which a loaded machine showed (3 for 2)
    return [*seen, store.engine.pool.checkedin()]


@pytest.mark.postgres
def test_a_store_never_holds_more_connections_than_pool_size_plus_max_overflow(pg_clean_url, clock):
    url, name = _named(pg_clean_url)
    store = open_store(url, pool_size=2, max_overflow=1)
    try:
        *seen, idle = _peak_connections(store, pg_clean_url, name, held_together=3, now=clock.now())
        assert len(seen) == THREADS
        assert max(seen) == 3, seen  # reached, never passed
        assert idle == 2  # the overflow connection is closed once returned
        assert len(store.list_feeds()) == THREADS // 2
    finally:
        store.close()


@pytest.mark.postgres
def test_by_default_a_store_opens_a_connection_for_each_concurrent_call(pg_clean_url, clock):
    """SQLAlchemy's defaults (5 + 10) as before the settings: nine calls at once, nine
    connections; the five of the pool stay open."""
    url, name = _named(pg_clean_url)
    store = open_store(url)
    try:
        *seen, idle = _peak_connections(
            store, pg_clean_url, name, held_together=THREADS, now=clock.now()
        )
        assert max(seen) == THREADS, seen
        assert idle == 5
    finally:
        store.close()


@pytest.mark.postgres
def test_the_database_settings_cap_the_store_storybot_builds(pg_clean_url, tmp_path, clock):
    """``[database] pool_size`` and ``max_overflow`` reach the store of ``build_app``, which
    ``run``, ``worker`` and ``poll`` use."""
    url, name = _named(pg_clean_url)
    config = tmp_path / "storybot.toml"
    config.write_text("[database]\npool_size = 1\nmax_overflow = 2\n", encoding="utf-8")
    settings = load_settings(config, env={"STORYBOT_DATABASE_URL": url})
    app = build_app(settings, clock=clock, declared=False)
    try:
        # what open_store does with the two numbers is measured above; here, that they
        # reach it (counting this app's checkouts with a barrier broke now and then: an
        # app's call may check a connection out twice)
        pool = app.store.engine.pool
        held = [app.store.engine.connect() for _ in range(3)]
        try:
            assert (pool.size(), pool.overflow(), pool.checkedout()) == (1, 2, 3)
            assert pool._max_overflow == 2  # type: ignore[attr-defined]
        finally:
            for conn in held:
                conn.close()
        assert pool.overflow() == 0 and pool.checkedin() == 1
    finally:
        app.store.close()


@pytest.mark.parametrize("where", ["memory", "file"])
def test_sqlite_takes_the_settings_and_is_left_as_it_was(tmp_path, where):
    """No server's connections to spare: a SQLite store opens as before with any cap."""
    url = "sqlite://" if where == "memory" else f"sqlite:///{tmp_path / 'cap.db'}"
    store = open_store(url, pool_size=1, max_overflow=0)
    try:
        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(lambda _: store.list_feeds(), range(4))) == [[]] * 4
        # as SQLAlchemy makes it: one shared connection in memory, a pool of 5 for a file
        pool_kind = type(store.engine.pool).__name__
        assert pool_kind == "StaticPool" if where == "memory" else store.engine.pool.size() == 5
    finally:
        store.close()
