"""How long a worker has been connected to the job queue, for the stall sweep's grace.

A worker judges another stalled when that worker's heartbeat is older than
``--stalled-after``. After an outage shared by every worker (the database restarted, the
network between the machines and the database was down), every heartbeat is as old as
the outage: the first worker back judged the others stalled and put back the jobs they
were still running (a poll, a delivery waiting on the chat platform), which then ran
twice. Here a worker judges others only once it has itself been connected for
``--stalled-after``: a live worker has reconnected and beaten by then, and a worker
that has not is as dead as one silent that long while the database was up.

Connected means: the worker (re)started on a working database, and since then its own
queries every heartbeat (:func:`adapters.jobs.worker._sweep_lost_jobs`) got through
with no gap longer than ``max_gap_s``; a failed query, a stopped worker or such a gap
(a query that waited for the database) starts the count again.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Connection:
    """Since when this worker's job queue has been reachable without a break.

    Args:
        max_gap_s: Two successful contacts further apart than this mean the database
            was away in between.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(self, max_gap_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_gap_s = max_gap_s
        self._clock = clock
        self._since: float | None = None  # the first contact of the current unbroken run
        self._last: float | None = None  # the latest contact

    def ok(self) -> None:
        """A query of this worker's just got through."""
        now = self._clock()
        if self._since is None or self._last is None or now - self._last > self.max_gap_s:
            self._since = now
        self._last = now

    def lost(self) -> None:
        """A query failed, or the worker stopped: the count starts again at the next ok."""
        self._since = self._last = None

    def connected_for(self) -> float:
        """Seconds of unbroken connection up to now; 0 when lost or silent too long."""
        now = self._clock()
        if self._since is None or self._last is None or now - self._last > self.max_gap_s:
            return 0.0
        return now - self._since
