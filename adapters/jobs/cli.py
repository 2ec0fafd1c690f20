"""The ``storybot worker`` sub-command: options from the command line, then ``run_worker``."""

from __future__ import annotations

import argparse

from adapters.app import App
from adapters.jobs.worker import WorkerOptions, check_options, parse_queues, run_worker
from bot.settings import Settings


def worker_options(args: argparse.Namespace) -> WorkerOptions:
    """The worker's options as given on the command line (see :func:`check_worker`)."""
    import os
    import socket

    return WorkerOptions(
        queues=parse_queues(args.queues),
        concurrency=args.concurrency,
        heartbeat_s=args.heartbeat,
        stalled_after_s=args.stalled_after,
        stop_grace_s=args.stop_grace,
        listen=not args.no_listen,
        check_every_s=args.check_every,
        name=f"{socket.gethostname()}:{os.getpid()}",
    )


def check_worker(settings: Settings, args: argparse.Namespace) -> None:
    """Refuse a worker the options or the database URL rule out, before the store is opened.

    Raises:
        UserError: an option is wrong (an unknown queue, ``--concurrency 0``).
        ConfigError: the database is not PostgreSQL.
    """
    check_options(worker_options(args), settings.database_url, settings.database_source)


async def worker(app: App, args: argparse.Namespace) -> int:
    """Run a worker with the options given on the command line."""
    options = worker_options(args)
    # shared: workers side by side, never beside an in-process poller (storage.poller_lock)
    async with app.poller_lock("storybot worker", shared=True) as lock:
        return await run_worker(app, options, poller_lock=lock)
