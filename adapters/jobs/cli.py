"""The ``storybot worker`` sub-command: options from the command line, then ``run_worker``."""

from __future__ import annotations

import argparse

from adapters.app import App
from adapters.jobs.worker import WorkerOptions, parse_queues, run_worker


async def worker(app: App, args: argparse.Namespace) -> int:
    """Run a worker with the options given on the command line."""
    import os
    import socket

    options = WorkerOptions(
        queues=parse_queues(args.queues),
        concurrency=args.concurrency,
        heartbeat_s=args.heartbeat,
        stalled_after_s=args.stalled_after,
        stop_grace_s=args.stop_grace,
        name=f"{socket.gethostname()}:{os.getpid()}",
    )
    # shared: workers side by side, never beside an in-process poller (storage.poller_lock)
    with app.poller_lock("storybot worker", shared=True):
        return await run_worker(app, options)
