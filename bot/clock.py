"""Clocks. The core never reads the time itself: it is handed a clock.

``SystemClock`` is the production clock; ``ManualClock`` is moved by hand, by tests and by
the demo's simulated time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# A time recorded later than this after "now" was recorded by a clock since set back (NTP
# stepping a clock that ran fast, a VM resumed, another machine's clock): a wait counted
# from it would last until the clock got back there. Below it, a clock a little off delays
# what waits by that little.
CLOCK_SET_BACK_SLACK = timedelta(minutes=1)


def recorded_ahead(recorded: datetime | None, now: datetime) -> bool:
    """Whether ``recorded`` is later than ``now`` by more than ``CLOCK_SET_BACK_SLACK``:
    the clock was set back since it was recorded."""
    return recorded is not None and recorded > now + CLOCK_SET_BACK_SLACK


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime (naive values are taken to be UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start else datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0.0, **kwargs: float) -> datetime:
        """Move forward by ``seconds`` (and/or timedelta keyword arguments); return the new time."""
        self._now += timedelta(seconds=seconds, **kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = utc(when)
