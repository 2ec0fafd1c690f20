"""An event loop whose clock skips the waits for its timers, while a test asks it to.

For a test whose I/O never answers (a connect that hangs): each timeout that must expire
(aiohttp's connect limit, ``asyncio.timeout``) would cost its real seconds. While
:meth:`SkippingLoop.skipping` is on, a loop with nothing to do but wait for its next
timer moves its clock (``loop.time()``, what those timeouts read) to that timer at
once, in the timers' order. I/O that is ready is still handled first; a wait with no
timer still blocks. So skip only while every timer pending is one that must expire
anyway (the connects hang): one pending while a thread works or an answer is on its way
would fire early. A connect that does complete (to ``feedserver.mute_listener``) is an
answer on its way: skip from when it is done (``feedserver.connection_waiting``).

Run a test on it with ``asyncio.Runner(loop_factory=SkippingLoop)``, or write it as an
async test decorated with :func:`on_skipping_loop`; :func:`skipping` turns the skips on
for the block it guards, on the running loop.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class _SkippingSelector(selectors.DefaultSelector):
    """The loop's selector: a wait for a timer (``timeout`` > 0) that no I/O ends at once
    becomes a jump of the loop's clock, when the loop skips."""

    def __init__(self) -> None:
        super().__init__()
        self.skip: bool = False
        self.skipped_s = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if not self.skip or timeout is None or timeout <= 0:
            return super().select(timeout)
        ready = super().select(0)
        if not ready:
            self.skipped_s += timeout
        return ready


class SkippingLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose clock jumps to its next timer while :meth:`skipping`."""

    def __init__(self) -> None:
        self._skipper = _SkippingSelector()
        super().__init__(self._skipper)

    def time(self) -> float:
        return super().time() + self._skipper.skipped_s

    @property
    def skipped_s(self) -> float:
        """The seconds its clock jumped so far."""
        return self._skipper.skipped_s

    @contextmanager
    def skipping(self) -> Iterator[None]:
        """Jump over waits for timers while the block runs."""
        self._skipper.skip = True
        try:
            yield
        finally:
            self._skipper.skip = False


def on_skipping_loop(test: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """An async test run on a :class:`SkippingLoop` of its own, not on pytest-asyncio's.

    Its fixtures and parameters are its own as before; its async fixtures, if it had
    any, would run on another loop: use it only for a test that has none.
    """

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with asyncio.Runner(loop_factory=SkippingLoop) as runner:
            return runner.run(test(*args, **kwargs))

    return run


@contextmanager
def skipping() -> Iterator[SkippingLoop]:
    """:meth:`SkippingLoop.skipping` on the running loop (one of :func:`on_skipping_loop`'s)."""
    loop = asyncio.get_running_loop()
    assert isinstance(loop, SkippingLoop), f"not on a SkippingLoop: {loop!r}"
    with loop.skipping():
        yield loop
