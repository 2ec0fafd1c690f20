"""``storybot worker --no-listen`` and ``--check-every``: a worker that never LISTENs.

Behind a pooler in transaction mode (PgBouncer's) the job queue's ``LISTEN`` cannot work:
the listening server connection goes back to the pooler's pool, and the pooler closes it
at the next notification. Such a worker must still run the jobs queued after it started,
found by checking the queue every ``--check-every`` seconds (see also test_pgbouncer).
"""

from __future__ import annotations

import logging

import pytest
from feedserver import Route, feed_server  # noqa: F401  (fixture)
from storyworld import as_entry, feed_of, make_world, samples
from test_scaleout_jobs import pg_dsn  # noqa: F401  (fixture)
from worker_run import run_one_poll_job

from adapters.cli_parser import build_parser
from adapters.jobs.cli import worker_options
from adapters.jobs.worker import WorkerOptions, check_options
from bot.errors import UserError

pytestmark = pytest.mark.postgres
pytest_plugins = ["store_fixtures"]  # pg_url, under pg_dsn


@pytest.mark.parametrize("listen", [False, True])
async def test_a_worker_runs_a_job_queued_after_it_started_with_or_without_listen(
    pg_dsn,  # noqa: F811
    feed_server,  # noqa: F811
    clock,
    listen,
):
    path = "/news.xml"
    feed_server.add(path, Route(body=feed_of(as_entry(samples("unrelated")[0], 0))))
    world = make_world(pg_dsn, clock)
    options = WorkerOptions(queues=("poll",), listen=listen, check_every_s=0.2)
    run = await run_one_poll_job(world, options, pg_dsn, feed_server, path, direct_dsn=pg_dsn)
    # without LISTEN no connection of the worker's ever ran one; with it, its own
    assert run.listening == (1 if listen else 0)
    # found by the next check, 0.2 s on: well before procrastinate's default 5 s
    assert run.picked_up_s < 3, run


def test_the_worker_options_from_the_command_line():
    parser = build_parser()
    default = worker_options(parser.parse_args(["worker"]))
    assert (default.listen, default.check_every_s) == (True, 5.0)
    given = worker_options(parser.parse_args(["worker", "--no-listen", "--check-every", "1.5"]))
    assert (given.listen, given.check_every_s) == (False, 1.5)
    with pytest.raises(SystemExit):
        parser.parse_args(["worker", "--check-every", "0"])
    with pytest.raises(UserError, match="--check-every"):
        check_options(WorkerOptions(check_every_s=0), "postgresql://u@h/db")


def test_a_store_cap_below_the_workers_concurrency_is_warned_of_at_start(tmp_path, caplog):
    """Jobs go through the store: with fewer connections than jobs at once they wait for
    one (up to 30 s, then fail), which reads as a slow worker unless the log says why."""
    from adapters.jobs.worker import _warn_of_a_small_pool
    from bot.settings import load_settings

    config = tmp_path / "small.toml"
    config.write_text("[database]\npool_size = 1\nmax_overflow = 2\n", encoding="utf-8")
    settings = load_settings(config, env={})
    with caplog.at_level(logging.WARNING, logger="adapters.jobs.worker"):
        _warn_of_a_small_pool(settings, 3)
        assert caplog.records == []
        _warn_of_a_small_pool(settings, 4)
    [warning] = [r.getMessage() for r in caplog.records]
    assert "pool_size + max_overflow (3) is below --concurrency (4)" in warning
