"""SIGINT/SIGTERM for the long-running commands: the first stops cleanly, the second now.

``storybot run`` and ``storybot worker`` drain on a stop signal: the service waits up to
10 s for the poll cycle and the delivery in flight, a worker gives its running jobs
``--stop-grace`` (30 s). An operator who presses Ctrl-C again (or a supervisor that sends
SIGTERM again) wants the process gone: a signal that arrives while the process is already
stopping logs one line and cuts the drain short (``on_hurry`` cancels the work in flight),
and once it is closed the command raises :class:`StoppedNow`: the process exits with 128
+ the signal's number (130 for SIGINT, 143 for SIGTERM) instead of 0.

Stopping now loses nothing, for the reason a SIGKILL at any moment loses nothing
(``tests/test_reliability_service.py``): every piece of work is recorded only when it is
done, in one transaction. A poll cut short leaves its feeds due (they are polled at the
next start), a message whose post was cut off stays queued and is looked up by its
idempotency key before it is posted again, a worker's cancelled job runs again (retried,
or its feed is still due). What can
be closed is closed (the database, the HTTP clients), but the cleanup never holds the
process: if it has not finished ``bound_s`` seconds after the second signal, the process
exits with the same code anyway (a third signal exits at once). A transaction cut off that
way is rolled back, as after a crash.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable

from bot.duration import duration

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)
SECOND_SIGNAL = (
    "second signal: stopping now; anything not finished stays queued and is done at the next start"
)
# How long the cleanup after a second signal may take before the process exits anyway.
STOP_NOW_BOUND_S = 5.0


def exit_code(signum: int) -> int:
    """The exit code of a process stopped by signal ``signum`` (the shell's 128 + N)."""
    return 128 + int(signum)


class StoppedNow(Exception):
    """A second SIGINT/SIGTERM cut the drain short; raised once the cleanup is done.

    The command line exits with :attr:`exit_code` (130 for SIGINT, 143 for SIGTERM).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped now by signal {int(signum)}")
        self.signum = int(signum)
        self.exit_code = exit_code(signum)


class StopSignals:
    """Route SIGINT/SIGTERM: the first asks for a clean stop, the next one stops now.

    Args:
        stop: Set once the process is stopping (by the first signal, or by anything
            else: a signal that finds it set stops now).
        on_stop: Called for the first signal instead of ``stop.set`` (it must set
            ``stop``); defaults to ``stop.set``.
        on_hurry: Called for the second signal, on the event loop: cancel the work in
            flight so the drain ends now.
        bound_s: After the second signal the process exits with its code after this
            long, whatever the cleanup is doing.
        exit: Ends the process (``os._exit``; tests pass their own).
    """

    def __init__(
        self,
        stop: asyncio.Event,
        *,
        on_hurry: Callable[[], None],
        on_stop: Callable[[], None] | None = None,
        bound_s: float = STOP_NOW_BOUND_S,
        exit: Callable[[int], object] = os._exit,
    ) -> None:
        self.stop = stop
        self.on_stop = on_stop or stop.set
        self.on_hurry = on_hurry
        self.bound_s = bound_s
        self._exit = exit
        self.hurried_by: int | None = None  # the signal that said "stop now"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: threading.Timer | None = None
        self._finished = False

    def raise_if_hurried(self) -> None:
        """Raise :class:`StoppedNow` if a second signal cut the stop short."""
        if self.hurried_by is not None:
            raise StoppedNow(self.hurried_by)

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Handle SIGINT and SIGTERM on ``loop`` (not possible off the main thread: skipped)."""
        for sig in SIGNALS:
            try:
                loop.add_signal_handler(sig, self.received, sig)
            except (NotImplementedError, RuntimeError):
                return
        self._loop = loop

    def uninstall(self) -> None:
        """Give SIGINT and SIGTERM back their default handling (a pending bound stays)."""
        if self._loop is None or self._loop.is_closed():
            return
        for sig in SIGNALS:
            self._loop.remove_signal_handler(sig)
        self._loop = None

    def finished(self) -> None:
        """The stop is done: a signal from now on is no reason to hurry, and is ignored.

        ``timeout``, and supervisors that signal the process group as well as the
        process, send a second SIGTERM at once: arriving after a quick drain, it would
        report work cut short that had already ended.
        """
        self._finished = True

    def received(self, signum: int) -> None:
        """One signal arrived (the loop calls this; so do tests)."""
        if self._finished:
            log.debug("signal %d after the stop finished: nothing left to hurry", signum)
            return
        if not self.stop.is_set():
            self.on_stop()
            return
        if self.hurried_by is not None:
            # a third: the cleanup is taking too long for the operator
            self._give_up(exit_code(signum), "another signal: exiting at once")
            return
        self.hurried_by = signum
        log.warning(SECOND_SIGNAL)
        self._timer = threading.Timer(
            self.bound_s,
            self._give_up,
            (
                exit_code(signum),
                f"cleanup did not finish within {duration(self.bound_s)}: exiting now",
            ),
        )
        self._timer.daemon = True
        self._timer.start()
        self.on_hurry()

    def cancel_bound(self) -> None:
        """Forget the pending exit (for callers that outlive the stop, such as tests)."""
        if self._timer is not None:
            self._timer.cancel()

    def _give_up(self, code: int, why: str) -> None:
        log.warning("%s", why)
        for handler in logging.getLogger().handlers:
            try:
                handler.flush()
            except Exception:  # noqa: BLE001 - exiting anyway
                pass
        self._exit(code)
