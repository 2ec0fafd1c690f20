"""What a test that hangs leaves in the output before the run is ended.

A test that never ends used to cost CI its whole time limit and said nothing of why: the
run was killed from outside and its output stopped at the hanging test's dots. pytest's
``faulthandler_timeout`` (with ``faulthandler_exit_on_timeout``, set in pyproject.toml)
now dumps every thread's stack and ends the run; this module prints, a little earlier
(:func:`report_after`), what the stacks do not show: where each waiting asyncio task waits
(a hung asyncio test's main thread shows only the event loop's ``select``), and what
PostgreSQL says the test databases' connections are doing (a lock wait, a transaction
left open).

It writes to a copy of stderr taken before pytest captures output, so the lines reach
the terminal (and CI's log) even though the hanging test's own output is captured.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Sequence


def report_after(exit_s: float) -> float:
    """When to print the database snapshot, for stacks dumped (and the run ended) at
    ``exit_s``: a little before, so that the stacks stay the last thing printed."""
    return exit_s - min(30.0, exit_s / 10)


def activity_query(where: str) -> str:
    """The query listing PostgreSQL's connections that match ``where`` (SQL), but this one:
    state, wait, open transaction's age, who blocks them and their statement."""
    return f"""
SELECT pid, datname, application_name, client_port, state, wait_event_type, wait_event,
       round(extract(epoch FROM now() - xact_start)) AS xact_s,
       pg_blocking_pids(pid) AS blocked_by, left(regexp_replace(query, '\\s+', ' ', 'g'), 160)
FROM pg_stat_activity
WHERE {where} AND pid <> pg_backend_pid()
ORDER BY pid
"""


_ACTIVITY = activity_query("datname LIKE 'storybot_test_%'")
_COLUMNS = "pid db app port state wait_type wait xact_s blocked_by query".split()


def describe_activity(rows: Sequence[Sequence[object]]) -> list[str]:
    """One line per row of :func:`activity_query`: ``pid=… db=… state=…``."""
    return [" ".join(f"{n}={v!r}" for n, v in zip(_COLUMNS, row, strict=True)) for row in rows]


def database_activity(admin_url: str) -> list[str]:
    """One line per connection to a test database (``storybot_test_*``), or why none.

    Never raises: a report about a hang must not fail in its turn.
    """
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=5, autocommit=True) as conn:
            rows = conn.execute(_ACTIVITY).fetchall()
    except Exception as exc:  # noqa: BLE001 - the database may be the problem
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return [f"(PostgreSQL could not be asked: {why})"]
    if not rows:
        return ["(no connection to a test database)"]
    return describe_activity(rows)


def _every_task() -> list[asyncio.Task[object]]:
    """Every loop's tasks, read from any thread: ``asyncio.all_tasks`` wants the loop's own
    thread or the loop, which a watcher of a hung test does not have. Python 3.11 keeps them
    in one WeakSet (``_all_tasks``); 3.12 and 3.13 in a WeakSet of scheduled tasks and a set
    of eager ones. Both private: this is a test's hang report, not storybot."""
    every = getattr(asyncio.tasks, "_all_tasks", None)
    if every is not None:
        return list(every)
    scheduled = getattr(asyncio.tasks, "_scheduled_tasks", ())
    eager = getattr(asyncio.tasks, "_eager_tasks", ())
    return [*scheduled, *eager]


def pending_tasks() -> list[str]:
    """Each asyncio task not done, with where it waits (its chain of awaits, innermost
    last): a hung asyncio test shows only the event loop's ``select`` in the thread stacks.

    Read from another thread while the loop is stuck: good enough for a report.
    """
    lines = []
    for _ in range(10):  # the set may change while it is copied: the loop is not stuck
        try:
            tasks = _every_task()
            break
        except RuntimeError:
            continue
    else:
        return ["(the tasks changed while being listed: the event loop still runs)"]
    for task in tasks:
        if task.done():
            continue
        lines.append(f"{task.get_name()}:")
        awaited = task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
            if frame is not None:
                code = frame.f_code
                lines.append(f"    {code.co_filename}:{frame.f_lineno} in {code.co_name}")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return lines or ["(none)"]


class HangWatch:
    """Arms a timer per test; fired, it writes the test's name and ``report()``'s lines."""

    def __init__(
        self, fd: int, report: Callable[[], list[str]], after_s: float, exit_s: float
    ) -> None:
        self._fd = fd
        self._report = report
        self._after_s = after_s
        self._exit_s = exit_s
        self._timer: threading.Timer | None = None

    def start(self, nodeid: str) -> None:
        self.cancel()
        self._timer = threading.Timer(self._after_s, self._fire, args=(nodeid, time.time()))
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        self.cancel()
        os.close(self._fd)

    def _fire(self, nodeid: str, started: float) -> None:
        lines = [
            "",
            f"=== {nodeid} has run for {time.time() - started:.0f} s; "
            f"its stacks follow at {self._exit_s:.0f} s, then the run ends ===",
            "PostgreSQL's connections to the test databases:",
            *(f"  {line}" for line in self._report()),
            "asyncio tasks not done, each with its awaits (innermost last):",
            *(f"  {line}" for line in pending_tasks()),
            "",
        ]
        os.write(self._fd, "\n".join(lines).encode("utf-8", "replace"))
