"""The service's ticks when the system clock is stepped (NTP, an operator, a VM resumed).

APScheduler 3 wakes the poll, delivery and digest jobs by the wall clock. Set back, it
waited for the wall clock to reach the jobs' next run times again: an hour back, and
nothing was polled, delivered or digested for an hour. Set forward, it counted every
tick missed one interval at a time: a year forward, 15 million delivery ticks listed
(27 s with the event loop blocked, 875 MB) before they were collapsed into one run.

The wall clock APScheduler reads is ``datetime.now`` in its scheduler module; these tests
step that one (the operating system's clock, at the wire), never storybot's injected
clock, which decides what is due.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import apscheduler.schedulers.base
import pytest
from storyworld import make_world

from bot.scheduler import Service, Ticks


class _SteppedClock(datetime):
    """``datetime`` whose ``now`` is the system clock moved by ``step``."""

    step = timedelta(0)

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return datetime.now(tz) + cls.step


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> type[_SteppedClock]:
    monkeypatch.setattr(_SteppedClock, "step", timedelta(0))
    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", _SteppedClock)
    return _SteppedClock


async def test_polls_go_on_when_the_system_clock_is_set_back_an_hour(sqlite_url, clock, wall_clock):
    world = make_world(sqlite_url, clock)
    polled = asyncio.Event()

    async def before_poll() -> bool:
        polled.set()
        return False  # the tick is what is tested, not the poll

    service = Service(
        world.app.pipeline,
        world.app.delivery,
        world.app.store,
        clock,
        Ticks(poll_s=0.05, deliver_s=0.05, digest_s=0.05),
        before_poll=before_poll,
    )
    service.start()
    try:
        await asyncio.wait_for(polled.wait(), 10)
        wall_clock.step = -timedelta(hours=1)
        polled.clear()
        # it waited for the wall clock to catch up: an hour without a poll or a delivery
        await asyncio.wait_for(polled.wait(), 10)
        for job in service.scheduler.get_jobs():  # type: ignore[union-attr]
            assert job.next_run_time - wall_clock.now(timezone.utc) < timedelta(seconds=5)
    finally:
        await service.stop(drain_timeout_s=1)
        await world.app.aclose()


async def test_a_clock_set_a_month_forward_costs_one_run_of_each_job_not_one_per_tick_missed(
    sqlite_url, clock, wall_clock
):
    world = make_world(sqlite_url, clock)
    service = Service(world.app.pipeline, world.app.delivery, world.app.store, clock)
    service.start()
    try:
        later = datetime.now(timezone.utc) + timedelta(days=30)
        for job in service.scheduler.get_jobs():  # type: ignore[union-attr]
            # what APScheduler lists before collapsing them (coalesce): 1.3 million
            # delivery ticks here, 15 million for a year, a list built in one go
            assert len(job._get_run_times(later)) <= 2, job.id
    finally:
        await service.stop(drain_timeout_s=1)
        await world.app.aclose()
