"""What the operator's CLI sub-commands share in how they print and what they refuse.

Times shown as every command shows them (:func:`shown_time`), output that a reader who
stopped reading cannot cut a changing command short with (:func:`whole_output`), and the
range check of a number flag (:func:`check_range`, exit 2). Kept apart from the commands
(``adapters.stories_admin``, ``adapters.feeds_admin``, ``adapters.outbox_admin``,
``adapters.prune_admin``, ``adapters.follow_admin``, ``adapters.subscription_admin``) so
that each of those imports only these, not one another.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from typing import Iterator, TextIO, cast

from bot.clock import utc
from bot.errors import UserError
from bot.render import counted


def check_range(
    flag: str, value: float, low: float, high: float, unit: str, *, above_low: bool = False
) -> float:
    """``value`` given for ``flag`` if it is from ``low`` to ``high``, else a UserError (exit 2).

    ``above_low`` refuses ``low`` itself (a value that must be more than 0). NaN compares
    false with everything and infinities pass ``high``, so both are refused too: a float
    option never reaches a ``timedelta`` or a division it would crash.
    """
    if (low < value if above_low else low <= value) and value <= high:
        return value
    floor = "more than" if above_low else "at least"
    raise UserError(
        f"{flag} must be {floor} {counted(low, unit)} and at most {counted(high, unit)}, "
        f"got {value:g}"
    )


def shown_time(dt) -> str:
    """A stored time as the CLI shows every time: UTC, and saying so."""
    return f"{utc(dt):%Y-%m-%d %H:%M} UTC" if dt else "-"


class Unbroken(io.TextIOBase):
    """Output that a reader who stopped reading (``| head -1``) cannot cut short.

    Writing to a closed pipe raises BrokenPipeError; raised inside a command that changes
    things, it would stop the command half done (a story created but not followed, the
    first of several feeds added) and ``cli.main`` would still exit 0. Here a write after
    the pipe broke is dropped and the error is kept for :func:`whole_output` to raise at the end.
    """

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._out = out
        self.broken: BrokenPipeError | None = None

    def write(self, text: str) -> int:
        if self.broken is None:
            try:
                self._out.write(text)
            except BrokenPipeError as exc:
                self.broken = exc
        return len(text)

    def flush(self) -> None:
        if self.broken is None:
            try:
                self._out.flush()
            except BrokenPipeError as exc:
                self.broken = exc

    def isatty(self) -> bool:
        return self._out.isatty()


@contextmanager
def whole_output(out: TextIO) -> Iterator[TextIO]:
    """``out`` for a command that changes things: what it does does not depend on its output.

    The command runs to its end although its output could not all be written; the broken
    pipe is raised after it (``cli.main`` ends quietly on it, as for any command). An
    ``out`` that is already such (written to before the store was opened) is used as is.
    """
    unbroken = out if isinstance(out, Unbroken) else Unbroken(out)
    try:
        yield cast(TextIO, unbroken)
    finally:
        # Closed here, while ``out`` is open: io.IOBase closes (so flushes) an unclosed
        # object when it is collected, which a reference cycle can put off until after
        # the owner of ``out`` closed it (a ValueError, reported by Python 3.13).
        unbroken.close()
    if unbroken.broken is not None:
        raise unbroken.broken
