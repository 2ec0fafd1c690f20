"""When to poll a feed next, decided from the result of the last poll.

Scheduling is data: the outcome's ``next_poll_at`` is written to the feed row and the
scheduler polls whatever is due. This module only decides that time and the feed's new
status; it reads no clock (``now`` is passed in) and its jitter comes from an injected
``random.Random`` so tests are reproducible.

Rules:

- Success (200 or 304): the error count resets and the next poll is after the longest of
  the feed's own interval, the minimum interval, the server's ``Cache-Control: max-age``
  and the feed's ``<ttl>`` -- a server asking us to come back later is obeyed, one asking
  for more often than the minimum is not. Capped at ``max_interval_s`` (a day) so a
  typo'd ``ttl`` cannot silence a feed for weeks.
- Failure: exponential back-off from the interval, doubling per consecutive failure up to
  ``max_backoff_s``, with jitter so that feeds failing together (one host down) do not
  retry in lockstep. A feed is never dropped: at the cap it keeps being tried.
- 429/503 with ``Retry-After``: never sooner than the server asked (up to a week, so a
  hostile value cannot park a feed forever).
- ETag, Last-Modified and body hash come from the result when present, else the feed
  keeps its previous ones (an error response carries none).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.model import Feed, FeedStatus, FetchResult, FetchStatus
from bot.ports import PollOutcome

# Doubling stops mattering long before this; it only keeps 2.0 ** n finite.
_MAX_EXPONENT = 30
# Fraction of the back-off delay that jitter may take off (spreads synchronized retries).
_JITTER = 0.2


@dataclass(frozen=True)
class PollPolicy:
    """Poll scheduling settings, from the ``[polling]`` section of the config."""

    default_interval_s: int = 900
    min_interval_s: int = 300
    max_backoff_s: int = 21600
    max_interval_s: int = 86400
    max_retry_after_s: int = 7 * 86400

    @classmethod
    def from_settings(cls, polling: Mapping[str, Any]) -> PollPolicy:
        """Build a policy from the ``[polling]`` settings mapping; unknown keys are ignored."""
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: int(v) for k, v in polling.items() if k in names})


def _base_interval(feed: Feed, policy: PollPolicy) -> float:
    return float(max(policy.min_interval_s, feed.interval_s or policy.default_interval_s))


def _success_delay(feed: Feed, result: FetchResult, policy: PollPolicy) -> float:
    hints = [h for h in (result.max_age_s, result.ttl_s) if h is not None and h > 0]
    delay = max([_base_interval(feed, policy), *hints])
    return max(float(policy.min_interval_s), min(delay, float(policy.max_interval_s)))


def backoff_delay(error_count: int, base_s: float, policy: PollPolicy, rng: random.Random) -> float:
    """Return the delay before retry number ``error_count`` (1 = first failure).

    Args:
        error_count: Consecutive failures so far, including this one (>= 1).
        base_s: The feed's normal interval, where back-off starts.
        policy: Supplies ``max_backoff_s`` and ``min_interval_s``.
        rng: Source of jitter.

    Returns:
        ``base_s * 2 ** (error_count - 1)`` capped at ``max_backoff_s``, less up to 20 %
        jitter, never below ``min_interval_s``.
    """
    exponent = min(max(error_count - 1, 0), _MAX_EXPONENT)
    cap = float(max(policy.max_backoff_s, policy.min_interval_s))
    raw = min(base_s * 2.0**exponent, cap)
    jittered = raw * (1.0 - _JITTER * rng.random())
    return max(float(policy.min_interval_s), jittered)


def plan_next_poll(
    feed: Feed, result: FetchResult, now: datetime, policy: PollPolicy, rng: random.Random
) -> PollOutcome:
    """Decide a feed's new scheduling state after one poll.

    Args:
        feed: The feed as it was before the poll.
        result: What the fetcher reported.
        now: The time of the poll (aware UTC).
        policy: Interval and back-off settings.
        rng: Source of jitter (seed it in tests).

    Returns:
        The ``PollOutcome`` to record: status, next poll time, error count, last error,
        validators (ETag, Last-Modified, body hash) and title.
    """
    if result.status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED):
        status, error_count, last_error = FeedStatus.OK, 0, None
        delay = _success_delay(feed, result, policy)
    else:
        status, error_count = FeedStatus.ERROR, feed.error_count + 1
        last_error = result.error or (
            f"HTTP {result.http_status}" if result.http_status else "fetch failed (no detail)"
        )
        delay = backoff_delay(error_count, _base_interval(feed, policy), policy, rng)
        if result.retry_after_s is not None and result.retry_after_s > 0:
            delay = max(delay, min(result.retry_after_s, float(policy.max_retry_after_s)))
    return PollOutcome(
        feed_id=feed.id,
        status=status,
        polled_at=now,
        next_poll_at=now + timedelta(seconds=delay),
        error_count=error_count,
        last_error=last_error,
        etag=result.etag or feed.etag,
        last_modified=result.last_modified or feed.last_modified,
        body_hash=result.body_hash or feed.body_hash,
        title=result.feed_title or feed.title,
    )
