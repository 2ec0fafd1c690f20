"""The job queue's pool tries to reconnect at least every ``RECONNECT_EVERY_S`` in an outage.

psycopg_pool doubles the pause after each failed attempt (1, 2, 4, 8, 16, 32 s); after a
30 s outage a worker waiting for a connection (to record its stop, and restart) waited up
to half a minute with the database back (:mod:`adapters.jobs.pool`).
"""

from __future__ import annotations

import asyncio

import pytest
from fakes.tcp_proxy import tcp_proxy

from adapters.jobs import pool as job_pool_module
from adapters.jobs.pool import RECONNECT_EVERY_S, job_pool


def test_the_pause_between_attempts_to_reconnect_doubles_up_to_reconnect_every_s():
    attempt = job_pool_module._PromptAttempt(timeout=300.0)
    delays = []
    for t in range(12):
        attempt.update_delay(float(t))
        delays.append(attempt.delay)
    assert 0.9 <= delays[0] <= 1.1  # psycopg_pool's first pause, with its jitter
    assert delays[1] == pytest.approx(2 * delays[0])
    assert delays[2] == pytest.approx(4 * delays[0])
    assert delays[3:] == [RECONNECT_EVERY_S] * 9


def test_the_attempts_to_reconnect_still_end_at_the_pools_reconnect_timeout():
    attempt = job_pool_module._PromptAttempt(timeout=12.0)
    attempt.update_delay(0.0)
    attempt.update_delay(11.0)
    assert attempt.delay == pytest.approx(1.0)  # what is left until it gives up
    assert attempt.time_to_give_up(12.0)


@pytest.mark.slow
async def test_the_job_pool_tries_to_reconnect_at_least_every_reconnect_every_s(
    monkeypatch, caplog
):
    """At the wire: the pool's attempts through an outage come no further apart than the
    bound (0.5 s here, to keep the check short; psycopg_pool alone: 1, 2, 4 s), and only
    the first failed attempt is logged as a warning, not one line every half second."""
    monkeypatch.setattr(job_pool_module, "RECONNECT_EVERY_S", 0.5)
    with tcp_proxy("127.0.0.1", 9) as proxy:  # down: it closes every connection as it comes
        proxy.down()
        pool = job_pool(
            conninfo=f"host=127.0.0.1 port={proxy.port} dbname=x user=x connect_timeout=2",
            min_size=1,
            max_size=1,
            open=False,
        )
        try:
            await pool.open(wait=False)
            await asyncio.sleep(4.0)
        finally:
            await pool.close(timeout=1)
        times = list(proxy.refused_at)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) >= 6, gaps  # psycopg_pool alone: 3 (at 0, 1 and 3 s)
    assert max(gaps) < 0.5 + 0.3, gaps
    told = [r for r in caplog.records if r.getMessage().startswith("error connecting")]
    assert [r.levelname for r in told] == ["WARNING"], told
