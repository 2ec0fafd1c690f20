"""Table-driven tests for bot.polling.plan_next_poll (seeded rng, injected times)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.model import Feed, FeedStatus, FetchResult, FetchStatus
from bot.polling import PollPolicy, backoff_delay, plan_next_poll

NOW = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
POLICY = PollPolicy(default_interval_s=900, min_interval_s=300, max_backoff_s=21600)
FEED = Feed(
    id=7,
    url="https://example.com/feed",
    title="Example",
    status=FeedStatus.OK,
    next_poll_at=NOW,
    etag='"old"',
    last_modified="Mon, 02 Mar 2026 00:00:00 GMT",
    body_hash="oldhash",
    interval_s=900,
)
OK = FetchResult(FetchStatus.OK, http_status=200)
NOT_MODIFIED = FetchResult(FetchStatus.NOT_MODIFIED, http_status=304)
ERROR = FetchResult(
    FetchStatus.ERROR, error="could not connect to example.com:443: connection refused"
)


def _delay(feed: Feed, result: FetchResult, seed: int = 1, policy: PollPolicy = POLICY) -> float:
    outcome = plan_next_poll(feed, result, NOW, policy, random.Random(seed))
    return (outcome.next_poll_at - NOW).total_seconds()


@pytest.mark.parametrize(
    ("feed", "result", "expected_s"),
    [
        (FEED, OK, 900),
        (FEED, NOT_MODIFIED, 900),
        (replace(FEED, interval_s=60), OK, 300),  # never more often than min_interval
        (replace(FEED, interval_s=0), OK, 900),  # unset interval: the default
        (FEED, replace(OK, max_age_s=3600), 3600),  # server asks for longer: obeyed
        (FEED, replace(OK, max_age_s=10), 900),  # server asks for shorter: ignored
        (FEED, replace(OK, ttl_s=7200, max_age_s=600), 7200),
        (FEED, replace(OK, ttl_s=10 * 86400), 86400),  # capped at a day
        (replace(FEED, interval_s=2 * 86400), OK, 86400),
    ],
)
def test_success_interval(feed: Feed, result: FetchResult, expected_s: float) -> None:
    assert _delay(feed, result) == expected_s


@pytest.mark.parametrize("result", [OK, NOT_MODIFIED])
def test_success_resets_errors_and_sets_status(result: FetchResult) -> None:
    feed = replace(FEED, status=FeedStatus.ERROR, error_count=5, last_error="HTTP 500")
    outcome = plan_next_poll(feed, result, NOW, POLICY, random.Random(0))
    assert (outcome.status, outcome.error_count, outcome.last_error) == (FeedStatus.OK, 0, None)
    assert outcome.feed_id == 7 and outcome.polled_at == NOW


@pytest.mark.parametrize(
    ("error_count_before", "low", "high"),
    [
        (0, 720, 900),  # first failure: the interval, less up to 20 % jitter
        (1, 1440, 1800),
        (2, 2880, 3600),
        (4, 11520, 14400),
        (5, 17280, 21600),  # 900 * 32 = 28800 > cap
        (50, 17280, 21600),  # stays at the cap, never dropped
        (10_000, 17280, 21600),  # no overflow
    ],
)
def test_error_backoff(error_count_before: int, low: float, high: float) -> None:
    feed = replace(FEED, error_count=error_count_before)
    for seed in range(20):
        outcome = plan_next_poll(feed, ERROR, NOW, POLICY, random.Random(seed))
        delay = (outcome.next_poll_at - NOW).total_seconds()
        assert low <= delay <= high
        assert outcome.status == FeedStatus.ERROR
        assert outcome.error_count == error_count_before + 1
        assert outcome.last_error == ERROR.error


def test_backoff_jitter_spreads_and_is_reproducible() -> None:
    delays = {_delay(replace(FEED, error_count=3), ERROR, seed=s) for s in range(10)}
    assert len(delays) > 5
    assert _delay(FEED, ERROR, seed=42) == _delay(FEED, ERROR, seed=42)


def test_backoff_never_below_min_interval() -> None:
    policy = PollPolicy(min_interval_s=300, max_backoff_s=21600)
    for seed in range(50):
        assert backoff_delay(1, 300, policy, random.Random(seed)) >= 300


@pytest.mark.parametrize(
    ("retry_after_s", "expected_min", "expected_max"),
    [
        (7200.0, 7200, 7200),  # longer than the back-off: honoured exactly
        (10.0, 720, 900),  # shorter: the back-off wins
        (30 * 86400.0, 7 * 86400, 7 * 86400),  # absurd: capped at a week
        (None, 720, 900),
    ],
)
def test_retry_after(retry_after_s: float | None, expected_min: float, expected_max: float) -> None:
    result = FetchResult(
        FetchStatus.ERROR, http_status=429, retry_after_s=retry_after_s, error="HTTP 429"
    )
    assert expected_min <= _delay(FEED, result) <= expected_max


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (OK, ('"old"', "Mon, 02 Mar 2026 00:00:00 GMT", "oldhash")),
        (
            replace(OK, etag='"new"', body_hash="newhash"),
            ('"new"', "Mon, 02 Mar 2026 00:00:00 GMT", "newhash"),
        ),
        (
            replace(NOT_MODIFIED, last_modified="Thu, 05 Mar 2026 07:00:00 GMT"),
            ('"old"', "Thu, 05 Mar 2026 07:00:00 GMT", "oldhash"),
        ),
        (ERROR, ('"old"', "Mon, 02 Mar 2026 00:00:00 GMT", "oldhash")),
    ],
)
def test_validators_kept_or_replaced(result: FetchResult, expected: tuple[str, str, str]) -> None:
    outcome = plan_next_poll(FEED, result, NOW, POLICY, random.Random(0))
    assert (outcome.etag, outcome.last_modified, outcome.body_hash) == expected


@pytest.mark.parametrize(
    ("result", "expected_title"),
    [(OK, "Example"), (replace(OK, feed_title="New Title"), "New Title"), (ERROR, "Example")],
)
def test_title(result: FetchResult, expected_title: str) -> None:
    assert plan_next_poll(FEED, result, NOW, POLICY, random.Random(0)).title == expected_title


def test_error_without_message_still_explains() -> None:
    outcome = plan_next_poll(
        FEED, FetchResult(FetchStatus.ERROR, http_status=500), NOW, POLICY, random.Random(0)
    )
    assert outcome.last_error == "HTTP 500"


def test_new_feed_first_failure() -> None:
    feed = replace(FEED, status=FeedStatus.NEW, etag=None, last_modified=None, body_hash=None)
    outcome = plan_next_poll(feed, ERROR, NOW, POLICY, random.Random(3))
    assert outcome.status == FeedStatus.ERROR and outcome.error_count == 1
    assert outcome.next_poll_at > NOW + timedelta(seconds=299)


def test_policy_from_settings_ignores_other_keys() -> None:
    settings = {
        "tick_seconds": 30,
        "default_interval_s": 600,
        "min_interval_s": 120,
        "max_backoff_s": 3600,
        "timeout_s": 20,
        "concurrency": 32,
    }
    assert PollPolicy.from_settings(settings) == PollPolicy(600, 120, 3600)
