"""How many requests may run at once: in all, and to one host.

Shared by the feed fetcher and the page reader. A request takes its host's slot first,
then a global one, so requests queued behind one busy host do not sit on global slots
meanwhile (one slow site cannot starve the others).

The semaphores belong to the event loop they were made on (one that has made a task wait
is bound to that loop), so they are made again when requests come from another loop (a
second ``asyncio.run`` in the same process).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit


class HostLimits:
    """At most ``total`` requests at once, and at most ``per_host`` to one host."""

    def __init__(self, total: int, per_host: int) -> None:
        self._total = total
        self._per_host = per_host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all = asyncio.Semaphore(total)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a slot for a request to ``url`` (its host's, then a global one)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._all = asyncio.Semaphore(self._total)
            self._hosts = {}
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        async with per_host, self._all:
            yield
