"""A stopped scale-out worker restarts as soon as its unreachable database answers again.

Its pauses before restarting grow after each failed start (``RESTART_PAUSE_S``, to 30 s);
while the database is unreachable the worker tries it every ``PROBE_EVERY_S`` and ends the
pause once it answers (:func:`adapters.jobs.worker.pause_before_restart`). A worker that
failed while its database answered waits its whole pause.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from fakes.tcp_proxy import tcp_proxy
from sqlalchemy.engine import make_url
from storyworld import make_world

from adapters.jobs import worker as worker_module
from adapters.jobs.schema import conninfo, ensure_schema
from adapters.jobs.worker import (
    PROBE_EVERY_S,
    WorkerOptions,
    database_state,
    pause_before_restart,
    run_worker,
)

pytest_plugins = ["store_fixtures"]


class _Timeline:
    """A clock that ``wait`` moves on, and a probe that answers from a given time on."""

    def __init__(self, answers_from: float | None, state: str = "unreachable") -> None:
        self.now = 0.0
        self.answers_from = answers_from
        self.state = state  # before answers_from
        self.probes: list[float] = []
        self.stop_at: float | None = None

    def clock(self) -> float:
        return self.now

    async def wait(self, seconds: float) -> bool:
        if self.stop_at is not None and self.now + seconds >= self.stop_at:
            self.now = self.stop_at
            return True
        self.now += seconds
        return False

    async def probe(self) -> str:
        self.probes.append(self.now)
        if self.answers_from is not None and self.now >= self.answers_from:
            return "answers"
        return self.state


async def test_a_worker_whose_database_is_unreachable_restarts_once_it_answers(caplog):
    t = _Timeline(answers_from=12.5)
    with caplog.at_level(logging.INFO, logger="adapters.jobs.worker"):
        assert await pause_before_restart(30.0, t.probe, t.wait, t.clock)
    assert t.now == 13.0  # the first try after it came back, not 30 s
    assert t.probes == [float(s) for s in range(14)]  # at the start, then every second
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == (
        "worker stopped or could not start (the database is unreachable); "
        "restarting in 30 s, or as soon as it answers"
    ), lines
    assert lines[-1] == "the database answers again: restarting the worker now"


async def test_a_worker_that_failed_while_its_database_answered_waits_its_whole_pause(caplog):
    t = _Timeline(answers_from=0.0)
    with caplog.at_level(logging.WARNING, logger="adapters.jobs.worker"):
        assert not await pause_before_restart(30.0, t.probe, t.wait, t.clock, "; a note")
    assert (t.now, t.probes) == (30.0, [0.0])  # no restart every second of a failing worker
    [line] = [r.getMessage() for r in caplog.records]
    assert line == (
        "worker stopped or could not start (the database answers); restarting in 30 s; a note"
    ), line


async def test_a_database_that_refuses_the_worker_is_not_tried_every_second(caplog):
    t = _Timeline(answers_from=None, state="refuses")  # a password, a missing database
    with caplog.at_level(logging.WARNING, logger="adapters.jobs.worker"):
        assert not await pause_before_restart(30.0, t.probe, t.wait, t.clock)
    assert (t.now, t.probes) == (30.0, [0.0])
    [line] = [r.getMessage() for r in caplog.records]
    assert "(the database refuses the connection); restarting in 30 s" in line, line


async def test_the_pause_ends_when_the_database_stays_away_or_a_stop_is_asked_for():
    away = _Timeline(answers_from=None)
    assert not await pause_before_restart(5.0, away.probe, away.wait, away.clock)
    assert away.now == 5.0 and len(away.probes) == 5
    stopped = _Timeline(answers_from=None)
    stopped.stop_at = 2.5
    assert not await pause_before_restart(30.0, stopped.probe, stopped.wait, stopped.clock)
    assert stopped.now == 2.5 and stopped.probes == [0.0, 1.0, 2.0]


@pytest.mark.postgres
async def test_the_probe_tells_a_database_that_answers_from_one_unreachable_or_refusing(pg_url):
    """What the pause asks of the real server: it answers; a port nothing listens on is
    unreachable (tried again every second); a database the server does not have is refused
    (the configuration's to fix: the worker waits its whole pause)."""
    import socket

    dsn = conninfo(pg_url)
    assert await database_state(dsn) == "answers"
    with socket.create_server(("127.0.0.1", 0)) as sock:
        free = sock.getsockname()[1]  # closed again: nothing listens there
    url = make_url(pg_url)
    assert (
        await database_state(
            conninfo(url.set(host="127.0.0.1", port=free).render_as_string(hide_password=False))
        )
        == "unreachable"
    )
    missing = url.set(database="storybot_no_such_database").render_as_string(hide_password=False)
    assert await database_state(conninfo(missing)) == "refuses"


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_worker_that_could_not_start_runs_within_seconds_of_its_database_coming_back(
    pg_url, clock, monkeypatch
):
    """At the wire: the database is unreachable as the worker starts, its failed starts take
    it to a 30 s pause, and it runs about a second after the database is back."""
    monkeypatch.setattr(worker_module, "RESTART_PAUSE_S", (0.2, 0.4, 30.0))
    direct = conninfo(pg_url)
    ensure_schema(direct)
    url = make_url(pg_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        world = make_world(through, clock, follow=False)  # its store made before the outage
        proxy.down()
        task = asyncio.create_task(
            run_worker(world.app, WorkerOptions(queues=("poll",), name="R", heartbeat_s=0.3))
        )
        try:
            await asyncio.sleep(1.5)  # two failed starts, then into the 30 s pause
            assert not task.done()
            proxy.up()
            loop = asyncio.get_running_loop()
            back = loop.time()
            while not await _registered(direct):
                assert loop.time() - back < 5 * PROBE_EVERY_S, "the worker waited out its pause"
                await asyncio.sleep(0.1)
        finally:
            proxy.up()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    await world.app.aclose()


async def _registered(dsn: str) -> bool:
    import psycopg

    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        rows = await (await conn.execute("SELECT count(*) FROM procrastinate_workers")).fetchall()
    return rows[0][0] > 0
