"""How storybot says a span of time: "45 s", "12 min", "2 h 10 min", "3 days".

Log lines, ``storybot health``, errors stored with outbox messages and chat replies all say
waits and ages this one way, so the same span never reads "45s" in one line and "45 s" in
the next: a number, a space, a unit. Seconds up to two minutes, minutes up to two hours,
hours (with their minutes) up to two days, then days: never more than two numbers, and
never a "0 h 119 min" or a "2.29995e+09s".

A span of one unit is said as people say it where a word comes before it: "every hour",
"in the last hour", "more than a day ago", not "every 1 hour" (:func:`every`,
:func:`the_last`, :func:`a_span`); a count of several stays a number ("every 6 hours").
"""

from __future__ import annotations

import math
from datetime import timedelta

_LONGEST_S = timedelta.max.total_seconds()  # about 2.7 million years


def duration(span: timedelta | float, *, round_down: bool = False) -> str:
    """``span`` (a timedelta, or seconds) as people say it.

    Args:
        span: how long. Negative counts as 0 (a clock set back is no negative wait);
            infinite or NaN (a broken proxy's ``Retry-After``) is "forever", and so is a
            span longer than a timedelta can hold (``timedelta.max``, about 2.7 million
            years): a ``Retry-After`` of 300 digits is no count of days to print.
        round_down: cut the smallest unit shown instead of rounding it to the nearest.
            An age or an overdue span ("last poll 14 min ago", "due for more than 15
            min") is rounded down, as people count an age: rounded up, a poll 14 min
            30 s ago would read "15 min ago" beside a 15-min threshold it has not
            reached yet. A wait to come ("retrying in 3 min") is rounded to the nearest.

    Returns:
        "0.3 s" (tenths under 10 s), "45 s", "90 min", "2 h", "2 h 10 min", "3 days".
    """
    seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
    if math.isnan(seconds) or math.isinf(seconds):
        return "0 s" if seconds < 0 else "forever"
    if seconds > _LONGEST_S:
        return "forever"
    seconds = max(0.0, seconds)

    def whole(value: float) -> int:
        return math.floor(value) if round_down else math.floor(value + 0.5)

    if seconds < 10 and whole(seconds * 10) % 10:
        return f"{whole(seconds * 10) / 10:g} s"
    if whole(seconds) < 120:
        return f"{whole(seconds)} s"
    minutes = whole(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{whole(seconds / 86400)} days"


# A span of exactly one unit, as said and as the unit alone ("1 hour" -> "hour"): the
# forms :func:`duration` and ``bot.render.period_text`` give.
_ONE_UNIT = {
    "1 s": "second",
    "1 second": "second",
    "1 min": "minute",
    "1 minute": "minute",
    "1 h": "hour",
    "1 hour": "hour",
    "1 day": "day",
    "1 week": "week",
}


def every(period: str) -> str:
    """How often, from a span as said: "every hour" (not "every 1 hour"), "every second",
    "every 6 hours", "every 1 hour 15 minutes" (two units keep their numbers)."""
    return f"every {_ONE_UNIT.get(period, period)}"


def the_last(period: str) -> str:
    """A window back from now: "the last hour", "the last 6 hours"."""
    return f"the last {_ONE_UNIT.get(period, period)}"


def a_span(period: str) -> str:
    """A span after "more than" or "within": "a day", "an hour", "6 hours"."""
    unit = _ONE_UNIT.get(period)
    if unit is None:
        return period
    return f"an {unit}" if unit == "hour" else f"a {unit}"
