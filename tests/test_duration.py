"""How storybot says a span of time in log lines, health checks, errors and replies.

One style everywhere (``bot.duration.duration``): a number, a space, a unit; seconds up to
two minutes, minutes up to two hours, hours (with their minutes) up to two days, then days.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.duration import a_span, duration, every, the_last


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (-5, "0 s"),  # a clock step backwards is no negative wait
        (0.3, "0.3 s"),  # a short timeout keeps its tenths
        (2.5, "2.5 s"),
        (1.0, "1 s"),
        (45, "45 s"),
        (119.4, "119 s"),
        (120, "2 min"),
        (150, "3 min"),  # half a minute rounds up
        (5400, "90 min"),
        (2 * 3600, "2 h"),
        (4200 + 3600, "2 h 10 min"),
        (23 * 3600, "23 h"),
        (48 * 3600, "2 days"),
        (2324928480, "26909 days"),
        (float("inf"), "forever"),  # a broken proxy's Retry-After
        (float("nan"), "forever"),
    ],
)
def test_a_span_is_said_in_one_style(seconds: float, said: str) -> None:
    assert duration(seconds) == said
    if seconds == seconds and abs(seconds) != float("inf"):
        assert duration(timedelta(seconds=seconds)) == said


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0.99, "0.9 s"),
        (119.9, "119 s"),
        (179, "2 min"),
        (2 * 3600 - 1, "119 min"),
        (2 * 3600 + 59 * 60 + 59, "2 h 59 min"),
        (48 * 3600 - 1, "47 h 59 min"),
        (3 * 86400 - 1, "2 days"),
    ],
)
def test_an_age_rounded_down_never_says_more_time_passed_than_did(
    seconds: float, said: str
) -> None:
    assert duration(timedelta(seconds=seconds), round_down=True) == said


@pytest.mark.parametrize("seconds", [1e20, 1e300, 10.0**308])
def test_a_span_longer_than_a_timedelta_can_hold_is_forever_not_hundreds_of_digits(
    seconds: float,
) -> None:
    # a Retry-After of 300 digits (a broken or hostile server) is a finite float: it was
    # said as a 300-digit count of days, in the feed's error and the log line
    assert duration(seconds) == "forever"
    assert duration(seconds, round_down=True) == "forever"
    # the longest a timedelta holds is still said in days
    assert duration(timedelta.max).endswith(" days")


@pytest.mark.parametrize(
    ("period", "every_", "last", "more_than"),
    [
        ("1 hour", "every hour", "the last hour", "an hour"),
        ("1 h", "every hour", "the last hour", "an hour"),
        ("1 day", "every day", "the last day", "a day"),
        ("1 s", "every second", "the last second", "a second"),
        ("1 minute", "every minute", "the last minute", "a minute"),
        ("6 hours", "every 6 hours", "the last 6 hours", "6 hours"),
        ("5 s", "every 5 s", "the last 5 s", "5 s"),
        ("1.5 hours", "every 1.5 hours", "the last 1.5 hours", "1.5 hours"),
        # two units keep their numbers: "every hour 15 minutes" reads as a slip
        (
            "1 hour 15 minutes",
            "every 1 hour 15 minutes",
            "the last 1 hour 15 minutes",
            "1 hour 15 minutes",
        ),
        ("10 days", "every 10 days", "the last 10 days", "10 days"),
    ],
)
def test_a_span_of_one_unit_reads_as_people_say_it(period, every_, last, more_than) -> None:
    # "every 1 hour", "in the last 1 hour", "more than 1 day ago" read as a form filled in
    assert (every(period), the_last(period), a_span(period)) == (every_, last, more_than)
