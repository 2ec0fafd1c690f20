"""``storybot run`` in this test's process, stopped as an operator stops it: with SIGTERM.

``main(["run"])`` runs until a signal. A test that runs it in-process (to read what it left
in the database) needs it stopped once it is up, and a test that expects it refused before
it starts must not hang if a change lets it start. :func:`run_stopped_once_started` does
both with the real service and a real signal, no stand-in for storybot's code: a thread
waits for the service's "console adapter started" log line (logged after the service
installed its signal handlers) and sends this process SIGTERM, which the service takes as
a stop; if that line never comes it signals after ``give_up_s`` all the same, so nothing
hangs (a service that should not have started then stops and the test's assertions say
so; a command stuck before the service took the signals is ended with the test's process,
which the run reports as a crash), and it sends nothing once the command has returned.

Only for the main thread (pytest's, also under pytest-xdist), where the service's event
loop can handle signals.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

STARTED = "console adapter started"  # adapters.app, once the console adapter runs


@dataclass
class Run:
    """What became of the in-process command."""

    exit_code: int
    started: bool  # the service said its console adapter started (it was then stopped)
    signalled: bool  # this helper sent SIGTERM


class _Started(logging.Handler):
    """Sets its events when the service logs that its console adapter started."""

    def __init__(self, *events: threading.Event) -> None:
        super().__init__(logging.INFO)
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == STARTED:
            for event in self.events:
                event.set()


def run_stopped_once_started(command: Callable[[], int], give_up_s: float = 30.0) -> Run:
    """Call ``command`` (``lambda: main([...])``) and stop the service it starts, if any.

    Args:
        command: What runs the command in this process and returns its exit code.
        give_up_s: How long to wait for the service to say it started before signalling
            anyway; a command that returns first is never signalled.

    Returns:
        Its exit code, whether the service started, and whether SIGTERM was sent.
    """
    assert threading.current_thread() is threading.main_thread(), "signals need the main thread"
    started, wake, returned, signalled = (threading.Event() for _ in range(4))
    lock = threading.Lock()  # a signal is sent only while the command still runs

    def stop_when_started() -> None:
        wake.wait(give_up_s)
        with lock:
            if not returned.is_set():
                signalled.set()
                os.kill(os.getpid(), signal.SIGTERM)

    handler = _Started(started, wake)
    source = logging.getLogger("adapters.app")
    source.addHandler(handler)
    watcher = threading.Thread(target=stop_when_started, daemon=True)
    watcher.start()
    try:
        code = command()
    finally:
        with lock:
            returned.set()
        wake.set()  # the watcher ends now, sending nothing
        watcher.join()
        source.removeHandler(handler)
    return Run(code, started=started.is_set(), signalled=signalled.is_set())
