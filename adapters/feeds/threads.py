"""``OwnThreads``: a few threads of a component's own for the CPU work of a poll cycle.

``asyncio.to_thread`` queues work in the event loop's default pool, where ``/story``
commands are answered (``bot.commands``) and the store is called. A component that hands
that pool many CPU-heavy tasks at once during a cycle makes a command wait behind all of
them: parsing every feed fetched made ``/story status`` wait up to 3 s at p99 while the
200 real feeds were polled (``benchmarks/load.py --corpus``). Such work runs here instead:
in a small pool of the component's own, made on first use (a reader or fetcher that is
never used starts no thread) and let go by :meth:`OwnThreads.shutdown` when the component
closes; used again after that, it makes new threads.

Two threads are the usual size: parsing and extraction hold the GIL most of their time, so
more threads would not finish sooner; two let lxml's C work (which releases it) overlap
with the Python around it. The address guard's name lookups (``getaddrinfo``, which
blocks without holding the GIL) have a pool of their own too, a larger one
(``adapters.feeds.netguard.SystemLookup``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class OwnThreads:
    """A small thread pool, made on first use, for one component's CPU-heavy work.

    Args:
        count: Threads at most.
        name: The threads' name prefix (``storybot-parse``: what a thread dump shows).
    """

    def __init__(self, count: int, name: str) -> None:
        self._count = count
        self._name = name
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        # one pool made, and let go, at a time: a component may be used from threads
        # running loops of their own (a host check in ``asyncio.run``) as well as its own
        self._lock = threading.Lock()

    async def run(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """``fn(*args, **kwargs)`` in one of these threads, awaited on the running loop."""
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self._count, thread_name_prefix=self._name
                )
            future = self._pool.submit(fn, *args, **kwargs)
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Let the threads end; a task under way finishes on its own, none waits for it."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool = None
