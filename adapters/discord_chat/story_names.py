"""Story names for ``/story`` autocomplete, read off the event loop and never late.

Discord gives an autocomplete interaction the same 3 seconds as a command to be answered,
and it cannot be deferred. The names come from the database, which can be slow (a
PostgreSQL under load, an SQLite file a poll cycle is writing): read on the event loop,
such a read held up every other interaction and the gateway heartbeat with it. So the
names are read in a thread, one read at a time (the keystrokes of a slow read wait for
that read instead of each taking a thread of the default pool, which the commands and the
pipeline share), and a read slower than ``wait_s`` is answered with the names the last
read gave: a suggestion a moment out of date beats none, and the answer is in time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class StoryNames:
    """The current story names, or the last ones read when the database is slow.

    Args:
        read: Reads the names (blocking: ``Commands.story_names``).
        wait_s: How long an autocomplete waits for a read before answering with the
            last names read (none before the first read finished).
    """

    def __init__(self, read: Callable[[], list[str]], wait_s: float) -> None:
        self._read = read
        self._wait_s = wait_s
        self._last: list[str] = []
        self._reading: asyncio.Future[list[str]] | None = None

    async def get(self) -> list[str]:
        """The story names, within ``wait_s``."""
        if self._reading is None:
            reading = asyncio.ensure_future(asyncio.to_thread(self._read))
            reading.add_done_callback(self._read_done)
            self._reading = reading
        try:
            return await asyncio.wait_for(asyncio.shield(self._reading), self._wait_s)
        except TimeoutError:
            log.warning(
                "story names not read within %.1f s (a slow database?): autocomplete "
                "offers the last names read",
                self._wait_s,
            )
        except Exception:
            pass  # logged once by _read_done
        return list(self._last)

    def _read_done(self, reading: asyncio.Future[list[str]]) -> None:
        self._reading = None
        if reading.cancelled():
            return
        exc = reading.exception()
        if exc is not None:
            log.error("could not read the story names for autocomplete", exc_info=exc)
            return
        self._last = reading.result()
